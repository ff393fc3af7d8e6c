// Op-level profiler: wall time and call counts of each op's forward and of its backward, by op
// name, as a table sorted by total time (attend --profile ..., or Profiler::print from a bench).
//
// Every op's forward opens a ProfileScope with its name; the engine opens one around each node's
// backward closure. Times are SELF times: a scope nested in another (an op calling an op) is
// subtracted from its parent, so no time is counted twice and the rows sum to at most the wall
// time. Inside a backward closure no forward is recorded: a backward row is the whole closure,
// including any ops it calls. Disabled (the default), a scope costs one relaxed atomic load.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace attend {

enum class ProfilePhase { Forward, Backward };

// One op's totals. Times in milliseconds.
struct ProfileRow {
  std::string op;
  int64_t fwd_calls = 0;
  double fwd_ms = 0;
  int64_t bwd_calls = 0;
  double bwd_ms = 0;
  double total_ms() const { return fwd_ms + bwd_ms; }
};

struct ProfileReport {
  std::vector<ProfileRow> rows;  // sorted by total_ms, largest first
  double wall_ms = 0;            // time the profiler was enabled
  double op_ms = 0;              // sum of the rows' totals
  // Wall time not inside any op (never negative): optimizer steps, data loading, logging. The
  // backward engine's own bookkeeping (hooks, summing gradients, freeing saved tensors) is a row
  // of its own, "(backward engine)".
  double outside_ms() const { return wall_ms > op_ms ? wall_ms - op_ms : 0; }
};

namespace detail {
extern std::atomic<bool> g_profiling;
}

class Profiler {
 public:
  // enable() starts (or continues) the wall clock; disable() pauses it. Both keep the totals.
  static void enable();
  static void disable();
  static bool enabled() { return detail::g_profiling.load(std::memory_order_relaxed); }
  // Clears every total and restarts the wall clock (if enabled).
  static void reset();
  static ProfileReport report();
  // The table: op | fwd calls | fwd ms | bwd calls | bwd ms | total ms | % of wall, then a row for
  // the time outside ops and the wall total. max_rows limits the op rows (0 = all; the rest are
  // summed into one "(N other ops)" row, so the percentages still add up to 100).
  static std::string format(const ProfileReport& report, size_t max_rows = 0);
  // format(report(), max_rows) written to out (stderr by default).
  static void print(std::FILE* out = stderr, size_t max_rows = 0);
};

// Times the enclosing block as op's forward (or backward) while the profiler is enabled. op must
// outlive the profiler's totals (a string literal, or a Node's name).
class ProfileScope {
 public:
  explicit ProfileScope(const char* op, ProfilePhase phase = ProfilePhase::Forward) noexcept {
    if (Profiler::enabled()) begin(op, phase);
  }
  ~ProfileScope() {
    if (active_) end();
  }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  void begin(const char* op, ProfilePhase phase) noexcept;
  void end() noexcept;

  bool active_ = false;
  ProfilePhase phase_ = ProfilePhase::Forward;
  const char* op_ = nullptr;
  ProfileScope* parent_ = nullptr;  // the enclosing active scope on this thread
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::duration children_{0};  // time of nested scopes, to subtract
};

}  // namespace attend
