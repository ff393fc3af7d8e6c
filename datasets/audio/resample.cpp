// resample() through libsamplerate's one-shot src_simple (see resample.h).
#include "datasets/audio/resample.h"

#include <samplerate.h>

#include <cmath>

#include "datasets/data_error.h"

namespace attend::audio {

namespace {

int converter(ResampleQuality q) {
  switch (q) {
    case ResampleQuality::kSincBest:
      return SRC_SINC_BEST_QUALITY;
    case ResampleQuality::kSincMedium:
      return SRC_SINC_MEDIUM_QUALITY;
    case ResampleQuality::kSincFastest:
      return SRC_SINC_FASTEST;
    case ResampleQuality::kLinear:
      return SRC_LINEAR;
  }
  return SRC_SINC_MEDIUM_QUALITY;
}

}  // namespace

std::vector<float> resample(std::span<const float> samples, int from_rate, int to_rate,
                            ResampleQuality quality) {
  if (from_rate <= 0 || to_rate <= 0)
    throw DataError("resample: sample rates must be positive, got " + std::to_string(from_rate) +
                    " Hz -> " + std::to_string(to_rate) + " Hz");
  if (from_rate == to_rate || samples.empty()) return {samples.begin(), samples.end()};
  const double ratio = static_cast<double>(to_rate) / from_rate;
  const auto want = static_cast<size_t>(std::llround(static_cast<double>(samples.size()) * ratio));
  // src_simple may give a sample or two fewer than n * ratio (it rounds its position down); the
  // slack lets it write all it has, and the end is padded with zeros up to `want` below.
  std::vector<float> out(want + 8);
  SRC_DATA d{};
  d.data_in = samples.data();
  d.input_frames = static_cast<long>(samples.size());
  d.data_out = out.data();
  d.output_frames = static_cast<long>(out.size());
  d.src_ratio = ratio;
  d.end_of_input = 1;
  if (const int err = src_simple(&d, converter(quality), 1))
    throw DataError("resample " + std::to_string(from_rate) + " Hz -> " + std::to_string(to_rate) +
                    " Hz: " + src_strerror(err));
  out.resize(static_cast<size_t>(d.output_frames_gen));
  out.resize(want, 0.0f);
  return out;
}

std::string resample_quality_name(ResampleQuality q) {
  switch (q) {
    case ResampleQuality::kSincBest:
      return "sinc-best";
    case ResampleQuality::kSincMedium:
      return "sinc-medium";
    case ResampleQuality::kSincFastest:
      return "sinc-fastest";
    case ResampleQuality::kLinear:
      return "linear";
  }
  return "sinc-medium";
}

ResampleQuality parse_resample_quality(const std::string& name) {
  for (ResampleQuality q : {ResampleQuality::kSincBest, ResampleQuality::kSincMedium,
                            ResampleQuality::kSincFastest, ResampleQuality::kLinear})
    if (resample_quality_name(q) == name) return q;
  throw DataError("unknown resampling quality '" + name +
                  "' (expected sinc-best, sinc-medium, sinc-fastest or linear)");
}

}  // namespace attend::audio
