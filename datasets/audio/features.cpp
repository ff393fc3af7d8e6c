// FeaturePipeline (see features.h).
#include "datasets/audio/features.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "datasets/data_error.h"

namespace attend::audio {

FeaturePipeline::FeaturePipeline(const FbankOptions& fbank, Normalization normalization,
                                 ResampleQuality quality)
    : fbank_(fbank), normalization_(normalization), quality_(quality) {}

Tensor FeaturePipeline::normalize(const Tensor& raw) const {
  switch (normalization_) {
    case Normalization::kNone:
      return raw;
    case Normalization::kUtterance:
      return normalize_utterance(raw);
    case Normalization::kGlobal:
      if (!stats_)
        throw DataError(
            "global feature normalisation needs statistics of the training split (none set)");
      return stats_->apply(raw);
  }
  return raw;
}

Waveform FeaturePipeline::read(const std::string& path) const {
  ReadAudioOptions r;
  r.sample_rate = sample_rate();
  r.quality = quality_;
  return read_audio(path, r);
}

Tensor FeaturePipeline::from_file(const std::string& path) const {
  const Waveform w = read(path);
  if (std::string why = too_short_reason(static_cast<int64_t>(w.samples.size()), fbank_options());
      !why.empty())
    throw DataError(path, 0, why);
  return normalize(raw(w.samples));
}

std::string too_short_reason(int64_t num_samples, const FbankOptions& o) {
  if (o.num_frames(num_samples) > 0) return "";
  char buf[200];
  std::snprintf(buf, sizeof buf, "%.3f s (%lld samples at %d Hz) is shorter than one %g ms frame%s",
                static_cast<double>(num_samples) / o.sample_rate,
                static_cast<long long>(num_samples), o.sample_rate,
                static_cast<double>(o.frame_length_ms),
                num_samples == 0 ? ": the audio is empty" : "");
  return buf;
}

std::string FeaturePipeline::to_json() const {
  nlohmann::json j = {{"fbank", nlohmann::json::parse(fbank_options().to_json())},
                      {"normalization", normalization_name(normalization_)},
                      {"resample", resample_quality_name(quality_)}};
  if (stats_) j["stats"] = nlohmann::json::parse(stats_->to_json());
  return j.dump();
}

FeaturePipeline FeaturePipeline::from_json(const std::string& text) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    FeaturePipeline p(FbankOptions::from_json(j.at("fbank").dump()),
                      parse_normalization(j.at("normalization").get<std::string>()),
                      parse_resample_quality(j.at("resample").get<std::string>()));
    if (j.contains("stats")) {
      FeatureStats s = FeatureStats::from_json(j.at("stats").dump());
      if (s.bins() != p.num_features())
        throw DataError("feature pipeline JSON: statistics of " + std::to_string(s.bins()) +
                        " bins for " + std::to_string(p.num_features()) + " features");
      p.set_stats(std::move(s));
    }
    if (p.normalization() == Normalization::kGlobal && !p.stats())
      throw DataError("feature pipeline JSON: global normalisation without statistics");
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw DataError(std::string("bad feature pipeline JSON: ") + e.what());
  }
}

}  // namespace attend::audio
