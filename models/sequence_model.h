// The interface every text-to-text model implements (Seq2Seq with RNNs, the Transformer), so the
// trainer, greedy and beam decoding and the CLI work with any of them. A speech recogniser (LAS)
// implements it too, with feature frames [B, T, F] as its source and their padding mask.
//   B = batch, S = source length, T = target length, V = target vocabulary
// Token ids are float32 whole numbers (the engine's index convention). Padding masks are nonzero at
// padding, as PyTorch's key_padding_mask.
#pragma once
#include <memory>

#include "layers/module.h"

namespace attend {

// What a model carries from one decoding step to the next for each row of the batch (RNN hidden
// states, the encoder output, the tokens so far, ...). Beam search reorders rows between steps.
class DecoderState {
 public:
  virtual ~DecoderState() = default;
  // Keep row rows[i] of the current state as row i: rows is an index tensor [B'] (B' may differ
  // from B, e.g. expanding each source to beam_size rows).
  virtual void reorder(const Tensor& rows) = 0;
  // The attention weights of the last step, [B, heads or 1, S] (detached), or undefined when the
  // model has no encoder-decoder attention. For study tools.
  virtual Tensor last_attention() const { return Tensor(); }
};

class SequenceModel : public Module {
 public:
  // Teacher forcing: source [B, S], source_padding_mask [B, S], target_input [B, T] (<bos> y)
  // -> logits [B, T, V] for target_output (y <eos>).
  virtual Tensor forward(const Tensor& source, const Tensor& source_padding_mask,
                         const Tensor& target_input) = 0;
  // Encode a batch once for incremental decoding.
  virtual std::unique_ptr<DecoderState> start_decoding(const Tensor& source,
                                                       const Tensor& source_padding_mask) = 0;
  // One step: previous tokens [B] (first call: <bos>) -> next-token logits [B, V]; updates state.
  virtual Tensor decode_step(DecoderState& state, const Tensor& prev_tokens) = 0;
  virtual int64_t target_vocab_size() const = 0;
  // The longest source or target sequence (specials included) the model accepts, or 0 for any
  // length (RNNs). The Transformer's positional encoding covers max-length positions.
  virtual int64_t max_length() const { return 0; }
};

}  // namespace attend
