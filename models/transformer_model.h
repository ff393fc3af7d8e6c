// The encoder-decoder Transformer of Vaswani et al. 2017, as torch.nn.Transformer arranges it
// (final LayerNorm after each stack), with separate source and target embeddings scaled by
// sqrt(d_model) plus sinusoidal positions, and an untied output projection (B2 in BENCHMARKS.md).
//   B = batch, S = source length, T = target length, d = d_model, V = target vocabulary
#pragma once
#include <memory>

#include "layers/embedding.h"
#include "layers/positional_encoding.h"
#include "layers/transformer.h"
#include "models/hyperparams.h"
#include "models/sequence_model.h"

namespace attend {

struct TransformerModelOptions {
  int64_t source_vocab = 0, target_vocab = 0;
  int64_t d_model = 128, heads = 4, feedforward = 512;
  int64_t encoder_layers = 2, decoder_layers = 2;
  float dropout = 0.1f;
  bool norm_first = false;
  int64_t max_length = 512;  // longest source or target the positional table covers
};

class TransformerModel : public SequenceModel {
 public:
  TransformerModel(const TransformerModelOptions& options, Generator& gen,
                   std::shared_ptr<Generator> dropout_gen);

  Tensor forward(const Tensor& source, const Tensor& source_padding_mask,
                 const Tensor& target_input) override;
  // Decoding re-runs the decoder over the whole prefix each step (no key/value cache): simple,
  // and cheap at the lengths of the bundled tasks.
  std::unique_ptr<DecoderState> start_decoding(const Tensor& source,
                                               const Tensor& source_padding_mask) override;
  Tensor decode_step(DecoderState& state, const Tensor& prev_tokens) override;
  int64_t target_vocab_size() const override { return options.target_vocab; }
  int64_t max_length() const override { return options.max_length; }
  std::string type_name() const override { return "TransformerModel"; }

  TransformerModelOptions options;
  std::shared_ptr<Embedding> source_embedding, target_embedding;
  std::shared_ptr<SinusoidalPositionalEncoding> positions;
  std::shared_ptr<Dropout> dropout;
  std::shared_ptr<TransformerEncoder> encoder;
  std::shared_ptr<TransformerDecoder> decoder;
  std::shared_ptr<Linear> output;  // [V, d]

 private:
  Tensor embed(Embedding& table, const Tensor& ids);                       // [B, L] -> [B, L, d]
  Tensor encode(const Tensor& source, const Tensor& source_padding_mask);  // -> [B, S, d]
  Tensor decode(const Tensor& target_input, const Tensor& memory,
                const Tensor& memory_padding_mask);  // -> [B, T, d]
};

}  // namespace attend
