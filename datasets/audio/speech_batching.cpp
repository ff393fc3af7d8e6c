// Speech batches (see speech_batching.h).
#include "datasets/audio/speech_batching.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "autograd/creation.h"
#include "datasets/data_error.h"

namespace attend::audio {

std::vector<std::vector<int64_t>> plan_speech_batches(std::span<const SpeechExample> data,
                                                      const BatchPlanOptions& options,
                                                      Generator* gen) {
  std::vector<std::pair<int64_t, int64_t>> lengths;
  lengths.reserve(data.size());
  for (const SpeechExample& e : data)
    lengths.emplace_back(e.frames(), static_cast<int64_t>(e.target.size()));
  return plan_batches_by_length(lengths, options, gen);
}

int64_t SpeechBatch::num_target_tokens() const {
  return std::accumulate(target_lengths.begin(), target_lengths.end(), int64_t{0});
}

SpeechBatch collate_speech(std::span<const SpeechExample> data, std::span<const int64_t> positions,
                           const SpeechCollateOptions& o, Generator* gen) {
  if (positions.empty()) throw DataError("collate_speech: empty batch");
  if (o.frame_multiple < 1)
    throw DataError("collate_speech: frame_multiple must be >= 1, got " +
                    std::to_string(o.frame_multiple));
  if (o.spec_augment && !gen) throw DataError("collate_speech: spec_augment needs a Generator");
  const auto b = static_cast<int64_t>(positions.size());
  std::vector<Tensor> feats;
  int64_t t_max = 0, u_max = 0, width = -1;
  SpeechBatch out;
  for (int64_t p : positions) {
    if (p < 0 || p >= static_cast<int64_t>(data.size()))
      throw DataError("collate_speech: position " + std::to_string(p) + " out of range for " +
                      std::to_string(data.size()) + " examples");
    const SpeechExample& e = data[static_cast<size_t>(p)];
    if (!e.features.defined() || e.features.shape().size() != 2 || e.frames() == 0)
      throw DataError("collate_speech: example " + e.id + " has no frames");
    if (width >= 0 && e.features.size(1) != width)
      throw DataError("collate_speech: example " + e.id + " has " +
                      std::to_string(e.features.size(1)) + " features per frame, others " +
                      std::to_string(width));
    if (e.target.empty() && !e.transcript.empty())
      throw DataError("collate_speech: example " + e.id +
                      " has a transcript but no target ids (call encode_targets first)");
    width = e.features.size(1);
    feats.push_back(o.spec_augment ? spec_augment(e.features, o.augment, *gen) : e.features);
    out.frame_lengths.push_back(e.frames());
    out.target_lengths.push_back(static_cast<int64_t>(e.target.size()) + 1);
    out.positions.push_back(p);
    t_max = std::max(t_max, e.frames());
    u_max = std::max(u_max, static_cast<int64_t>(e.target.size()) + 1);
  }
  t_max = (t_max + o.frame_multiple - 1) / o.frame_multiple * o.frame_multiple;

  // features [B, T, F], frame mask [B, T]
  out.features = zeros({b, t_max, width});
  out.frame_padding_mask = ones({b, t_max});
  for (int64_t i = 0; i < b; ++i) {
    const int64_t t = out.frame_lengths[static_cast<size_t>(i)];
    std::memcpy(out.features.data() + i * t_max * width, feats[static_cast<size_t>(i)].data(),
                static_cast<size_t>(t * width) * sizeof(float));
    std::fill_n(out.frame_padding_mask.data() + i * t_max, t, 0.0f);
  }
  // targets [B, U]: <bos> y and y <eos>, padded with pad
  std::vector<int64_t> in(static_cast<size_t>(b * u_max), o.pad), tgt(in);
  out.target_padding_mask = ones({b, u_max});
  for (int64_t i = 0; i < b; ++i) {
    const std::vector<int64_t>& y = data[static_cast<size_t>(positions[i])].target;
    const auto n = static_cast<int64_t>(y.size());
    in[static_cast<size_t>(i * u_max)] = o.bos;
    std::copy(y.begin(), y.end(), in.begin() + i * u_max + 1);
    std::copy(y.begin(), y.end(), tgt.begin() + i * u_max);
    tgt[static_cast<size_t>(i * u_max + n)] = o.eos;
    std::fill_n(out.target_padding_mask.data() + i * u_max, n + 1, 0.0f);
  }
  out.target_input = from_indices(in, {b, u_max});
  out.target_output = from_indices(tgt, {b, u_max});
  return out;
}

}  // namespace attend::audio
