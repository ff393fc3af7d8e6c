#include "trainers/distributed/communicator.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "datasets/data_error.h"
#include "models/hyperparams.h"
#include "trainers/checkpoint.h"
#include "trainers/distributed/mpi_world.h"
#include "trainers/run_lock.h"

namespace attend {
namespace {

class DoneSum final : public PendingSum {
 public:
  bool test() override { return true; }
  void wait() override {}
};

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// Length-prefixed records, so strings with any bytes travel as one buffer.
void put(std::string& out, const std::string& s) {
  const uint64_t n = s.size();
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out += s;
}

std::vector<std::string> records(const std::string& in) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at + sizeof(uint64_t) <= in.size()) {
    uint64_t n = 0;
    std::memcpy(&n, in.data() + at, sizeof n);
    at += sizeof n;
    if (n > in.size() - at) throw std::runtime_error("gather_all: a truncated record");
    out.push_back(in.substr(at, n));
    at += n;
  }
  return out;
}

}  // namespace

std::vector<double> Communicator::sum(std::span<const double> values) {
  const std::vector<double> all = all_gather(values);
  std::vector<double> out(values.size(), 0.0);
  for (size_t r = 0; r < all.size() / std::max<size_t>(1, values.size()); ++r)
    for (size_t k = 0; k < values.size(); ++k) out[k] += all[r * values.size() + k];
  return out;
}

double Communicator::max(double value) {
  const std::vector<double> all = all_gather(std::span<const double>(&value, 1));
  return *std::max_element(all.begin(), all.end());
}

std::unique_ptr<PendingSum> SingleProcess::start_sum(std::span<float>) {
  return std::make_unique<DoneSum>();
}

std::vector<double> SingleProcess::all_gather(std::span<const double> values) {
  return {values.begin(), values.end()};
}

std::vector<std::string> SingleProcess::all_gather_bytes(const std::string& bytes) {
  return {bytes};
}

void SingleProcess::abort(int exit_code) {
  std::fflush(nullptr);
  std::_Exit(exit_code);
}

Communicator& single_process() {
  static SingleProcess one;
  return one;
}

bool launched_by_mpi() {
  return env("OMPI_COMM_WORLD_SIZE") || env("PMI_SIZE") || env("PMIX_RANK");
}

std::unique_ptr<Communicator> connect_ranks(const CommunicatorOptions& options) {
  if (!launched_by_mpi()) return std::make_unique<SingleProcess>();
  return connect_mpi_world(options);
}

std::string mpi_support() {
  return mpi_library_description();
}

Share share_of(size_t n, const Communicator& comm) {
  const auto r = static_cast<size_t>(comm.rank()), p = static_cast<size_t>(comm.size());
  return {n * r / p, n * (r + 1) / p};
}

std::vector<std::string> gather_all(Communicator& comm, const std::vector<std::string>& mine) {
  if (comm.size() == 1) return mine;
  std::string packed;
  for (const std::string& s : mine) put(packed, s);
  std::vector<std::string> out;
  for (const std::string& part : comm.all_gather_bytes(packed))
    for (std::string& s : records(part)) out.push_back(std::move(s));
  return out;
}

std::vector<int64_t> gather_all(Communicator& comm, const std::vector<int64_t>& mine) {
  if (comm.size() == 1) return mine;
  const std::string packed(reinterpret_cast<const char*>(mine.data()),
                           mine.size() * sizeof(int64_t));
  std::vector<int64_t> out;
  for (const std::string& part : comm.all_gather_bytes(packed)) {
    const size_t n = part.size() / sizeof(int64_t);
    const size_t at = out.size();
    out.resize(at + n);
    std::memcpy(out.data() + at, part.data(), n * sizeof(int64_t));
  }
  return out;
}

void on_every_rank(Communicator& comm, const std::function<void()>& step,
                   const std::function<int(const std::exception&)>& exit_code) {
  if (comm.size() == 1) return step();
  std::string mine;  // "" = this rank succeeded; else "<exit code>\n<message>"
  try {
    step();
  } catch (const std::exception& e) {
    mine = std::to_string(exit_code(e)) + "\n" + rank_error_text(e);
  }
  const std::vector<std::string> all = comm.all_gather_bytes(mine);
  const auto failed = std::find_if(all.begin(), all.end(), [](auto& s) { return !s.empty(); });
  if (failed == all.end()) return;
  const std::string& first = *failed;
  const size_t newline = first.find('\n');
  const bool everywhere =
      std::all_of(all.begin(), all.end(), [&](const std::string& s) { return s == first; });
  std::string message = first.substr(newline + 1);
  if (!everywhere) message = "rank " + std::to_string(failed - all.begin()) + ": " + message;
  throw RankError(message, std::atoi(first.substr(0, newline).c_str()), comm.rank() == 0);
}

std::string rank_error_text(const std::exception& e) {
  const bool memory = dynamic_cast<const std::bad_alloc*>(&e) != nullptr;
  return (memory ? "out of memory: " : "") + std::string(e.what());
}

int exit_code_for(const std::exception& e) {
  const bool bad_input =
      dynamic_cast<const DataError*>(&e) || dynamic_cast<const CheckpointError*>(&e) ||
      dynamic_cast<const HyperparamError*>(&e) || dynamic_cast<const RunLockError*>(&e);
  return bad_input ? 2 : 1;
}

}  // namespace attend
