// Sample-rate conversion with libsamplerate (Secret Rabbit Code, Debian libsamplerate0-dev): a
// band-limited sinc interpolator, so resampling 44.1 kHz to 16 kHz removes what lies above the new
// Nyquist frequency instead of folding it back as aliasing.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace attend::audio {

// libsamplerate's converters, by its documentation: kSincBest keeps a 97 dB signal-to-noise ratio
// over 97% of the band, kSincMedium over 90%, kSincFastest over 80%; kLinear is for tests only.
// Measured on one core of the 2-core VM: 44.1 -> 16 kHz runs at 17x real time (best), 96x
// (medium, the default) and 223x (fastest); 8 -> 16 kHz at 62x, 150x and 485x.
enum class ResampleQuality { kSincBest, kSincMedium, kSincFastest, kLinear };

// Samples of one channel at from_rate, converted to to_rate (the same vector when the rates are
// equal). The output has round(n * to_rate / from_rate) samples. Throws DataError for a rate that
// is not positive or a libsamplerate failure.
std::vector<float> resample(std::span<const float> samples, int from_rate, int to_rate,
                            ResampleQuality quality = ResampleQuality::kSincMedium);

// "sinc-best", "sinc-medium", "sinc-fastest", "linear" (and back; DataError for another name).
std::string resample_quality_name(ResampleQuality q);
ResampleQuality parse_resample_quality(const std::string& name);

}  // namespace attend::audio
