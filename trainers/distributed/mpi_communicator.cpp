// MPI's world as a Communicator (compiled when CMake finds MPI; Open MPI and MPICH both work).
//
// Every collective is non-blocking (MPI_Iallreduce, MPI_Iallgather(v), MPI_Ibcast, MPI_Ibarrier)
// and completed by wait(), which polls MPI_Test instead of blocking in MPI_Wait, for three reasons:
//   - it can give up: after CommunicatorOptions::timeout_seconds without progress it finds the
//     ranks that stopped answering (a ping on a second communicator, answered from every rank's
//     own wait loop) and throws CommunicationError naming them;
//   - it notices a rank on this host that died (its pid is gone) within half a second, before
//     mpirun's SIGKILL, and says which one;
//   - it sleeps between polls rather than spinning, so ranks sharing cores (mpirun
//     --oversubscribe) do not steal each other's time.
// All MPI calls come from the main thread (MPI_THREAD_FUNNELED): the gradient buckets make
// progress with test() from the backward pass's hooks, not from a thread of their own.
#include <mpi.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "trainers/distributed/mpi_world.h"

namespace attend {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kPingTag = 1, kPongTag = 2;
constexpr auto kLookForTheDead = std::chrono::milliseconds(500);
constexpr auto kAnswerTime = std::chrono::seconds(2);

// "Open MPI v4.1.4" or "MPICH 4.0.2": the library's first words.
std::string library_name() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int n = 0;
  MPI_Get_library_version(text, &n);
  std::string s(text, static_cast<size_t>(n));
  s = s.substr(0, s.find_first_of(",\n"));
  if (s.rfind("MPICH Version:", 0) == 0) {
    const size_t v = s.find_first_not_of(" \t", 14);
    s = "MPICH " + (v == std::string::npos ? std::string() : s.substr(v));
  }
  return s;
}

std::string standard_version() {
  int major = 0, minor = 0;
  MPI_Get_version(&major, &minor);
  return "MPI " + std::to_string(major) + "." + std::to_string(minor);
}

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

// Whether a process of this host still runs: /proc/PID/stat exists and is not a zombie.
bool process_alive(long pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
  std::string line;
  std::getline(stat, line);
  const size_t paren = line.rfind(')');  // the command name may hold spaces and parentheses
  const char state = paren + 2 < line.size() ? line[paren + 2] : '?';
  return state != 'Z' && state != 'X';
}

class MpiWorld;

class MpiPendingSum final : public PendingSum {
 public:
  MpiPendingSum(MpiWorld& world, MPI_Request request) : world_(world), request_(request) {}
  ~MpiPendingSum() override;
  bool test() override;
  void wait() override;

 private:
  MpiWorld& world_;
  MPI_Request request_;
};

class MpiWorld final : public Communicator {
 public:
  explicit MpiWorld(const CommunicatorOptions& options);
  ~MpiWorld() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string describe() const override {
    return std::to_string(size_) + " ranks (" + library_name() + ")";
  }
  std::unique_ptr<PendingSum> start_sum(std::span<float> values) override;
  std::vector<double> all_gather(std::span<const double> values) override;
  std::vector<std::string> all_gather_bytes(const std::string& bytes) override;
  void broadcast(std::span<float> values, int root) override;
  void barrier() override;
  [[noreturn]] void abort(int exit_code) override;

  bool test(MPI_Request& request, const char* what);
  void wait(MPI_Request& request, const char* what);
  bool broken() const { return broken_; }

 private:
  struct Peer {
    long pid = 0;
    std::string host;
  };
  void check(int code, const char* what);
  void answer_pings();
  void fail_if_a_peer_died(const char* what);
  [[noreturn]] void fail_on_timeout(const char* what);
  [[noreturn]] void fail(const std::string& message, const std::vector<bool>& gone);
  std::string name(int r) const;

  MPI_Comm world_ = MPI_COMM_NULL;    // the collectives
  MPI_Comm control_ = MPI_COMM_NULL;  // pings, so they never meet a collective's messages
  int rank_ = 0, size_ = 1;
  double timeout_;
  std::vector<Peer> peers_;
  int ping_token_ = 0, pong_token_ = 0;
  bool broken_ = false;
};

MpiPendingSum::~MpiPendingSum() {
  if (request_ == MPI_REQUEST_NULL || world_.broken()) return;
  try {
    world_.wait(request_, "a gradient sum");
  } catch (const std::exception&) {
    // Broken now; the world ends the job when it is destroyed.
  }
}

bool MpiPendingSum::test() {
  return request_ == MPI_REQUEST_NULL || world_.test(request_, "a gradient sum");
}

