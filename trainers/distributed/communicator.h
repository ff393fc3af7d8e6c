// The ranks of a data-parallel run and the collectives training needs from them. Every rank holds
// the whole model and takes its share of each global batch; the trainer sums the gradients over
// the ranks before each update (trainers/distributed/gradient_buckets.h), so N ranks train the
// model one process would train on the N-times batch.
//
// A Communicator is either the single process (rank 0 of 1: every collective returns the
// process's own values at once, so a run without mpirun does exactly what it did before there
// were ranks) or MPI's world (mpi_communicator.cpp, built when CMake finds MPI). Collectives are
// called by every rank in the same order; a rank that stops calling them (dead, hung) makes the
// others throw CommunicationError after a timeout instead of waiting forever.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace attend {

// An error that ends every rank of a run. One rank reports it (report()), the others exit with
// the same code without a word, so N ranks print one line.
class RankError : public std::runtime_error {
 public:
  RankError(const std::string& message, int exit_code, bool report)
      : std::runtime_error(message), exit_code_(exit_code), report_(report) {}
  int exit_code() const { return exit_code_; }
  bool report() const { return report_; }

 private:
  int exit_code_;
  bool report_;
};

// A collective could not complete: a rank died or stopped answering (named when it can be), or
// the transport failed. The communicator is broken afterwards: it ends the job (MPI_Abort) rather
// than wait for ranks that will never come.
class CommunicationError : public RankError {
 public:
  using RankError::RankError;
};

// A sum over the ranks in flight (MPI_Iallreduce). The buffer it was started on must stay alive
// and untouched until it completes.
class PendingSum {
 public:
  virtual ~PendingSum() = default;
  // Lets the transport progress; true once the sum is in the buffer.
  virtual bool test() = 0;
  // Until the sum is in the buffer; throws CommunicationError when a rank died or the timeout
  // passed.
  virtual void wait() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "1 process", or "2 ranks (Open MPI v4.1.4)".
  virtual std::string describe() const = 0;

  // Starts summing `values` over the ranks in place, without waiting (gradient buckets). Every
  // rank starts the same sums, of the same lengths, in the same order.
  virtual std::unique_ptr<PendingSum> start_sum(std::span<float> values) = 0;
  // Every rank's `values` (the same count on each), rank 0's first: a handful of numbers a step
  // (the batch's units and loss, a stop request), reduced by the caller in rank order so every
  // rank gets the same result to the last bit.
  virtual std::vector<double> all_gather(std::span<const double> values) = 0;
  // Every rank's bytes, any length each, in rank order (evaluation results, generator states).
  virtual std::vector<std::string> all_gather_bytes(const std::string& bytes) = 0;
  // root's values into every rank's.
  virtual void broadcast(std::span<float> values, int root) = 0;
  virtual void barrier() = 0;
  // Ends every rank of the job now (MPI_Abort) with this exit code: for a rank that cannot go on
  // while the others would wait for it in a collective.
  [[noreturn]] virtual void abort(int exit_code) = 0;

  // Sums of every rank's values, added in rank order (the same on every rank). Blocking.
  std::vector<double> sum(std::span<const double> values);
  double max(double value);
};

// Rank 0 of 1.
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string describe() const override { return "1 process"; }
  std::unique_ptr<PendingSum> start_sum(std::span<float> values) override;
  std::vector<double> all_gather(std::span<const double> values) override;
  std::vector<std::string> all_gather_bytes(const std::string& bytes) override;
  void broadcast(std::span<float>, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(int exit_code) override;
};

// The process-wide single-process communicator (tasks that were never distributed use it).
Communicator& single_process();

struct CommunicatorOptions {
  // A collective that makes no progress for this long ends the run with an error naming the
  // ranks that stopped answering. Longer than any step, evaluation or checkpoint write.
  double timeout_seconds = 300;
};

// Whether an MPI launcher started this process: Open MPI's mpirun (OMPI_COMM_WORLD_SIZE),
// MPICH's hydra and Slurm's PMI-2 (PMI_SIZE), PMIx launchers (PMIX_RANK).
bool launched_by_mpi();
// MPI's world when launched by an MPI launcher (MPI_Init here, MPI_Finalize when it is
// destroyed), otherwise the single process. Throws std::runtime_error when launched by mpirun
// but built without MPI.
std::unique_ptr<Communicator> connect_ranks(const CommunicatorOptions& options = {});
// For `attend version`: the MPI library this build uses, or why there is none.
std::string mpi_support();

// The share of n items (examples of a batch, sentences to decode) that a rank takes: the
// contiguous [n * rank / size, n * (rank + 1) / size). Shares differ by at most one item and,
// concatenated in rank order, give the n items in order.
struct Share {
  size_t begin = 0, end = 0;
  size_t size() const { return end - begin; }
};
Share share_of(size_t n, const Communicator& comm);

// Every rank's list, concatenated in rank order (each rank's share's results, back in the order
// of the whole).
std::vector<std::string> gather_all(Communicator& comm, const std::vector<std::string>& mine);
std::vector<int64_t> gather_all(Communicator& comm, const std::vector<int64_t>& mine);

// Runs `step` (setup that any rank may fail: options, data, checkpoints) on every rank, then
// tells every rank whether any failed. None failed: returns. Otherwise every rank throws RankError
// carrying the lowest failing rank's message (prefixed "rank R: " unless every rank failed the
// same way) and exit code (`exit_code` of its exception); rank 0 reports it. With one process
// `step` just runs, and its exceptions pass through unchanged.
void on_every_rank(Communicator& comm, const std::function<void()>& step,
                   const std::function<int(const std::exception&)>& exit_code);
// The exit code of an error: 2 for bad input (data, checkpoint, hyperparameter errors, a run
// directory in use), else 1.
int exit_code_for(const std::exception& e);
// A rank's error as its report names it: e.what(), after "out of memory: " for a bad_alloc
// (whose what() says only "std::bad_alloc").
std::string rank_error_text(const std::exception& e);

}  // namespace attend
