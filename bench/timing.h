// Timing statistics shared by the benchmark executables (bench_b4, bench_models).
#pragma once
#include <algorithm>
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

}  // namespace attend::bench
