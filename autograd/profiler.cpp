#include "autograd/profiler.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

namespace attend {
namespace detail {
std::atomic<bool> g_profiling{false};
}

namespace {

using Clock = std::chrono::steady_clock;

struct Totals {
  int64_t calls[2] = {0, 0};
  Clock::duration time[2] = {Clock::duration{0}, Clock::duration{0}};
};

struct State {
  std::mutex mu;
  // Keyed by the name's address (one hash of a pointer per scope); report() merges equal names
  // that live at different addresses.
  std::unordered_map<const char*, Totals> totals;
  Clock::duration wall{0};  // closed enabled intervals
  Clock::time_point since;  // start of the open interval, when enabled
  bool running = false;
};

State& state() {
  static State s;
  return s;
}

// The innermost active scope of this thread: scopes nest strictly (RAII), so a linked list
// through the scopes themselves is the stack.
thread_local ProfileScope* t_top = nullptr;

double to_ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

void Profiler::enable() {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (!s.running) {
    s.running = true;
    s.since = Clock::now();
  }
  detail::g_profiling.store(true, std::memory_order_relaxed);
}

void Profiler::disable() {
  State& s = state();
  std::lock_guard lock(s.mu);
  detail::g_profiling.store(false, std::memory_order_relaxed);
  if (s.running) {
    s.wall += Clock::now() - s.since;
    s.running = false;
  }
}

void Profiler::reset() {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.totals.clear();
  s.wall = Clock::duration{0};
  if (s.running) s.since = Clock::now();
}

ProfileReport Profiler::report() {
  State& s = state();
  ProfileReport r;
  std::map<std::string, ProfileRow> by_name;
  {
    std::lock_guard lock(s.mu);
    Clock::duration wall = s.wall;
    if (s.running) wall += Clock::now() - s.since;
    r.wall_ms = to_ms(wall);
    for (const auto& [name, t] : s.totals) {
      ProfileRow& row = by_name[name];
      row.op = name;
      row.fwd_calls += t.calls[0];
      row.fwd_ms += to_ms(t.time[0]);
      row.bwd_calls += t.calls[1];
      row.bwd_ms += to_ms(t.time[1]);
    }
  }
  for (auto& [name, row] : by_name) {
    r.op_ms += row.total_ms();
    r.rows.push_back(std::move(row));
  }
  std::stable_sort(r.rows.begin(), r.rows.end(), [](const ProfileRow& a, const ProfileRow& b) {
    return a.total_ms() > b.total_ms();
  });
  return r;
}

std::string Profiler::format(const ProfileReport& r, size_t max_rows) {
  std::string out;
  char line[256];
  auto pct = [&](double ms) { return r.wall_ms > 0 ? 100.0 * ms / r.wall_ms : 0.0; };
  auto add_row = [&](const std::string& op, const std::string& fc, double fms,
                     const std::string& bc, double bms, double total) {
    std::snprintf(line, sizeof line, "%-32s %10s %10.2f %10s %10.2f %10.2f %9.1f%%\n", op.c_str(),
                  fc.c_str(), fms, bc.c_str(), bms, total, pct(total));
    out += line;
  };
  std::snprintf(line, sizeof line, "%-32s %10s %10s %10s %10s %10s %10s\n", "op", "fwd calls",
                "fwd ms", "bwd calls", "bwd ms", "total ms", "% of wall");
  out += line;
  out += std::string(98, '-') + "\n";
  const size_t shown = max_rows == 0 ? r.rows.size() : std::min(max_rows, r.rows.size());
  for (size_t i = 0; i < shown; ++i) {
    const ProfileRow& row = r.rows[i];
    add_row(row.op, std::to_string(row.fwd_calls), row.fwd_ms, std::to_string(row.bwd_calls),
            row.bwd_ms, row.total_ms());
  }
  if (shown < r.rows.size()) {
    ProfileRow rest;
    for (size_t i = shown; i < r.rows.size(); ++i) {
      rest.fwd_calls += r.rows[i].fwd_calls;
      rest.fwd_ms += r.rows[i].fwd_ms;
      rest.bwd_calls += r.rows[i].bwd_calls;
      rest.bwd_ms += r.rows[i].bwd_ms;
    }
    char others[48];
    std::snprintf(others, sizeof others, "(%zu other ops)", r.rows.size() - shown);
    add_row(others, std::to_string(rest.fwd_calls), rest.fwd_ms, std::to_string(rest.bwd_calls),
            rest.bwd_ms, rest.total_ms());
  }
  std::snprintf(line, sizeof line, "%-32s %10s %10s %10s %10s %10.2f %9.1f%%\n",
                "(outside ops: optimizer, data..)", "", "", "", "", r.outside_ms(),
                pct(r.outside_ms()));
  out += line;
  out += std::string(98, '-') + "\n";
  std::snprintf(line, sizeof line, "%-32s %10s %10s %10s %10s %10.2f %9.1f%%\n", "wall", "", "", "",
                "", r.wall_ms, r.wall_ms > 0 ? 100.0 : 0.0);
  out += line;
  return out;
}

void Profiler::print(std::FILE* out, size_t max_rows) {
  const std::string table = format(report(), max_rows);
  std::fputs(table.c_str(), out);
  std::fflush(out);
}

void ProfileScope::begin(const char* op, ProfilePhase phase) noexcept {
  // A backward row is the whole closure: the ops it calls are not recorded on their own.
  if (phase == ProfilePhase::Forward && t_top && t_top->phase_ == ProfilePhase::Backward) return;
  active_ = true;
  op_ = op;
  phase_ = phase;
  parent_ = t_top;
  t_top = this;
  start_ = Clock::now();
}

void ProfileScope::end() noexcept {
  const Clock::duration elapsed = Clock::now() - start_;
  t_top = parent_;
  if (parent_) parent_->children_ += elapsed;
  State& s = state();
  try {
    std::lock_guard lock(s.mu);
    Totals& t = s.totals[op_];
    const int k = phase_ == ProfilePhase::Forward ? 0 : 1;
    t.calls[k] += 1;
    t.time[k] += elapsed - children_;
  } catch (...) {
    // Out of memory for a new map entry: lose this sample rather than the run.
  }
}

}  // namespace attend
