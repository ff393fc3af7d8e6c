// SpecAugment frequency and time masks (see spec_augment.h).
#include "datasets/audio/spec_augment.h"

#include <algorithm>
#include <cmath>

#include "datasets/data_error.h"

namespace attend::audio {

SpecAugmentOptions SpecAugmentOptions::policy(const std::string& name) {
  SpecAugmentOptions o;
  if (name == "LB") {
    o.freq_masks = 1;
    o.time_masks = 1;
  } else if (name == "LD") {
  } else if (name == "SM" || name == "SS") {
    o.freq_mask_max = name == "SM" ? 15 : 27;
    o.time_mask_max = 70;
    o.time_mask_ratio = 0.2f;
  } else {
    throw DataError("unknown SpecAugment policy '" + name + "' (expected LB, LD, SM or SS)");
  }
  return o;
}

Tensor spec_augment(const Tensor& features, const SpecAugmentOptions& o, Generator& gen) {
  if (features.shape().size() != 2)
    throw DataError("spec_augment: features must be [frames, bins], got " + features.shape().str());
  if (o.freq_masks < 0 || o.time_masks < 0 || o.freq_mask_max < 0 || o.time_mask_max < 0 ||
      !(o.time_mask_ratio >= 0 && o.time_mask_ratio <= 1))
    throw DataError(
        "spec_augment: mask counts and widths must be >= 0 and time_mask_ratio in [0, 1]");
  Tensor out = features.clone();
  const int64_t frames = out.size(0), bins = out.size(1);
  float* x = out.data();
  // A uniform whole number in [0, n].
  const auto upto = [&](int64_t n) { return static_cast<int64_t>(gen.randint(n + 1)); };
  for (int64_t m = 0; m < o.freq_masks; ++m) {
    const int64_t f = std::min(upto(o.freq_mask_max), bins);
    const int64_t f0 = upto(bins - f);
    for (int64_t t = 0; t < frames; ++t)
      std::fill(x + t * bins + f0, x + t * bins + f0 + f, o.mask_value);
  }
  const auto longest = std::min<int64_t>(
      o.time_mask_max,
      static_cast<int64_t>(std::floor(o.time_mask_ratio * static_cast<double>(frames))));
  for (int64_t m = 0; m < o.time_masks; ++m) {
    const int64_t t = upto(longest);
    const int64_t t0 = upto(frames - t);
    std::fill(x + t0 * bins, x + (t0 + t) * bins, o.mask_value);
  }
  return out;
}

}  // namespace attend::audio
