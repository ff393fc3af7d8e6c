// Example model (docs/extending.md, step 3): a GRU encoder-decoder whose decoder attends with the
// learned-temperature attention of step 2, registered as "seq2seq-temperature" so that
// `attend-examples train --model seq2seq-temperature` trains it.
//   B = batch, S = source length, T = target length, E = embedding, H = hidden,
//   V = target vocabulary
//
// Encoder: embedding -> dropout -> GRU over the source (right padding never enters a state).
// Decoder: a GRU started from the encoder's final state, fed embed(y_{t-1}); its output h_t
// attends over the encoder outputs, and
//   c_t = TemperatureAttention(h_t, encoder outputs)          [B, H]
//   logits_t = W_o dropout([h_t ; c_t]) + b_o                 [B, V]
// The decoder GRU does not see c_t, so teacher forcing runs it over all T steps at once and attends
// for all T queries in one batched product (as models/seq2seq.h does without input feeding).
#pragma once

#include <memory>

#include "examples/temperature_attention.h"
#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/rnn.h"
#include "models/registry.h"
#include "models/sequence_model.h"

namespace attend::examples {

struct TemperatureSeq2SeqOptions {
  int64_t source_vocab = 0, target_vocab = 0;
  int64_t embedding_dim = 128;
  int64_t hidden = 256;
  float dropout = 0.1f;
  float temperature = 1.0f;  // the attention's temperature at initialisation (then learned)
};

class TemperatureSeq2Seq : public SequenceModel {
 public:
  TemperatureSeq2Seq(const TemperatureSeq2SeqOptions& options, Generator& gen,
                     std::shared_ptr<Generator> dropout_gen);

  // source [B, S], source_padding_mask [B, S] (nonzero = padding), target_input [B, T]
  //   -> logits [B, T, V]
  Tensor forward(const Tensor& source, const Tensor& source_padding_mask,
                 const Tensor& target_input) override;
  std::unique_ptr<DecoderState> start_decoding(const Tensor& source,
                                               const Tensor& source_padding_mask) override;
  // prev_tokens [B] -> logits [B, V]
  Tensor decode_step(DecoderState& state, const Tensor& prev_tokens) override;
  int64_t target_vocab_size() const override { return options.target_vocab; }
  std::string type_name() const override { return "TemperatureSeq2Seq"; }

  TemperatureSeq2SeqOptions options;
  std::shared_ptr<Embedding> source_embedding, target_embedding;  // [V_src, E], [V, E]
  std::shared_ptr<GRU> encoder, decoder;                          // E -> H
  std::shared_ptr<TemperatureAttention> attention;                // H over H
  std::shared_ptr<Linear> output;                                 // W_o [V, 2H]
  std::shared_ptr<Dropout> dropout;
};

// The registry entry: name, description, hyperparameters (the CLI's --embedding, --hidden,
// --dropout, --temperature) and how to build the model from them.
ModelEntry temperature_seq2seq_entry();

}  // namespace attend::examples
