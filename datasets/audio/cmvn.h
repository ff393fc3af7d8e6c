// Mean and variance normalisation of features [frames, bins] (CMVN): per utterance (each
// utterance's own statistics) or global (statistics of every frame of the training split, saved
// with the model so that transcribing a new file normalises it the same way).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace attend::audio {

enum class Normalization { kNone, kUtterance, kGlobal };
// "none" | "utterance" | "global" (and back; DataError for another name).
std::string normalization_name(Normalization n);
Normalization parse_normalization(const std::string& name);

// A standard deviation below this is raised to it: a bin that never changes (silence at the log
// floor, a band the recording does not have) maps to 0 instead of dividing by zero, and no bin is
// amplified more than 1000-fold.
inline constexpr double kMinStd = 1e-3;

// Per-bin sums over frames, accumulated in double (a training split has millions of frames).
class FeatureStats {
 public:
  FeatureStats() = default;
  explicit FeatureStats(int64_t bins) : sum_(bins, 0.0), sum_sq_(bins, 0.0) {}

  // Adds every frame of features [frames, bins] (bins must match; the first call sets it).
  void add(const Tensor& features);
  int64_t bins() const { return static_cast<int64_t>(sum_.size()); }
  int64_t frames() const { return frames_; }
  std::vector<double> mean() const;
  std::vector<double> stddev() const;  // population std, floored at kMinStd

  // (x - mean) / std per bin; features [frames, bins] -> [frames, bins]. Throws DataError when
  // there are no statistics or the bins differ.
  Tensor apply(const Tensor& features) const;

  // {"frames": N, "sum": [...], "sum_sq": [...]} (exact doubles, for a checkpoint's metadata), and
  // back; from_json throws DataError on anything malformed.
  std::string to_json() const;
  static FeatureStats from_json(const std::string& json);

 private:
  std::vector<double> sum_, sum_sq_;
  int64_t frames_ = 0;
};

// The utterance's own statistics applied to it (a 0-frame utterance comes back as it is).
Tensor normalize_utterance(const Tensor& features);

}  // namespace attend::audio
