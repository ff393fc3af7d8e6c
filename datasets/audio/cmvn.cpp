// Feature statistics and mean/variance normalisation (see cmvn.h).
#include "datasets/audio/cmvn.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "datasets/data_error.h"

namespace attend::audio {

std::string normalization_name(Normalization n) {
  switch (n) {
    case Normalization::kNone:
      return "none";
    case Normalization::kUtterance:
      return "utterance";
    case Normalization::kGlobal:
      return "global";
  }
  return "none";
}

Normalization parse_normalization(const std::string& name) {
  for (Normalization n : {Normalization::kNone, Normalization::kUtterance, Normalization::kGlobal})
    if (normalization_name(n) == name) return n;
  throw DataError("unknown normalisation '" + name + "' (expected none, utterance or global)");
}

void FeatureStats::add(const Tensor& f) {
  if (f.shape().size() != 2)
    throw DataError("FeatureStats::add: features must be [frames, bins], got " + f.shape().str());
  const int64_t frames = f.size(0), bins = f.size(1);
  if (sum_.empty()) {
    sum_.assign(static_cast<size_t>(bins), 0.0);
    sum_sq_.assign(static_cast<size_t>(bins), 0.0);
  }
  if (bins != this->bins())
    throw DataError("FeatureStats::add: features have " + std::to_string(bins) +
                    " bins, the statistics " + std::to_string(this->bins()));
  const float* x = f.data();
  for (int64_t t = 0; t < frames; ++t)
    for (int64_t b = 0; b < bins; ++b) {
      const double v = x[t * bins + b];
      sum_[b] += v;
      sum_sq_[b] += v * v;
    }
  frames_ += frames;
}

std::vector<double> FeatureStats::mean() const {
  std::vector<double> m(sum_.size());
  for (size_t b = 0; b < m.size(); ++b) m[b] = sum_[b] / static_cast<double>(frames_);
  return m;
}

std::vector<double> FeatureStats::stddev() const {
  std::vector<double> s(sum_.size());
  for (size_t b = 0; b < s.size(); ++b) {
    const double m = sum_[b] / static_cast<double>(frames_);
    const double var = std::max(0.0, sum_sq_[b] / static_cast<double>(frames_) - m * m);
    s[b] = std::max(std::sqrt(var), kMinStd);
  }
  return s;
}

Tensor FeatureStats::apply(const Tensor& f) const {
  if (frames_ == 0) throw DataError("feature statistics are empty (no frames were added)");
  if (f.shape().size() != 2 || f.size(1) != bins())
    throw DataError("features " + f.shape().str() + " do not match statistics of " +
                    std::to_string(bins()) + " bins");
  const std::vector<double> m = mean(), s = stddev();
  Tensor out = Tensor::empty(f.shape());
  const int64_t frames = f.size(0), bins = f.size(1);
  for (int64_t t = 0; t < frames; ++t)
    for (int64_t b = 0; b < bins; ++b)
      out.data()[t * bins + b] = static_cast<float>((f.data()[t * bins + b] - m[b]) / s[b]);
  return out;
}

std::string FeatureStats::to_json() const {
  return nlohmann::json{{"frames", frames_}, {"sum", sum_}, {"sum_sq", sum_sq_}}.dump();
}

FeatureStats FeatureStats::from_json(const std::string& text) {
  FeatureStats s;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    s.frames_ = j.at("frames").get<int64_t>();
    s.sum_ = j.at("sum").get<std::vector<double>>();
    s.sum_sq_ = j.at("sum_sq").get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    throw DataError(std::string("bad feature statistics JSON: ") + e.what());
  }
  if (s.frames_ < 1 || s.sum_.empty() || s.sum_.size() != s.sum_sq_.size())
    throw DataError("bad feature statistics JSON: need frames >= 1 and equal-length sum, sum_sq");
  for (size_t b = 0; b < s.sum_.size(); ++b)
    if (!std::isfinite(s.sum_[b]) || !std::isfinite(s.sum_sq_[b]))
      throw DataError("bad feature statistics JSON: bin " + std::to_string(b) + " is not finite");
  return s;
}

Tensor normalize_utterance(const Tensor& features) {
  if (features.shape().size() != 2)
    throw DataError("normalize_utterance: features must be [frames, bins], got " +
                    features.shape().str());
  if (features.size(0) == 0) return features.clone();
  FeatureStats s;
  s.add(features);
  return s.apply(features);
}

}  // namespace attend::audio
