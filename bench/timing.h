// Timing statistics and process figures shared by the benchmark executables (bench_b4,
// bench_models, bench_models_libtorch).
#pragma once
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

namespace attend::bench {

struct Stats {
  double median_ms = 0, min_ms = 0, max_ms = 0;
};

// Median, min and max of per-step times in ms (at least one).
inline Stats summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  Stats s;
  s.min_ms = ms.front();
  s.max_ms = ms.back();
  s.median_ms = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  return s;
}

// Peak resident memory of the process so far, in MiB.
inline double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
}

// Threads of this process now (Linux: one entry per thread in /proc/self/task).
inline int os_threads() {
  std::error_code ec;
  int n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/task", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

}  // namespace attend::bench
