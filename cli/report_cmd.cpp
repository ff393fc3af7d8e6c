#include "cli/report_cmd.h"

#include <cstdio>
#include <filesystem>

#include "cli/validators.h"
#include "study/report.h"

namespace attend::cli {

void add_report_command(CLI::App& root, ReportCommand& cmd) {
  cmd.app =
      root.add_subcommand("report", "Write one self-contained HTML report of a run directory");
  cmd.app
      ->add_option("run_dir", cmd.run_dir,
                   "Run directory of attend train (its metrics.jsonl, config and checkpoints)")
      ->required();
  cmd.app->add_option("--out", cmd.out, "HTML file to write (default RUN_DIR/report.html)");
  cmd.app
      ->add_option("--examples", cmd.examples,
                   "Attention maps of this many validation examples (GAT: nodes); 0 = none")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
}

int run_report(const ReportCommand& cmd) {
  if (cmd.app->count("--out")) check_output_file("--out", cmd.out, "an HTML file");
  study::ReportOptions o;
  o.run_dir = cmd.run_dir;
  o.out = cmd.out;
  o.examples = cmd.examples;
  const std::string path = study::write_report(o);
  std::printf("wrote %s\n", path.c_str());
  return 0;
}

}  // namespace attend::cli