void MpiPendingSum::wait() {
  if (request_ != MPI_REQUEST_NULL) world_.wait(request_, "a gradient sum");
}

MpiWorld::MpiWorld(const CommunicatorOptions& options) : timeout_(options.timeout_seconds) {
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_dup(MPI_COMM_WORLD, &world_);
  MPI_Comm_dup(MPI_COMM_WORLD, &control_);
  // Errors come back as codes, which check() turns into CommunicationError, instead of aborting.
  MPI_Comm_set_errhandler(world_, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(control_, MPI_ERRORS_RETURN);
  MPI_Comm_rank(world_, &rank_);
  MPI_Comm_size(world_, &size_);
  // Who is where, to name a rank that dies.
  const std::string me = std::to_string(static_cast<long>(getpid())) + " " + host_name();
  for (const std::string& s : all_gather_bytes(me)) {
    Peer p;
    const size_t space = s.find(' ');
    p.pid = std::atol(s.substr(0, space).c_str());
    p.host = space == std::string::npos ? std::string() : s.substr(space + 1);
    peers_.push_back(p);
  }
}

MpiWorld::~MpiWorld() {
  // A rank that failed cannot finalize: MPI_Finalize waits for the ranks it lost.
  if (broken_) abort(1);
  MPI_Comm_free(&control_);
  MPI_Comm_free(&world_);
  MPI_Finalize();
}

std::string MpiWorld::name(int r) const {
  if (peers_.size() != static_cast<size_t>(size_)) return "rank " + std::to_string(r);
  const Peer& p = peers_[static_cast<size_t>(r)];
  return "rank " + std::to_string(r) + " (pid " + std::to_string(p.pid) + " on " + p.host + ")";
}

void MpiWorld::check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int n = 0;
  MPI_Error_string(code, text, &n);
  fail_if_a_peer_died(what);  // the likely cause, when it is on this host
  fail(std::string("MPI failed in ") + what + ": " + std::string(text, static_cast<size_t>(n)),
       std::vector<bool>(static_cast<size_t>(size_), false));
}

bool MpiWorld::test(MPI_Request& request, const char* what) {
  int done = 0;
  check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), what);
  return done != 0;
}

void MpiWorld::wait(MPI_Request& request, const char* what) {
  if (test(request, what)) return;
  const auto start = Clock::now();
  auto look = start + kLookForTheDead;
  for (int polls = 1;; ++polls) {
    if (test(request, what)) return;
    answer_pings();
    const auto now = Clock::now();
    if (now >= look) {
      fail_if_a_peer_died(what);
      look = now + kLookForTheDead;
    }
    if (std::chrono::duration<double>(now - start).count() > timeout_) fail_on_timeout(what);
    // Yield first (a sum of a few MB completes in microseconds to milliseconds), then sleep.
    if (polls < 200)
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(std::chrono::microseconds(polls < 2000 ? 20 : 200));
  }
}

// Answers every ping waiting on the control communicator: "I am alive and waiting".
void MpiWorld::answer_pings() {
  for (;;) {
    int flag = 0;
    MPI_Status status;
    if (MPI_Iprobe(MPI_ANY_SOURCE, kPingTag, control_, &flag, &status) != MPI_SUCCESS || !flag)
      return;
    int token = 0;
    MPI_Recv(&token, 1, MPI_INT, status.MPI_SOURCE, kPingTag, control_, MPI_STATUS_IGNORE);
    MPI_Request reply;
    MPI_Isend(&pong_token_, 1, MPI_INT, status.MPI_SOURCE, kPongTag, control_, &reply);
    MPI_Request_free(&reply);
  }
}

void MpiWorld::fail_if_a_peer_died(const char* what) {
  if (peers_.size() != static_cast<size_t>(size_)) return;  // still learning who is where
  std::vector<bool> gone(static_cast<size_t>(size_), false);
  int first = -1;
  const std::string& here = peers_.at(static_cast<size_t>(rank_)).host;
  for (int r = 0; r < size_; ++r) {
    const Peer& p = peers_[static_cast<size_t>(r)];
    if (r == rank_ || p.host != here || process_alive(p.pid)) continue;
    gone[static_cast<size_t>(r)] = true;
    if (first < 0) first = r;
  }
  if (first >= 0) fail(name(first) + " died during " + what, gone);
}

