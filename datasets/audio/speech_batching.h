// Batches of utterances for a listen-attend-spell model: which examples go together (bucketed by
// frame count, datasets/batching.h) and how a group becomes tensors (features padded with zeros,
// masks, frame lengths, and the characters as decoder input and target, as text batches have).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"
#include "datasets/audio/spec_augment.h"
#include "datasets/audio/speech_data.h"
#include "datasets/batching.h"

namespace attend::audio {

// BatchPlanOptions::bucket_batches sorts chunks by (frames, target length).
std::vector<std::vector<int64_t>> plan_speech_batches(std::span<const SpeechExample> data,
                                                      const BatchPlanOptions& options,
                                                      Generator* gen);

struct SpeechCollateOptions {
  int64_t pad = Vocab::kPad, bos = Vocab::kBos, eos = Vocab::kEos;
  // Pad the frame axis to a multiple of this (a pyramidal listener that halves time L times wants
  // 2^L); padded frames are zeros and masked.
  int64_t frame_multiple = 1;
  // SpecAugment each utterance's features before padding (training only); needs a Generator.
  bool spec_augment = false;
  SpecAugmentOptions augment;
};

// B utterances padded to the longest. Masks are 1 at padding and 0 at real positions (attend's
// attention convention, as Batch in datasets/batching.h).
struct SpeechBatch {
  Tensor features;                      // [B, T, F]  zeros after each utterance's frames
  Tensor frame_padding_mask;            // [B, T]
  std::vector<int64_t> frame_lengths;   // real frames per row
  Tensor target_input;                  // [B, U] <bos> y      (decoder input, teacher forcing)
  Tensor target_output;                 // [B, U] y <eos>      (what the decoder must predict)
  Tensor target_padding_mask;           // [B, U]
  std::vector<int64_t> target_lengths;  // len(y) + 1
  std::vector<int64_t> positions;       // which examples of the dataset, row by row

  int64_t size() const { return static_cast<int64_t>(positions.size()); }
  int64_t num_target_tokens() const;
};

// Throws DataError for an empty batch, a position out of range, an example without frames or
// without target ids (encode_targets, speech_data.h), features of differing widths, or
// spec_augment without gen.
SpeechBatch collate_speech(std::span<const SpeechExample> data, std::span<const int64_t> positions,
                           const SpeechCollateOptions& options = {}, Generator* gen = nullptr);

}  // namespace attend::audio
