// Helpers for the audio suites: where the real datasets are, and signals to write as files.
#pragma once

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numbers>
#include <string>
#include <vector>

#include "autograd/random.h"
#include "datasets/data_test_util.h"

namespace attend::test {

// ../shared/datasets beside the source tree, as the other real-data tests find it;
// ATTEND_SHARED_DATASETS overrides (for a worktree whose parent has no shared/).
inline std::string shared_datasets() {
  if (const char* env = std::getenv("ATTEND_SHARED_DATASETS")) return env;
  return ATTEND_SOURCE_DIR "/../shared/datasets";
}

// The FSDD folder, or "" (with a SKIPPED message) when it is not there.
inline std::string fsdd_dir() {
  const std::string dir = shared_datasets() + "/fsdd";
  if (std::filesystem::exists(dir + "/recordings/7_jackson_32.wav")) return dir;
  BOOST_TEST_MESSAGE("SKIPPED: " << dir << " is not present (set ATTEND_SHARED_DATASETS)");
  return "";
}

// amplitude * sin(2 pi hz t) for n samples at rate.
inline std::vector<float> sine(int64_t n, double hz, int rate, double amplitude = 0.5) {
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    x[static_cast<size_t>(i)] =
        static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * hz * i / rate));
  return x;
}

// Gaussian noise of this standard deviation, seeded.
inline std::vector<float> noise(int64_t n, double stddev, uint64_t seed) {
  Generator g(seed);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = static_cast<float>(stddev) * g.normal();
  return x;
}

// Mean power of x[begin, end).
inline double power(const std::vector<float>& x, size_t begin = 0, size_t end = SIZE_MAX) {
  end = std::min(end, x.size());
  double p = 0;
  for (size_t i = begin; i < end; ++i) p += static_cast<double>(x[i]) * x[i];
  return end > begin ? p / static_cast<double>(end - begin) : 0;
}

}  // namespace attend::test
