// Batching for sequence-to-sequence training: which examples go together (plan_batches: seeded
// shuffling and length bucketing), and how a group becomes tensors (collate: padding, masks, and
// the shifted decoder input/target).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"
#include "datasets/text_pairs.h"
#include "datasets/vocab.h"

namespace attend {

struct BatchPlanOptions {
  int64_t batch_size = 32;
  // Shuffle the examples (and, with bucketing, the order of the batches) with the Generator.
  bool shuffle = true;
  // Length bucketing: the (shuffled) examples are cut into chunks of bucket_batches * batch_size,
  // each chunk is sorted by (source length, target length) and cut into batches, so a batch holds
  // sequences of similar length and little padding. 0 or 1 = no sorting.
  int64_t bucket_batches = 0;
  // Leave out a last batch smaller than batch_size.
  bool drop_last = false;
};

// Positions into data for each batch of one epoch; every example appears exactly once (unless
// drop_last drops the last few). Calling it again with the same Generator continues its stream,
// so each epoch gets a new order, and the whole run is fixed by the seed. gen may be null when
// shuffle is off.
std::vector<std::vector<int64_t>> plan_batches(std::span<const SequencePair> data,
                                               const BatchPlanOptions& options, Generator* gen);

// The same for any kind of example, given each example's lengths: bucketing sorts by the first
// length, then the second (for pairs: source, then target tokens; for speech: frames, then
// characters).
std::vector<std::vector<int64_t>> plan_batches_by_length(
    std::span<const std::pair<int64_t, int64_t>> lengths, const BatchPlanOptions& options,
    Generator* gen);

struct CollateOptions {
  int64_t pad = Vocab::kPad, bos = Vocab::kBos, eos = Vocab::kEos;
  // Special tokens around the source (the encoder input).
  bool source_bos = false;
  bool source_eos = true;
  // Longest sequence kept, specials included (the rest is cut off); 0 = no limit. Summarisation
  // documents are long; this bounds the memory of one batch.
  int64_t max_source_len = 0;
  int64_t max_target_len = 0;
};

// A batch of B examples, padded to the longest in the batch. Index tensors are float32 holding
// whole numbers (see creation.h); masks are 1 where a position is padding and 0 where it is a
// token, the convention of PyTorch's key_padding_mask and of attend's attention layers.
struct Batch {
  Tensor source;                        // [B, S] (<bos>) x (<eos>), padded with pad
  Tensor source_padding_mask;           // [B, S]
  Tensor target_input;                  // [B, T] <bos> y      (decoder input, teacher forcing)
  Tensor target_output;                 // [B, T] y <eos>      (what the decoder must predict)
  Tensor target_padding_mask;           // [B, T]
  std::vector<int64_t> source_lengths;  // tokens per row before padding
  std::vector<int64_t> target_lengths;  // len(y) + 1
  std::vector<int64_t> positions;       // which examples of the dataset, row by row

  int64_t size() const { return static_cast<int64_t>(positions.size()); }
  // Non-padding target tokens: the denominator of a per-token loss.
  int64_t num_target_tokens() const;
};

// The length of a source of n ids once collate adds its specials and applies max_source_len, and
// of a target of n ids (target_input <bos> y, or target_output y <eos>): for checks made before
// any batch is built (a model's longest sequence).
size_t collated_source_length(size_t n, const CollateOptions& o);
size_t collated_target_length(size_t n, const CollateOptions& o);

// Builds the batch of data[positions[0]], data[positions[1]], ... Throws DataError when an example
// would have an empty source (a row of padding only would make attention divide by zero).
Batch collate(std::span<const SequencePair> data, std::span<const int64_t> positions,
              const CollateOptions& options = {});

// plan_batches then collate for each batch.
std::vector<Batch> make_batches(std::span<const SequencePair> data, const BatchPlanOptions& plan,
                                const CollateOptions& collate_options, Generator* gen);

}  // namespace attend
