// Listen, attend and spell (Chan et al. 2016): a character-level speech recogniser.
//   B = batch, T = feature frames, F = feature bins, T' = T / 2^levels listener steps,
//   H = listener size per direction, S = speller size, E = character embedding, U = output
//   characters (<bos> y as decoder input), V = character vocabulary
//
// Listener: a bidirectional LSTM over the frames, then `levels` pyramidal BLSTMs, each reading
// pairs of adjacent outputs of the one below concatenated ([B, T, 2H] -> [B, T/2, 4H], a reshape),
// so the attention has T / 2^levels steps to look at instead of T (Chan et al.'s section 3.1:
// without the reduction the model "was unable to converge"). Padded frames never enter a state
// (RNNBase::forward_output) and a reduced step is padding when both of its frames are.
//
// Speller: an LSTM (one or more layers) fed the previous character and the previous context,
//   s_i = LSTM(s_{i-1}, [embed(y_{i-1}) ; c_{i-1}])
//   c_i = attention(s_i, listener outputs)           location-aware (Chorowski et al. 2015, its
//                                                    previous alignment), additive, dot or general
//   P(y_i) = softmax(W_o dropout(tanh(W_c [s_i ; c_i])))
// Teacher forcing runs the speller step by step (the context of step i feeds step i + 1).
//
// With ctc-weight > 0 the listener also has a CTC output layer (blank = <pad>, never a target):
// the speech task then trains (1 - lambda) cross-entropy + lambda CTC (Kim et al. 2017).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "autograd/enum_names.h"
#include "layers/attention.h"
#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/rnn.h"
#include "models/hyperparams.h"
#include "models/sequence_model.h"

namespace attend {

// The speller's attention over the listener (the "attention" hyperparameter of las).
enum class SpellerAttention { kLocation, kAdditive, kDot, kGeneral };
inline constexpr EnumNames<SpellerAttention, 4> kSpellerAttentions{
    {{{SpellerAttention::kLocation, "location"},
      {SpellerAttention::kAdditive, "additive"},
      {SpellerAttention::kDot, "dot"},
      {SpellerAttention::kGeneral, "general"}}}};
// Unknown names throw HyperparamError naming them and the known ones.
SpellerAttention parse_speller_attention(std::string_view name);
inline const char* to_string(SpellerAttention a) {
  return kSpellerAttentions.name(a);
}

struct LASOptions {
  int64_t num_features = 40;      // F
  int64_t vocab = 0;              // V, specials included
  int64_t listener_hidden = 128;  // H per direction
  int64_t levels = 3;             // pyramid levels: time / 2^levels
  int64_t speller_hidden = 256;   // S
  int64_t speller_layers = 1;
  int64_t embedding = 64;  // E
  SpellerAttention attention = SpellerAttention::kLocation;
  int64_t attention_dim = 128;  // additive and location: A
  int64_t location_filters = 10, location_width = 15;
  float dropout = 0.1f;
  float ctc_weight = 0.0f;  // > 0: a CTC head on the listener
};

class LAS : public SequenceModel {
 public:
  LAS(const LASOptions& options, Generator& gen, std::shared_ptr<Generator> dropout_gen);

  // What the listener made of a batch of frames.
  struct Listened {
    Tensor outputs;                // [B, T', 2H]
    Tensor padding_mask;           // [B, T'] (1 = padding), undefined when no row is padded
    std::vector<int64_t> lengths;  // real steps per row
  };
  // features [B, T, F] with frame_padding_mask [B, T] (1 = padding; may be undefined).
  Listened listen(const Tensor& features, const Tensor& frame_padding_mask);
  // The CTC head's logits [B, T', V] (ctc_weight > 0 only).
  Tensor ctc_logits(const Listened& listened);
  // Teacher-forced character logits [B, U, V] over a listened batch; alignments, if given,
  // receives each step's attention over the listener steps [B, U, T'].
  Tensor spell(const Listened& listened, const Tensor& target_input, Tensor* alignments = nullptr);

  // SequenceModel, with "source" the features [B, T, F] and its mask the frame padding mask.
  Tensor forward(const Tensor& features, const Tensor& frame_padding_mask,
                 const Tensor& target_input) override;
  std::unique_ptr<DecoderState> start_decoding(const Tensor& features,
                                               const Tensor& frame_padding_mask) override;
  Tensor decode_step(DecoderState& state, const Tensor& prev_tokens) override;
  int64_t target_vocab_size() const override { return options.vocab; }
  std::string type_name() const override { return "LAS"; }

  // Frames per listener step (2^levels): batches pad their frames to a multiple of it.
  int64_t time_reduction() const { return int64_t{1} << options.levels; }

  LASOptions options;
  std::vector<std::shared_ptr<LSTM>> listener;  // "listener0" on frames, then one per level
  std::shared_ptr<Embedding> embedding;
  std::vector<std::shared_ptr<LSTMCell>> speller;  // "speller0", ...
  std::shared_ptr<Attention> attention;
  std::shared_ptr<Linear> combine;  // W_c [S, S + 2H]
  std::shared_ptr<Linear> output;   // W_o [V, S]
  std::shared_ptr<Linear> ctc;      // [V, 2H], ctc_weight > 0 only
  std::shared_ptr<Dropout> dropout;

 private:
  struct Step;
  // The speller's state before the first character.
  std::unique_ptr<Step> begin(const Listened& listened);
  // One speller step: embedded previous characters [B, E] -> logits [B, V]; updates the state.
  Tensor step(Step& s, const Tensor& embedded);
};

}  // namespace attend