void MpiWorld::fail_on_timeout(const char* what) {
  // Which ranks still answer? Every rank waiting in a collective answers from its wait loop.
  std::vector<bool> answered(static_cast<size_t>(size_), false);
  answered[static_cast<size_t>(rank_)] = true;
  for (int r = 0; r < size_; ++r) {
    if (r == rank_) continue;
    MPI_Request ping;
    MPI_Isend(&ping_token_, 1, MPI_INT, r, kPingTag, control_, &ping);
    MPI_Request_free(&ping);
  }
  const auto deadline = Clock::now() + kAnswerTime;
  int missing = size_ - 1;
  while (missing > 0 && Clock::now() < deadline) {
    answer_pings();
    int flag = 0;
    MPI_Status status;
    if (MPI_Iprobe(MPI_ANY_SOURCE, kPongTag, control_, &flag, &status) == MPI_SUCCESS && flag) {
      int token = 0;
      MPI_Recv(&token, 1, MPI_INT, status.MPI_SOURCE, kPongTag, control_, MPI_STATUS_IGNORE);
      if (!answered[static_cast<size_t>(status.MPI_SOURCE)]) --missing;
      answered[static_cast<size_t>(status.MPI_SOURCE)] = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  std::vector<bool> gone(answered.size());
  std::string silent;
  for (int r = 0; r < size_; ++r) {
    gone[static_cast<size_t>(r)] = !answered[static_cast<size_t>(r)];
    if (gone[static_cast<size_t>(r)]) silent += (silent.empty() ? "" : ", ") + name(r);
  }
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", timeout_);
  if (silent.empty())
    fail(std::string("no progress in ") + what + " for " + seconds +
             " s (--collective-timeout) although every rank answers",
         gone);
  fail(silent + (missing > 1 ? " have" : " has") + " not answered for " + seconds + " s in " +
           what + " (--collective-timeout): hung or dead",
       gone);
}

// The lowest rank still alive reports; every rank that gets here ends the job.
void MpiWorld::fail(const std::string& message, const std::vector<bool>& gone) {
  broken_ = true;
  int reporter = 0;
  while (reporter < size_ && gone[static_cast<size_t>(reporter)]) ++reporter;
  throw CommunicationError(message, 1, reporter == rank_);
}

std::unique_ptr<PendingSum> MpiWorld::start_sum(std::span<float> values) {
  MPI_Request request;
  check(MPI_Iallreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_FLOAT,
                       MPI_SUM, world_, &request),
        "a gradient sum");
  return std::make_unique<MpiPendingSum>(*this, request);
}

std::vector<double> MpiWorld::all_gather(std::span<const double> values) {
  std::vector<double> out(values.size() * static_cast<size_t>(size_));
  MPI_Request request;
  check(MPI_Iallgather(values.data(), static_cast<int>(values.size()), MPI_DOUBLE, out.data(),
                       static_cast<int>(values.size()), MPI_DOUBLE, world_, &request),
        "the step's all-gather");
  wait(request, "the step's all-gather");
  return out;
}

std::vector<std::string> MpiWorld::all_gather_bytes(const std::string& bytes) {
  const char* what = "an all-gather of results";
  int mine = static_cast<int>(bytes.size());
  std::vector<int> sizes(static_cast<size_t>(size_));
  MPI_Request request;
  check(MPI_Iallgather(&mine, 1, MPI_INT, sizes.data(), 1, MPI_INT, world_, &request), what);
  wait(request, what);
  std::vector<int> offsets(sizes.size(), 0);
  for (size_t r = 1; r < sizes.size(); ++r) offsets[r] = offsets[r - 1] + sizes[r - 1];
  std::string all(static_cast<size_t>(offsets.back() + sizes.back()), '\0');
  check(MPI_Iallgatherv(bytes.data(), mine, MPI_BYTE, all.data(), sizes.data(), offsets.data(),
                        MPI_BYTE, world_, &request),
        what);
  wait(request, what);
  std::vector<std::string> out;
  for (size_t r = 0; r < sizes.size(); ++r)
    out.push_back(all.substr(static_cast<size_t>(offsets[r]), static_cast<size_t>(sizes[r])));
  return out;
}

void MpiWorld::broadcast(std::span<float> values, int root) {
  MPI_Request request;
  check(
      MPI_Ibcast(values.data(), static_cast<int>(values.size()), MPI_FLOAT, root, world_, &request),
      "a broadcast of the weights");
  wait(request, "a broadcast of the weights");
}

void MpiWorld::barrier() {
  MPI_Request request;
  check(MPI_Ibarrier(world_, &request), "a barrier");
  wait(request, "a barrier");
}

void MpiWorld::abort(int exit_code) {
  std::fflush(nullptr);
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

}  // namespace

std::unique_ptr<Communicator> connect_mpi_world(const CommunicatorOptions& options) {
  return std::make_unique<MpiWorld>(options);
}

std::string mpi_library_description() {
  return "MPI: " + library_name() + " (" + standard_version() +
         "); mpirun -np N attend train trains data-parallel";
}

}  // namespace attend
