// A run directory's metrics.jsonl read back as the series a report draws: the training records
// (loss, global gradient norm, learning rate, and the per-parameter gradient norms of
// --log-grad-norms), the validation records (loss and every metric the task logged) and the test
// record.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace attend::study {

// One quantity over training: x = optimizer step, y = its value (NaN where the log has null).
struct StepSeries {
  std::vector<double> step, value;
  bool empty() const { return step.empty(); }
};

struct RunHistory {
  std::string path;  // the metrics log read
  StepSeries train_loss, grad_norm, lr;
  // Validation: "loss", "ppl", "bleu", "rougeL", "accuracy", ... whatever the task logged, and
  // "train_loss" (the epoch's mean training loss, logged with each evaluation).
  std::map<std::string, StepSeries> valid;
  // --log-grad-norms: parameter name -> its gradient norm at each logged step (empty without it).
  std::map<std::string, StepSeries> param_grad_norms;
  std::map<std::string, double> test;  // the last test record's metrics (empty if none)
  // A language model's sample at each evaluation ("sample" of a validation record): step, text.
  std::vector<std::pair<double, std::string>> samples;
  int64_t skipped_batches = 0;  // "skipped" records (--skip-nonfinite)
  int64_t records = 0;
  double last_step = 0, last_epoch = 0;
};

// Reads PATH (a metrics.jsonl). Like read_metrics_log, a last line without a newline that does not
// parse is a record cut short by a killed run and is ignored. Throws DataError "PATH: ..." when the
// file cannot be read or holds no record, and "PATH:LINE: ..." for a line that is not a JSON object
// or a field that is not what attend train writes (a number or null; "grad_norms" an object of
// them; "split" and a validation record's "sample" text).
RunHistory read_run_history(const std::string& path);

}  // namespace attend::study
