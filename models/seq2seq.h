// Encoder-decoder with recurrent networks and optional attention (Bahdanau et al. 2015; Luong et
// al. 2015). Hyperparameters and their defaults are listed in seq2seq_model_entry().
//   B = batch, S = source length, T = target length, E = embedding, H = hidden,
//   D = encoder directions (1 or 2), L = layers, V = target vocabulary
//
// Encoder: embedding -> dropout -> RNN/LSTM/GRU over the source with packed-sequence semantics
// (padding never enters a state). Decoder: started from the encoder's final states (through a
// tanh bridge when the encoder is bidirectional), fed embed(y_{t-1}) — plus, with input feeding,
// the previous attentional vector. Attention over the encoder outputs gives a context c_t and:
//   without input feeding: logits_t = W_o dropout([h_t ; c_t]) + b_o   (B1 in BENCHMARKS.md)
//   with input feeding:    h~_t = tanh(W_c [h_t ; c_t]), logits_t = W_o dropout(h~_t) + b_o
//   attention none:        logits_t = W_o dropout(h_t) + b_o
// Without input feeding the decoder RNN does not depend on the attention, so teacher forcing runs
// it over all T steps at once and attends for all T queries in one batched product.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "autograd/enum_names.h"
#include "layers/attention.h"
#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/rnn.h"
#include "models/hyperparams.h"
#include "models/sequence_model.h"

namespace attend {

// The decoder's attention over the encoder outputs (the "attention" hyperparameter): none,
// Bahdanau's additive, Luong's dot and general, or scaled dot-product.
enum class AttentionKind { kNone, kAdditive, kDot, kGeneral, kScaled };
inline constexpr EnumNames<AttentionKind, 5> kAttentionKinds{
    {{{AttentionKind::kNone, "none"},
      {AttentionKind::kAdditive, "additive"},
      {AttentionKind::kDot, "dot"},
      {AttentionKind::kGeneral, "general"},
      {AttentionKind::kScaled, "scaled"}}}};
// The recurrent cell of encoder and decoder (the "cell" hyperparameter).
inline constexpr EnumNames<RNNMode, 3> kCellKinds{
    {{{RNNMode::kRNN, "rnn"}, {RNNMode::kLSTM, "lstm"}, {RNNMode::kGRU, "gru"}}}};
// Unknown names throw HyperparamError naming them and the known ones.
AttentionKind parse_attention_kind(std::string_view name);
RNNMode parse_cell_kind(std::string_view name);
inline const char* to_string(AttentionKind kind) {
  return kAttentionKinds.name(kind);
}

struct Seq2SeqOptions {
  int64_t source_vocab = 0, target_vocab = 0;
  RNNMode cell = RNNMode::kLSTM;
  int64_t embedding_dim = 128;
  int64_t hidden = 256;
  int64_t layers = 1;
  bool bidirectional = false;
  AttentionKind attention = AttentionKind::kAdditive;
  bool input_feeding = false;
  float dropout = 0.1f;
};

class Seq2Seq : public SequenceModel {
 public:
  Seq2Seq(const Seq2SeqOptions& options, Generator& gen, std::shared_ptr<Generator> dropout_gen);

  Tensor forward(const Tensor& source, const Tensor& source_padding_mask,
                 const Tensor& target_input) override;
  std::unique_ptr<DecoderState> start_decoding(const Tensor& source,
                                               const Tensor& source_padding_mask) override;
  Tensor decode_step(DecoderState& state, const Tensor& prev_tokens) override;
  int64_t target_vocab_size() const override { return options.target_vocab; }
  std::string type_name() const override { return "Seq2Seq"; }

  Seq2SeqOptions options;
  std::shared_ptr<Embedding> source_embedding, target_embedding;
  std::shared_ptr<RNNBase> encoder, decoder;
  std::shared_ptr<Linear> bridge_h, bridge_c;  // bidirectional encoder only: [H, 2H]
  std::shared_ptr<Attention> attention;        // undefined for "none"
  std::shared_ptr<Linear> combine;             // input feeding: W_c [H, H + DH]
  std::shared_ptr<Linear> output;              // W_o [V, *]
  std::shared_ptr<Dropout> dropout;

 private:
  struct Encoded {
    Tensor outputs;  // [B, S, DH]
    Tensor keys;     // outputs after the attention's precompute_keys
    Tensor h, c;     // decoder's initial state [L, B, H] (c: LSTM only)
  };
  Encoded encode(const Tensor& source, const Tensor& source_padding_mask);
  // Logits for decoder outputs h [B, T, H] with contexts [B, T, DH] (undefined without
  // attention); also returns the attentional vector used for input feeding.
  Tensor project(const Tensor& h, const Tensor& context, Tensor* attentional = nullptr);
};

}  // namespace attend
