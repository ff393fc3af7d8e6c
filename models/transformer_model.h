// The encoder-decoder Transformer of Vaswani et al. 2017, as torch.nn.Transformer arranges it
// (final LayerNorm after each stack), with source and target embeddings scaled by sqrt(d_model)
// plus sinusoidal positions. By default the embeddings and the output projection are separate
// (B2 in BENCHMARKS.md); tie_embeddings shares them as Press & Wolf 2017 and fairseq do.
// Decoding is incremental: each decoder layer caches the keys and values of the tokens so far.
//   B = batch (batch * beam when decoding), S = source length, T = target length, t = tokens
//   decoded so far, d = d_model, V = target vocabulary
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
  // The output projection's weight [V, d] is the target embedding's table; with
  // joint_vocabulary (source and target ids name the same tokens) the source embedding's too.
  bool tie_embeddings = false;
  bool joint_vocabulary = false;
};

class TransformerModel : public SequenceModel {
 public:
  TransformerModel(const TransformerModelOptions& options, Generator& gen,
                   std::shared_ptr<Generator> dropout_gen);

  Tensor forward(const Tensor& source, const Tensor& source_padding_mask,
                 const Tensor& target_input) override;
  // With kv_cache (the default) a step embeds only the newest token at its position t and runs
  // it through the decoder layers against their caches (TransformerDecoderCache): O(t) work per
  // step. Without it a step re-runs the decoder over the whole prefix, O(t^2): the reference the
  // tests and bench/ compare the cache with. Both give the same logits up to rounding. The flag
  // is read by start_decoding: a state decodes the way it was started.
  std::unique_ptr<DecoderState> start_decoding(const Tensor& source,
                                               const Tensor& source_padding_mask) override;
  Tensor decode_step(DecoderState& state, const Tensor& prev_tokens) override;
  bool kv_cache = true;
  int64_t target_vocab_size() const override { return options.target_vocab; }
  int64_t max_length() const override { return options.max_length; }
  std::string type_name() const override { return "TransformerModel"; }

  TransformerModelOptions options;
  std::shared_ptr<Embedding> source_embedding, target_embedding;
  std::shared_ptr<SinusoidalPositionalEncoding> positions;
  std::shared_ptr<Dropout> dropout;
  std::shared_ptr<TransformerEncoder> encoder;
  std::shared_ptr<TransformerDecoder> decoder;
  std::shared_ptr<Linear> output;  // weight [V, d], tied to target_embedding's with tie_embeddings

 private:
  // ids [B, L] at positions start .. start+L-1 -> [B, L, d]
  Tensor embed(Embedding& table, const Tensor& ids, int64_t start = 0);
  Tensor encode(const Tensor& source, const Tensor& source_padding_mask);  // -> [B, S, d]
  Tensor decode(const Tensor& target_input, const Tensor& memory,
                const Tensor& memory_padding_mask);  // -> [B, T, d]
};

}  // namespace attend
