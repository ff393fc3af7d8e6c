// compare_checkpoints A B [--max-abs X | --exact]: every tensor of two checkpoints (weights and
// optimizer state), element by element. Prints one line with the tensor count, the worst absolute
// and relative differences and where they are, and the largest magnitude, then exits 0 when B
// agrees with A within --max-abs (or bit for bit with --exact), 1 when not, 2 on bad input (a
// file that does not load, tensors or shapes that differ).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "trainers/checkpoint.h"

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: compare_checkpoints A B [--max-abs X | --exact]\n");
    return 2;
  }
  const std::string mode = argc >= 4 ? argv[3] : "";
  const double max_abs = mode == "--max-abs" && argc == 5 ? std::atof(argv[4]) : 0.0;
  try {
    const attend::Checkpoint a = attend::load_safetensors(argv[1]);
    const attend::Checkpoint b = attend::load_safetensors(argv[2]);
    if (a.tensors.size() != b.tensors.size()) {
      std::fprintf(stderr, "error: %zu tensors against %zu\n", a.tensors.size(), b.tensors.size());
      return 2;
    }
    double worst_abs = 0, worst_rel = 0, largest = 0;
    std::string where_abs, where_rel;
    size_t elements = 0, differing = 0;
    for (const auto& [name, ta] : a.tensors) {
      const auto it = b.tensors.find(name);
      if (it == b.tensors.end() || !(it->second.shape() == ta.shape())) {
        std::fprintf(stderr, "error: %s is missing or has another shape in %s\n", name.c_str(),
                     argv[2]);
        return 2;
      }
      const float* x = ta.data();
      const float* y = it->second.data();
      for (int64_t i = 0; i < ta.numel(); ++i, ++elements) {
        if (std::memcmp(&x[i], &y[i], sizeof(float)) != 0) ++differing;
        const double d = std::fabs(static_cast<double>(x[i]) - y[i]);
        const double m =
            std::max(std::fabs(static_cast<double>(x[i])), std::fabs(static_cast<double>(y[i])));
        largest = std::max(largest, m);
        const std::string here = name + "[" + std::to_string(i) + "]";
        if (d > worst_abs) {
          worst_abs = d;
          where_abs = here;
        }
        if (m > 0 && d / m > worst_rel) {
          worst_rel = d / m;
          where_rel = here;
        }
      }
    }
    std::printf(
        "%zu tensors, %zu values, %zu differ; worst |a-b| %.3g (%s), worst relative %.3g (%s); "
        "largest |value| %.3g\n",
        a.tensors.size(), elements, differing, worst_abs,
        where_abs.empty() ? "-" : where_abs.c_str(), worst_rel,
        where_rel.empty() ? "-" : where_rel.c_str(), largest);
    if (mode == "--exact") return differing == 0 ? 0 : 1;
    if (mode == "--max-abs") return worst_abs <= max_abs ? 0 : 1;
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
