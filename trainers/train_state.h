// Where a run is, as a checkpoint saves it (the "trainer_state" metadata entry, JSON): the epoch
// and batch to continue from, the optimizer steps taken, the epoch's running loss, and what early
// stopping and the best checkpoint follow. Restoring it (with the weights, the optimizer state and
// the dropout generator) makes a resumed run bit-identical to one that never stopped.
#pragma once
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace attend {

struct TrainState {
  int64_t epoch = 0;          // the epoch in progress (0-based)
  int64_t step_in_epoch = 0;  // its batches already done
  int64_t global_step = 0;    // optimizer steps taken
  double epoch_loss_sum = 0;  // sum of loss * units over the epoch's batches so far
  int64_t epoch_units = 0;
  double best = std::numeric_limits<double>::quiet_NaN();      // best validation metric so far
  double best_loss = std::numeric_limits<double>::infinity();  // best validation loss so far
  int64_t best_epoch = -1;
  int64_t bad_evals = 0;  // evaluations since the metric or the loss last improved
  std::map<std::string, double> best_valid;

  double mean_epoch_loss() const;
  // After the epoch's last batch: the next epoch starts from its first.
  void finish_epoch();

  // Non-finite numbers are stored as null and read back as NaN (best) or Inf (best_loss).
  nlohmann::json to_json() const;
  // Throws nlohmann::json::exception on a missing or mistyped field.
  void from_json(const nlohmann::json& j);
};

}  // namespace attend
