// `attend report RUN_DIR`: one self-contained HTML page about a training run, readable offline
// (inline SVG charts from study/svg.h and a little inline CSS; no script, no external file or URL):
// model and data, loss curves (train and validation), the validation metrics the run logged,
// learning rate, global gradient norm, per-parameter gradient norms grouped by module (runs trained
// with --log-grad-norms), attention maps of a few validation examples (study/attention_maps.h),
// the test metrics, and the configuration (config.toml verbatim, the checkpoint's model config).
#pragma once
#include <cstdint>
#include <string>

namespace attend::study {

struct ReportOptions {
  std::string run_dir;
  std::string out;       // "" = RUN_DIR/report.html
  int64_t examples = 3;  // attention maps: validation sources (text) or nodes (GAT); 0 = none
};

// The report's HTML. Throws DataError naming the file (and line) when the run directory or its
// metrics.jsonl is missing or unreadable or a record is corrupt, CheckpointError for a checkpoint
// that cannot be read.
std::string build_report(const ReportOptions& options);

// build_report, written atomically to options.out (or RUN_DIR/report.html); returns the path.
std::string write_report(const ReportOptions& options);

}  // namespace attend::study
