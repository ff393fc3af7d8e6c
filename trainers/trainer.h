// The training loop shared by every task: optimizer, learning-rate schedule, clipping, validation
// each epoch, early stopping, best and last checkpoints, exact resume, a metrics log and a progress
// bar. A run directory holds everything a run writes:
//   RUN_DIR/metrics.jsonl     one JSON object per logged step and per evaluation (with
//                             log_grad_norms, each parameter's gradient norm per logged step)
//   RUN_DIR/last.safetensors  weights, optimizer state and trainer state after the latest epoch,
//                             every checkpoint_every steps, when a stop is requested (SIGINT,
//                             SIGTERM through stop_signal.h) and before a non-finite batch
//   RUN_DIR/best.safetensors  weights of the best validation metric so far
//   RUN_DIR/epoch-N.safetensors  with keep_epoch_checkpoints: the weights after epoch N (1-based)
//                             and the model's metadata, no optimizer or trainer state (for
//                             attend average and eval; not a point to resume from)
// (config.json, the resolved options, is written by the caller that knows them.)
//
// Data-parallel (options.communicator with several ranks, trainers/distributed/): every rank runs
// fit() on the same task; each takes its share of every batch, the gradients are summed over the
// ranks during the backward pass, and the losses, units and metrics are the whole batch's, so the
// ranks take the same steps one process would on the whole batch. Rank 0 alone writes the run
// directory and prints.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "autograd/enum_names.h"
#include "trainers/distributed/communicator.h"
#include "trainers/lr_schedule.h"
#include "trainers/optim.h"
#include "trainers/progress.h"
#include "trainers/task.h"
#include "trainers/train_state.h"

namespace attend {

// Which validation result becomes best.safetensors (`attend train --best-rule`).
//   metric:          the metric improves (ties broken by a lower validation loss); the patience of
//                    early stopping counts evaluations where neither the metric nor the loss
//                    improved.
//   metric-and-loss: the GAT paper's released code (execute_cora.py): the weights are saved only
//                    when the metric is at least its best so far AND the loss at most its lowest
//                    so far; the patience restarts when either reaches its best (ties count).
enum class BestRule { kMetric, kMetricAndLoss };
inline constexpr EnumNames<BestRule, 2> kBestRules{
    {{{BestRule::kMetric, "metric"}, {BestRule::kMetricAndLoss, "metric-and-loss"}}}};
inline const char* to_string(BestRule rule) {
  return kBestRules.name(rule);
}

class GradientBuckets;

struct TrainerOptions {
  int64_t epochs = 10;
  int64_t max_steps = 0;  // stop after this many optimizer steps in total (0 = no limit)
  OptimizerKind optimizer = OptimizerKind::kAdam;  // Adam's decay is L2, as torch.optim.Adam
  float lr = 1e-3f;
  float weight_decay = 0.0f;
  // Weight decay on the matrices only (matrices_decay in optim.h): biases, norms and embedding
  // tables exempt, as nanoGPT groups a GPT's parameters.
  bool decay_matrices_only = false;
  // Gradient accumulation: each optimizer step sums the gradients of this many consecutive
  // batches of the task's plan (each loss divided by it), as nanoGPT's gradient_accumulation_steps.
  int64_t accumulate = 1;
  float momentum = 0.9f;  // sgd
  float beta1 = 0.9f, beta2 = 0.999f;
  ScheduleKind schedule = ScheduleKind::kConstant;
  int64_t warmup_steps = 0;  // cosine, noam
  float min_lr = 0.0f;       // cosine: the rate the decay ends at (nanoGPT's min_lr)
  int64_t step_size = 1;     // step: epochs per decay (applied per epoch's steps)
  float gamma = 0.5f;        // step decay factor; plateau factor
  int64_t noam_d_model = 128;
  float clip_norm = 0.0f;   // max global gradient norm (0 = off)
  float clip_value = 0.0f;  // max |gradient| element (0 = off)
  std::string metric;       // validation metric for best/early stopping ("" = task's default)
  // Early stopping: stop when neither the metric nor the validation loss improved for this many
  // evaluations (the GAT paper's rule); 0 = never stop early.
  int64_t patience = 0;
  BestRule best_rule = BestRule::kMetric;
  int64_t eval_every = 1;  // evaluate every this many epochs (and after the last)
  int64_t log_every = 50;  // steps between train records in the metrics log
  // Each train record also carries "grad_norms": {"dotted.parameter.name": L2 norm of its
  // gradient before clipping, ...} (0 for a parameter the batch gave no gradient). Only reads the
  // gradients: the training result is the same with or without it.
  bool log_grad_norms = false;
  uint64_t seed = 0;
  std::string run_dir;      // "" = write nothing
  bool resume = false;      // continue from RUN_DIR/last.safetensors
  bool test_at_end = true;  // evaluate the best weights on the test split
  ProgressOptions progress;
  bool quiet = false;  // no per-epoch summary lines
  // A batch whose loss or gradients are NaN or Inf: skipped (no optimizer step, a warning and a
  // "skipped" record in the log) instead of stopping the run with NonFiniteError.
  bool skip_nonfinite = false;
  // Anomaly mode while training: the first op whose forward or backward makes a NaN or Inf is
  // named in the error (torch.autograd.set_detect_anomaly). Costs a pass over every op's result.
  bool detect_anomaly = false;
  // Also write last.safetensors every this many optimizer steps inside an epoch (0 = only at the
  // end of each epoch), so a killed run loses at most that many steps.
  int64_t checkpoint_every = 0;
  // Also keep the weights after every epoch as RUN_DIR/epoch-N.safetensors (fairseq keeps
  // checkpointN.pt), for averaging the last few (attend average --last N).
  bool keep_epoch_checkpoints = false;
  // Called after every optimizer step with the number of steps taken (tests, progress hooks).
  std::function<void(int64_t step)> on_step;
  // Stored in every checkpoint's metadata (model config, vocabularies, ...).
  std::map<std::string, std::string> metadata;
  // The ranks of a data-parallel run (null: this process alone).
  std::shared_ptr<Communicator> communicator;
  // Gradients are summed over the ranks in buckets of about this many bytes.
  int64_t bucket_bytes = int64_t{4} << 20;
};

struct TrainResult {
  int64_t epochs_run = 0, steps = 0;
  int64_t best_epoch = -1;
  double best_metric = 0;
  std::map<std::string, double> best_valid;  // metrics of the best evaluation
  std::map<std::string, double> test;        // of the best weights, if test_at_end
  bool stopped_early = false;
  int interrupted = 0;          // the signal that stopped the run (stop_requested()), or 0
  int64_t skipped_batches = 0;  // non-finite batches skipped (skip_nonfinite), over the whole run
  int64_t units = 0;  // trained on by the steps taken (tokens, nodes, graphs; every rank's)
  double seconds = 0;
  double step_seconds = 0;  // of seconds, in training steps (evaluation and checkpoints excluded)
  // Data-parallel: seconds this rank waited for gradient sums that the backward pass did not
  // hide (0 for one process).
  double communication_seconds = 0;
  double peak_rss_mb = 0;  // the process's peak resident memory at the end (getrusage)
};

// A NaN or Inf loss or gradient stopped the run. The message names the step, epoch and batch
// (and, in anomaly mode, the op); the weights before that batch are in RUN_DIR/last.safetensors.
// Data-parallel, every rank throws it at the same batch.
class NonFiniteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Trainer state key in checkpoint metadata.
inline constexpr const char* kTrainerStateKey = "trainer_state";

// "epoch-N.safetensors": the name of the weights kept after epoch N (1-based).
std::string epoch_checkpoint_name(int64_t epoch);

class Trainer {
 public:
  // dropout: the generator every dropout layer of task.model() draws from; its state is saved so
  // a resumed run continues the same stream.
  Trainer(TrainingTask& task, std::shared_ptr<Generator> dropout, TrainerOptions options);
  ~Trainer();
  // resume -> (epoch -> step... -> evaluate)... -> stop -> test: each step a function below.
  TrainResult fit();
  Optimizer& optimizer() { return *optimizer_; }

