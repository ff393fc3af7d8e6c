// What the training loop needs from a task (text-to-text, node or graph classification): the model,
// the batches of an epoch, the loss of one batch, and evaluation. The Trainer (trainers/trainer.h)
// owns everything else: optimizer, schedule, clipping, checkpoints, resume, logging, progress.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/random.h"
#include "layers/module.h"
#include "trainers/distributed/communicator.h"

namespace attend {

enum class EvalSplit { kValid, kTest };

class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  virtual Module& model() = 0;
  // What throughput counts: "tok" (target tokens), "nodes", "graphs".
  virtual std::string unit() const = 0;
  // Fixes the order of the batches of epoch `epoch` and returns how many there are. `shuffle` is
  // seeded from (seed, epoch) by the trainer, so a resumed run sees the same order.
  virtual int64_t plan_epoch(int64_t epoch, Generator& shuffle) = 0;
  // The mean loss of batch i of the planned epoch (a scalar with a graph, in training mode);
  // `units` receives the number of units the loss averages over.
  virtual Tensor batch_loss(int64_t i, int64_t& units) = 0;
  // Data-parallel training over comm's ranks (trainers/distributed/). plan_epoch stays the same
  // on every rank (the trainer seeds it alike), but batch_loss(i) is now the mean loss over this
  // rank's share of batch i (share_of: a contiguous slice), or an undefined tensor with units 0
  // when the share is empty; and evaluate() scores this rank's share of the split and combines the
  // shares over comm, so every rank returns the whole split's metrics. Throws
  // std::invalid_argument when the batch size does not divide among the ranks. A task that keeps
  // this default trains on one process only.
  virtual void distribute(Communicator& comm) {
    if (comm.size() > 1)
      throw std::invalid_argument("this task cannot share its batches among " +
                                  std::to_string(comm.size()) + " ranks; train it without mpirun");
  }
  // Metrics on a split, in eval mode without gradients: always "loss", plus the task's own
  // ("ppl", "bleu", "accuracy", "macro_f1", "rouge1", ...).
  virtual std::map<std::string, double> evaluate(EvalSplit split) = 0;
  // Text to log beside each validation record (e.g. a language model's sample), by field name.
  virtual std::map<std::string, std::string> evaluation_text() { return {}; }
  // The metric early stopping and the best checkpoint follow by default.
  virtual std::string default_metric() const = 0;
  // The names evaluate() returns, so a metric to follow can be checked before training starts
  // (empty: not declared, any name is taken).
  virtual std::vector<std::string> metric_names() const { return {}; }
};

// Whether larger is better for a metric name ("loss" and "ppl" are the ones where it is not).
bool metric_higher_is_better(const std::string& metric);

}  // namespace attend
