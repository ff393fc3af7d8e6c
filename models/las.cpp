#include "models/las.h"

#include "layers/location_attention.h"
#include "models/registry.h"

namespace attend {
namespace {

// [B, T] masks from lengths (1 = padding), undefined when every row is full.
Tensor mask_from_lengths(const std::vector<int64_t>& lengths, int64_t T) {
  const int64_t B = static_cast<int64_t>(lengths.size());
  std::vector<float> m(static_cast<size_t>(B * T), 0.0f);
  bool any = false;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = lengths[b]; t < T; ++t) m[b * T + t] = 1.0f, any = true;
  return any ? from_vector(m, {B, T}) : Tensor();
}

std::vector<int64_t> lengths_from_mask(const Tensor& mask, int64_t B, int64_t T) {
  std::vector<int64_t> lengths(static_cast<size_t>(B), T);
  if (!mask.defined()) return lengths;
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = 0;
    while (n < T && mask.data()[b * T + n] == 0.0f) ++n;  // right padding
    lengths[b] = n;
  }
  return lengths;
}

}  // namespace

SpellerAttention parse_speller_attention(std::string_view name) {
  return kSpellerAttentions.parse<HyperparamError>(name, "attention");
}

// The speller's state between steps, row by row: what decoding carries and beam search reorders.
struct LAS::Step : DecoderState {
  Tensor outputs, keys, mask;  // listener outputs [B, T', 2H], attention keys, padding [B, T']
  std::vector<Tensor> h, c;    // per speller layer [B, S]
  Tensor context;              // c_{i-1} [B, 2H]
  Tensor alignment;            // a_{i-1} [B, 1, T']
  void reorder(const Tensor& rows) override {
    for (Tensor* t : {&outputs, &keys, &mask, &context, &alignment})
      if (t->defined()) *t = index_select(*t, 0, rows);
    for (auto* v : {&h, &c})
      for (Tensor& t : *v) t = index_select(t, 0, rows);
  }
  Tensor last_attention() const override { return alignment; }
};

LAS::LAS(const LASOptions& opt, Generator& gen, std::shared_ptr<Generator> dgen) : options(opt) {
  if (!dgen) dgen = std::make_shared<Generator>(0);
  const int64_t H = opt.listener_hidden, D = 2 * H, S = opt.speller_hidden;
  if (opt.levels < 0 || opt.levels > 6)
    throw HyperparamError("levels must be in 0..6 (time / 2^levels), got " +
                          std::to_string(opt.levels));
  RNNOptions bi;
  bi.batch_first = true;
  bi.bidirectional = true;
  for (int64_t l = 0; l <= opt.levels; ++l)
    listener.push_back(
        register_module("listener" + std::to_string(l),
                        std::make_shared<LSTM>(l == 0 ? opt.num_features : 2 * D, H, gen, bi)));
  embedding = register_module(
      "embedding", std::make_shared<Embedding>(opt.vocab, opt.embedding, gen, /*padding_idx=*/0));
  for (int64_t l = 0; l < opt.speller_layers; ++l)
    speller.push_back(
        register_module("speller" + std::to_string(l),
                        std::make_shared<LSTMCell>(l == 0 ? opt.embedding + D : S, S, gen)));
  switch (opt.attention) {
    case SpellerAttention::kLocation:
      attention = register_module(
          "attention", std::make_shared<LocationAwareAttention>(
                           S, D, opt.attention_dim, opt.location_filters, opt.location_width, gen));
      break;
    case SpellerAttention::kAdditive:
      attention = register_module(
          "attention", std::make_shared<AdditiveAttention>(S, D, opt.attention_dim, gen));
      break;
    case SpellerAttention::kDot:
      if (S != D)
        throw HyperparamError(
            "attention 'dot' compares speller states (hidden " + std::to_string(S) +
            ") with listener outputs (2 x listener-hidden = " + std::to_string(D) +
            ") directly: make them equal, or use general");
      attention = register_module(
          "attention", std::make_shared<LuongAttention>(LuongAttention::Kind::kDot, S, D, gen));
      break;
    case SpellerAttention::kGeneral:
      attention = register_module(
          "attention", std::make_shared<LuongAttention>(LuongAttention::Kind::kGeneral, S, D, gen));
      break;
  }
  combine = register_module("combine", std::make_shared<Linear>(S + D, S, gen));
  output = register_module("output", std::make_shared<Linear>(S, opt.vocab, gen));
  if (opt.ctc_weight > 0) ctc = register_module("ctc", std::make_shared<Linear>(D, opt.vocab, gen));
  dropout = register_module("dropout", std::make_shared<Dropout>(opt.dropout, dgen));
}

