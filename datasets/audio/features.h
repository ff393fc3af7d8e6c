// FeaturePipeline: audio -> the features a model sees. Reads (and resamples) a file, computes
// log-mel filterbanks (fbank.h) and normalises them (cmvn.h). Training builds one per dataset and
// computes the global statistics on the training split; a checkpoint stores to_json(), and
// transcribing a new file with from_json() gives exactly the features the model was trained on.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "autograd/tensor.h"
#include "datasets/audio/audio_file.h"
#include "datasets/audio/cmvn.h"
#include "datasets/audio/fbank.h"

namespace attend::audio {

class FeaturePipeline {
 public:
  explicit FeaturePipeline(const FbankOptions& fbank = {},
                           Normalization normalization = Normalization::kGlobal,
                           ResampleQuality quality = ResampleQuality::kSincMedium);

  const FbankOptions& fbank_options() const { return fbank_.options(); }
  const Fbank& fbank() const { return fbank_; }
  Normalization normalization() const { return normalization_; }
  ResampleQuality resample_quality() const { return quality_; }
  int sample_rate() const { return fbank_.options().sample_rate; }
  int64_t num_features() const { return fbank_.options().num_features(); }

  // Global statistics (Normalization::kGlobal needs them before normalize()).
  void set_stats(FeatureStats stats) { stats_ = std::move(stats); }
  const std::optional<FeatureStats>& stats() const { return stats_; }

  // Log-mel features [frames, bins] of mono samples at sample_rate(), not normalised.
  Tensor raw(std::span<const float> samples) const { return fbank_.compute(samples); }
  // raw features -> normalised as configured (throws DataError for kGlobal without statistics).
  Tensor normalize(const Tensor& raw) const;
  // A file read at sample_rate() (mixed down, resampled), then raw and normalize. Throws DataError
  // naming the file when it cannot be read or is shorter than one frame.
  Tensor from_file(const std::string& path) const;
  // Samples read as from_file reads them.
  Waveform read(const std::string& path) const;

  // {"fbank": {...}, "normalization": "global", "resample": "sinc-medium", "stats": {...}};
  // from_json throws DataError on anything malformed.
  std::string to_json() const;
  static FeaturePipeline from_json(const std::string& json);

 private:
  Fbank fbank_;
  Normalization normalization_;
  ResampleQuality quality_;
  std::optional<FeatureStats> stats_;
};

// "0.012 s (96 samples at 8000 Hz) is shorter than one 25 ms frame" when samples give no frame,
// else empty.
std::string too_short_reason(int64_t num_samples, const FbankOptions& o);

}  // namespace attend::audio
