// Summing the gradients over the ranks while the backward pass still runs (PyTorch DDP's Reducer,
// Horovod's tensor fusion). The parameters, in reverse order (roughly the order backward finishes
// them), are packed into buckets of about bucket_bytes. A parameter's post-accumulate hook
// (autograd/tensor.h) says when its gradient is final; when every parameter of a bucket is final,
// the bucket is copied into one flat buffer and its sum over the ranks starts (MPI_Iallreduce),
// overlapping the rest of the backward pass.
//
// Every rank must start the same sums in the same order, though backward may finish parameters in
// another order on each (a different batch share takes other paths): bucket k starts only after
// buckets 0..k-1 have, and the last bucket only in finish(). A parameter that got no gradient on
// a rank contributes zeros; one "had a gradient" flag per parameter travels in its bucket, so a
// parameter no rank had a gradient for keeps an undefined .grad, as in one process.
//
// Layout of bucket b's buffer:
//   [grad of parameter p0 | grad of p1 | ... | had-gradient flag of p0, p1, ... | faults (last
//   bucket only: the ranks' count of reasons the step is unusable, see finish())]
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "autograd/tensor.h"
#include "trainers/distributed/communicator.h"

namespace attend {

class GradientBuckets {
 public:
  // Registers a post-accumulate hook on every parameter (each parameter once). The hooks do
  // nothing outside begin()..finish() or once this object is gone.
  GradientBuckets(const std::vector<Tensor>& params, Communicator& comm,
                  int64_t bucket_bytes = int64_t{4} << 20);
  ~GradientBuckets();
  GradientBuckets(const GradientBuckets&) = delete;
  GradientBuckets& operator=(const GradientBuckets&) = delete;

  // Before a step's backward pass (after zero_grad): buckets empty, hooks listening.
  void begin();
  // After the backward pass, or instead of it (an empty share of the batch, a pass that threw):
  // starts every bucket not yet started (missing gradients as zeros) in order, waits for all the
  // sums and writes them into the parameters' .grad. `faults` is this rank's count of reasons the
  // step cannot be used (a backward that threw); returns the count over every rank.
  int finish(int faults = 0);

  size_t bucket_count() const;
  // Parameter indices of each bucket, in the order the sums start.
  std::vector<std::vector<size_t>> layout() const;
  // How many sums started while the backward pass ran, in the last step (the rest started in
  // finish()).
  size_t started_during_backward() const;
  // Seconds finish() has waited for sums to complete, over every step (communication that the
  // backward pass did not hide).
  double wait_seconds() const;

 private:
  struct State;
  std::shared_ptr<State> state_;  // the hooks hold it weakly
};

}  // namespace attend