LAS::Listened LAS::listen(const Tensor& features, const Tensor& frame_padding_mask) {
  if (features.ndim() != 3 || features.size(2) != options.num_features)
    throw ShapeError("LAS: features of shape " + features.shape().str() + " must be [batch, " +
                     "frames, " + std::to_string(options.num_features) + "]");
  const int64_t B = features.size(0);
  int64_t T = features.size(1);
  if (frame_padding_mask.defined() && !(frame_padding_mask.shape() == Shape{B, T}))
    throw ShapeError("LAS: frame padding mask of shape " + frame_padding_mask.shape().str() +
                     " must be " + Shape{B, T}.str());
  std::vector<int64_t> lengths = lengths_from_mask(frame_padding_mask, B, T);
  Tensor x = listener[0]->forward_output(features, lengths);  // [B, T, 2H]
  for (size_t l = 1; l < listener.size(); ++l) {
    if (T % 2 == 1) {  // an odd step out: pair it with a zero (padding) step
      x = concat({x, zeros({B, 1, x.size(2)})}, 1);
      ++T;
    }
    T /= 2;
    x = reshape(x, {B, T, 2 * x.size(2)});  // adjacent steps side by side: [B, T/2, 4H]
    for (int64_t& n : lengths) n = (n + 1) / 2;
    x = listener[l]->forward_output(dropout->forward(x), lengths);  // [B, T/2, 2H]
  }
  return {x, mask_from_lengths(lengths, T), lengths};
}

Tensor LAS::ctc_logits(const Listened& l) {
  if (!ctc) throw std::logic_error("LAS: no CTC head (ctc-weight is 0)");
  return ctc->forward(dropout->forward(l.outputs));  // [B, T', V]
}

Tensor LAS::step(Step& s, const Tensor& embedded) {
  const int64_t B = embedded.size(0);
  Tensor x = concat({embedded, s.context}, 1);  // [B, E + 2H]
  for (size_t l = 0; l < speller.size(); ++l) {
    auto hc = speller[l]->forward(l == 0 ? x : dropout->forward(x), s.h[l], s.c[l]);
    s.h[l] = hc.first;
    s.c[l] = hc.second;
    x = hc.first;
  }
  Tensor query = reshape(x, {B, 1, options.speller_hidden});
  AttentionResult r = options.attention == SpellerAttention::kLocation
                          ? static_cast<LocationAwareAttention&>(*attention)
                                .step(query, s.keys, s.outputs, s.alignment, s.mask)
                          : attention->attend_precomputed(query, s.keys, s.outputs, s.mask);
  s.context = reshape(r.context, {B, -1});                            // [B, 2H]
  s.alignment = r.weights;                                            // [B, 1, T']
  Tensor hidden = tanh(combine->forward(concat({x, s.context}, 1)));  // [B, S]
  return output->forward(dropout->forward(hidden));                   // [B, V]
}

std::unique_ptr<LAS::Step> LAS::begin(const Listened& l) {
  const int64_t B = l.outputs.size(0), Tk = l.outputs.size(1);
  auto s = std::make_unique<Step>();
  s->outputs = l.outputs;
  s->mask = l.padding_mask;
  s->keys = attention->precompute_keys(l.outputs);
  for (size_t k = 0; k < speller.size(); ++k) {
    s->h.push_back(zeros({B, options.speller_hidden}));
    s->c.push_back(zeros({B, options.speller_hidden}));
  }
  s->context = zeros({B, l.outputs.size(2)});
  s->alignment = LocationAwareAttention::initial_alignment(B, Tk, l.padding_mask);
  return s;
}

