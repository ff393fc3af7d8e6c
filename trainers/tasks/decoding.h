// Turning a SequenceModel into output sequences: greedy decoding and beam search, batched.
//   B = sources in the batch, K = beam size, V = target vocabulary
#pragma once
#include <cstdint>
#include <vector>

#include "models/sequence_model.h"

namespace attend {

struct DecodeOptions {
  // Tokens generated per source, <eos> included; the decoders cut it to the model's max_length().
  // 0 = as the checkpoint was trained (Experiment::from_checkpoint resolves it; 100 when the
  // checkpoint predates storing it).
  int64_t max_length = 100;
  int64_t bos = 1, eos = 2;  // Vocab::kBos, Vocab::kEos
  int64_t beam_size = 1;     // 1 = greedy
  // Length penalty as in fairseq/Hugging Face: a finished hypothesis scores sum(log p) / len^alpha
  // (len counts generated tokens, <eos> included); 0 = raw log-probability.
  float length_penalty = 1.0f;
};

struct Hypothesis {
  std::vector<int64_t> tokens;  // generated tokens without <bos> and without <eos>
  float log_prob = 0;           // sum of log-probabilities, <eos> included when it was generated
  float score = 0;              // what beam search ranked by (log_prob after the length penalty)
  bool finished = false;        // ended with <eos> (false: stopped at max_length)
};

// The best hypothesis for each source row. Runs in eval mode without gradients; restores the
// model's training flag afterwards. source [B, S] (token ids; a speech model's features
// [B, T, F]), source_padding_mask [B, S] (may be undefined).
std::vector<Hypothesis> greedy_decode(SequenceModel& model, const Tensor& source,
                                      const Tensor& source_padding_mask,
                                      const DecodeOptions& options);
std::vector<Hypothesis> beam_search(SequenceModel& model, const Tensor& source,
                                    const Tensor& source_padding_mask,
                                    const DecodeOptions& options);
// greedy_decode when beam_size == 1, else beam_search.
std::vector<Hypothesis> decode(SequenceModel& model, const Tensor& source,
                               const Tensor& source_padding_mask, const DecodeOptions& options);

}  // namespace attend