 private:
  struct Run;        // what one fit() carries from step to step
  struct Gradients;  // one batch's loss and gradient norm, or why it cannot be used

  std::unique_ptr<Optimizer> make_optimizer(std::vector<Tensor> params) const;
  // Data-parallel: the task's share of each batch, this rank's dropout stream, the buckets.
  void join_ranks();
  // Every rank must train the same model on the same data: compared, then rank 0's weights.
  void same_model_on_every_rank();
  std::unique_ptr<LRSchedule> make_schedule(int64_t batches_per_epoch) const;

  // Resume: the position from last.safetensors (with --resume) and the metrics log.
  void start(Run& r);
  void load_checkpoint(TrainState& s);
  // Epoch: a stop signal or --max-steps before it starts; its batch plan and schedule.
  bool stop_before_epoch(Run& r) const;
  int64_t begin_epoch(Run& r);
  void train_epoch(Run& r, int64_t batches);
  // Step: forward and backward, checks, clipping, the optimizer's update, the records. False when
  // every rank agreed to stop (a stop signal) before this batch.
  bool train_step(Run& r, int64_t i, int64_t batches, ProgressBar& bar);
  Gradients backward(int64_t i);
  // The whole batch's units, loss and faults, and the stop request, from every rank's share;
  // returns the weight of this rank's mean loss in the whole batch's (its share of the units).
  double agree_on_batch(Gradients& g);
  void check_gradients(Gradients& g) const;
  void reject_batch(Run& r, int64_t i, const std::string& fault, const Generator& dropout_before);
  std::map<std::string, double> parameter_norms(const Run& r) const;
  void clip_gradients(float norm);
  float update(const TrainState& s);
  void record_step(Run& r, int64_t i, int64_t batches, const Gradients& g, float lr,
                   const std::map<std::string, double>& param_norms, ProgressBar& bar);
  // Evaluate: the validation split, the best checkpoint, early stopping.
  bool evaluation_due(const Run& r, bool epoch_done) const;
  void evaluate(Run& r);
  void log_validation(Run& r, const std::map<std::string, double>& valid, bool better);
  // Stop: the epoch's end (false when the run stops here); the test split with the best weights.
  bool end_epoch(Run& r, bool epoch_done);
  void test_best(Run& r);

  // Whether this process writes the run directory (checkpoints, metrics.jsonl): every write goes
  // through save_checkpoint() or Run::log, and only rank 0 writes.
  bool writes() const { return !options_.run_dir.empty() && comm_->rank() == 0; }
  // Whether this process prints warnings (rank 0).
  bool reports() const { return comm_->rank() == 0; }
  void save_checkpoint(const std::string& name, const TrainState& s);
  void save_epoch_checkpoint(const TrainState& s);
  float scheduled_lr(const TrainState& s) const;
  std::string last_path() const;

  TrainingTask& task_;
  std::shared_ptr<Generator> dropout_;
  TrainerOptions options_;
  Communicator* comm_;                        // options_.communicator, or the single process
  std::unique_ptr<GradientBuckets> buckets_;  // with more than one rank
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<LRSchedule> schedule_;
  std::unique_ptr<ReduceLROnPlateau> plateau_;
};

}  // namespace attend