Tensor LAS::spell(const Listened& listened, const Tensor& target_input, Tensor* alignments) {
  if (target_input.ndim() != 2 || target_input.size(0) != listened.outputs.size(0))
    throw ShapeError("LAS: target input of shape " + target_input.shape().str() + " must be [" +
                     std::to_string(listened.outputs.size(0)) + ", characters]");
  std::unique_ptr<Step> s = begin(listened);
  const int64_t B = target_input.size(0), U = target_input.size(1);
  if (U == 0) {
    if (alignments) *alignments = zeros({B, 0, listened.outputs.size(1)});
    return zeros({B, 0, options.vocab});
  }
  Tensor y = dropout->forward(embedding->forward(target_input));  // [B, U, E]
  std::vector<Tensor> logits, weights;
  for (const Tensor& e : unbind(y, 1)) {
    logits.push_back(step(*s, e));
    if (alignments) weights.push_back(s->alignment.detach());
  }
  if (alignments) *alignments = concat(weights, 1);  // [B, U, T']
  return stack(logits, 1);                           // [B, U, V]
}

Tensor LAS::forward(const Tensor& features, const Tensor& frame_padding_mask,
                    const Tensor& target_input) {
  return spell(listen(features, frame_padding_mask), target_input);
}

std::unique_ptr<DecoderState> LAS::start_decoding(const Tensor& features,
                                                  const Tensor& frame_padding_mask) {
  return begin(listen(features, frame_padding_mask));
}

Tensor LAS::decode_step(DecoderState& state, const Tensor& prev_tokens) {
  auto& s = dynamic_cast<Step&>(state);
  return step(s, embedding->forward(reshape(prev_tokens, {prev_tokens.numel()})));  // [B, V]
}

ModelEntry las_model_entry() {
  ModelEntry e;
  e.name = "las";
  e.description =
      "Listen, attend and spell: pyramidal BLSTM listener, LSTM speller with location-aware, "
      "additive, dot or general attention, optional joint CTC";
  e.task = TaskKind::kSpeech;
  e.hyperparams = {
      int_param("listener-hidden", 128, "Listener LSTM size per direction", 1, 4096),
      int_param("levels", 3, "Pyramid levels above the first BLSTM, each halving time", 0, 6),
      int_param("hidden", 256, "Speller LSTM size", 1, 8192),
      int_param("layers", 1, "Speller LSTM layers", 1, 16),
      int_param("embedding", 64, "Character embedding size", 1, 4096),
      choice_param("attention", "location", "Speller attention", kSpellerAttentions.names()),
      int_param("attention-dim", 128, "Attention size (location, additive)", 1, 8192),
      int_param("location-filters", 10, "Location-aware attention: filters over the alignment", 1,
                1024),
      int_param("location-width", 15, "Location-aware attention: filter width (odd)", 1, 1023),
      float_param("dropout", 0.1, "Dropout on embeddings, between layers and before the output", 0,
                  0.95),
      float_param("ctc-weight", 0.0, "Weight of a joint CTC loss on the listener (0 = none)", 0, 1),
  };
  e.create = [](const Hyperparams& p, const ModelDims& d, Generator& init,
                std::shared_ptr<Generator> dropout) -> std::shared_ptr<Module> {
    LASOptions o;
    o.num_features = d.num_features;
    o.vocab = d.target_vocab;
    o.listener_hidden = p.get_int("listener-hidden");
    o.levels = p.get_int("levels");
    o.speller_hidden = p.get_int("hidden");
    o.speller_layers = p.get_int("layers");
    o.embedding = p.get_int("embedding");
    o.attention = parse_speller_attention(p.get("attention"));
    o.attention_dim = p.get_int("attention-dim");
    o.location_filters = p.get_int("location-filters");
    o.location_width = p.get_int("location-width");
    if (o.location_width % 2 == 0)
      throw HyperparamError("location-width must be odd (the alignment keeps its length), got " +
                            std::to_string(o.location_width));
    o.dropout = p.get_float("dropout");
    o.ctc_weight = p.get_float("ctc-weight");
    return std::make_shared<LAS>(o, init, std::move(dropout));
  };
  return e;
}

}  // namespace attend
