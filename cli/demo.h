#pragma once

#include <cstdint>

namespace attend::cli {

struct DemoOptions {
  int steps = 600;
  int hidden = 64;
  float lr = 0.02f;
  uint64_t seed = 0;
};

// Fits a two-layer MLP to a generated two-spirals classification problem and prints the loss as
// it falls; returns the final training accuracy.
double run_demo(const DemoOptions& opt);

}  // namespace attend::cli
