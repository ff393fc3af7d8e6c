#include "models/seq2seq.h"

#include <stdexcept>

#include "models/registry.h"

namespace attend {
namespace {

std::shared_ptr<RNNBase> make_rnn(RNNMode mode, int64_t in, int64_t hidden, Generator& gen,
                                  const RNNOptions& opt, std::shared_ptr<Generator> dgen) {
  switch (mode) {
    case RNNMode::kRNN:
      return std::make_shared<RNN>(in, hidden, gen, opt, std::move(dgen));
    case RNNMode::kGRU:
      return std::make_shared<GRU>(in, hidden, gen, opt, std::move(dgen));
    case RNNMode::kLSTM:
      break;
  }
  return std::make_shared<LSTM>(in, hidden, gen, opt, std::move(dgen));
}

std::vector<int64_t> lengths_from_mask(const Tensor& source, const Tensor& padding_mask) {
  const int64_t B = source.size(0), S = source.size(1);
  std::vector<int64_t> lengths(static_cast<size_t>(B), S);
  if (!padding_mask.defined()) return lengths;
  const float* p = padding_mask.data();
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = 0;
    while (n < S && p[b * S + n] == 0.0f) ++n;  // right padding: real tokens come first
    lengths[b] = n;
  }
  return lengths;
}

// Bidirectional final states [L*2, B, H] -> decoder states [L, B, H]: tanh(W [fwd ; bwd]).
Tensor bridge(const Tensor& states, Linear& proj, int64_t layers) {
  std::vector<Tensor> per_layer;
  for (int64_t l = 0; l < layers; ++l) {
    Tensor both = concat(
        {squeeze(narrow(states, 0, 2 * l, 1), 0), squeeze(narrow(states, 0, 2 * l + 1, 1), 0)},
        1);  // [B, 2H]
    per_layer.push_back(tanh(proj.forward(both)));
  }
  return stack(per_layer, 0);
}

// Everything decoding carries from step to step, row by row.
struct Seq2SeqState : DecoderState {
  Tensor outputs, keys, mask;  // [B, S, DH], [B, S, *], [B, S] or undefined
  Tensor h, c;                 // [L, B, H]
  Tensor feed;                 // [B, H]: input feeding's previous attentional vector
  Tensor attention;            // [B, 1, S]
  void reorder(const Tensor& rows) override {
    for (Tensor* t : {&outputs, &keys, &mask, &feed, &attention})
      if (t->defined()) *t = index_select(*t, 0, rows);
    for (Tensor* t : {&h, &c})
      if (t->defined()) *t = index_select(*t, 1, rows);
  }
  Tensor last_attention() const override { return attention; }
};

}  // namespace

AttentionKind parse_attention_kind(std::string_view name) {
  return kAttentionKinds.parse<HyperparamError>(name, "attention");
}

RNNMode parse_cell_kind(std::string_view name) {
  return kCellKinds.parse<HyperparamError>(name, "cell");
}

Seq2Seq::Seq2Seq(const Seq2SeqOptions& opt, Generator& gen, std::shared_ptr<Generator> dgen)
    : options(opt) {
  if (!dgen) dgen = std::make_shared<Generator>(0);
  const int64_t E = opt.embedding_dim, H = opt.hidden, D = opt.bidirectional ? 2 : 1;
  source_embedding = register_module(
      "source_embedding", std::make_shared<Embedding>(opt.source_vocab, E, gen, /*padding_idx=*/0));
  target_embedding =
      register_module("target_embedding", std::make_shared<Embedding>(opt.target_vocab, E, gen, 0));
  RNNOptions enc;
  enc.num_layers = opt.layers;
  enc.batch_first = true;
  enc.dropout = opt.layers > 1 ? opt.dropout : 0.0f;
  enc.bidirectional = opt.bidirectional;
  encoder = register_module("encoder", make_rnn(opt.cell, E, H, gen, enc, dgen));
  if (opt.bidirectional) {
    bridge_h = register_module("bridge_h", std::make_shared<Linear>(2 * H, H, gen));
    if (opt.cell == RNNMode::kLSTM)
      bridge_c = register_module("bridge_c", std::make_shared<Linear>(2 * H, H, gen));
  }
  RNNOptions dec = enc;
  dec.bidirectional = false;
  const bool feeding = opt.input_feeding && opt.attention != AttentionKind::kNone;
  decoder = register_module("decoder", make_rnn(opt.cell, feeding ? E + H : E, H, gen, dec, dgen));

  const int64_t DH = D * H;
  const AttentionKind a = opt.attention;
  if ((a == AttentionKind::kDot || a == AttentionKind::kScaled) && DH != H)
    throw HyperparamError(std::string("attention '") + to_string(a) +
                          "' compares decoder states (" + std::to_string(H) +
                          ") with encoder outputs (" + std::to_string(DH) +
                          ") directly: use a unidirectional encoder, or 'general' or 'additive'");
  switch (a) {
    case AttentionKind::kAdditive:
      attention = register_module("attention", std::make_shared<AdditiveAttention>(H, DH, H, gen));
      break;
    case AttentionKind::kDot:
      attention = register_module(
          "attention", std::make_shared<LuongAttention>(LuongAttention::Kind::kDot, H, DH, gen));
      break;
    case AttentionKind::kGeneral:
      attention = register_module("attention", std::make_shared<LuongAttention>(
                                                   LuongAttention::Kind::kGeneral, H, DH, gen));
      break;
    case AttentionKind::kScaled:
      attention = register_module("attention", std::make_shared<ScaledDotProductAttention>());
      break;
    case AttentionKind::kNone:
      break;
  }
  int64_t out_in = attention ? H + DH : H;
  if (feeding) {
    combine = register_module("combine", std::make_shared<Linear>(H + DH, H, gen));
    out_in = H;
  }
  output = register_module("output", std::make_shared<Linear>(out_in, opt.target_vocab, gen));
  dropout = register_module("dropout", std::make_shared<Dropout>(opt.dropout, dgen));
}

Seq2Seq::Encoded Seq2Seq::encode(const Tensor& source, const Tensor& padding_mask) {
  if (source.ndim() != 2)
    throw ShapeError("Seq2Seq: source must be [batch, length], got " + source.shape().str());
  Tensor x = dropout->forward(source_embedding->forward(source));  // [B, S, E]
  RNNOutput enc = encoder->forward(x, Tensor(), Tensor(), lengths_from_mask(source, padding_mask));
  Encoded e;
  e.outputs = enc.output;  // [B, S, DH]
  if (options.bidirectional) {
    e.h = bridge(enc.h_n, *bridge_h, options.layers);
    if (bridge_c) e.c = bridge(enc.c_n, *bridge_c, options.layers);
  } else {
    e.h = enc.h_n;
    e.c = enc.c_n;
  }
  if (attention) e.keys = attention->precompute_keys(e.outputs);
  return e;
}

Tensor Seq2Seq::project(const Tensor& h, const Tensor& context, Tensor* attentional) {
  if (!attention) return output->forward(dropout->forward(h));
  Tensor hc = concat({h, context}, 2);  // [B, T, H + DH]
  if (!combine) return output->forward(dropout->forward(hc));
  Tensor att = tanh(combine->forward(hc));  // [B, T, H]
  if (attentional) *attentional = att;
  return output->forward(dropout->forward(att));
}

Tensor Seq2Seq::forward(const Tensor& source, const Tensor& source_padding_mask,
                        const Tensor& target_input) {
  Encoded e = encode(source, source_padding_mask);
  Tensor y = dropout->forward(target_embedding->forward(target_input));  // [B, T, E]
  if (!combine) {
    // The decoder does not see the attention: run it over all steps, then attend for all at once.
    Tensor h = decoder->forward(y, e.h, e.c).output;  // [B, T, H]
    Tensor context;
    if (attention)
      context = attention->attend_precomputed(h, e.keys, e.outputs, source_padding_mask).context;
    return project(h, context);  // [B, T, V]
  }
  // Input feeding: step t's input includes step t-1's attentional vector.
  const int64_t B = y.size(0), T = y.size(1);
  Tensor feed = zeros({B, 1, options.hidden});
  Tensor h = e.h, c = e.c;
  std::vector<Tensor> logits;
  for (int64_t t = 0; t < T; ++t) {
    Tensor in = concat({narrow(y, 1, t, 1), feed}, 2);  // [B, 1, E + H]
    RNNOutput step = decoder->forward(in, h, c);
    h = step.h_n;
    c = step.c_n;
    Tensor context =
        attention->attend_precomputed(step.output, e.keys, e.outputs, source_padding_mask).context;
    logits.push_back(project(step.output, context, &feed));  // [B, 1, V]
  }
  return concat(logits, 1);
}

std::unique_ptr<DecoderState> Seq2Seq::start_decoding(const Tensor& source,
                                                      const Tensor& source_padding_mask) {
  Encoded e = encode(source, source_padding_mask);
  auto s = std::make_unique<Seq2SeqState>();
  s->outputs = e.outputs;
  s->keys = e.keys;
  s->mask = source_padding_mask;
  s->h = e.h;
  s->c = e.c;
  if (combine) s->feed = zeros({source.size(0), 1, options.hidden});
  return s;
}

Tensor Seq2Seq::decode_step(DecoderState& state, const Tensor& prev_tokens) {
  auto& s = dynamic_cast<Seq2SeqState&>(state);
  const int64_t B = prev_tokens.numel();
  Tensor y = target_embedding->forward(reshape(prev_tokens, {B, 1}));  // [B, 1, E]
  if (combine) y = concat({y, s.feed}, 2);
  RNNOutput step = decoder->forward(y, s.h, s.c);
  s.h = step.h_n;
  s.c = step.c_n;
  Tensor context;
  if (attention) {
    AttentionResult r = attention->attend_precomputed(step.output, s.keys, s.outputs, s.mask);
    context = r.context;
    s.attention = r.weights.detach();  // [B, 1, S]
  }
  Tensor logits = project(step.output, context, combine ? &s.feed : nullptr);
  return reshape(logits, {B, options.target_vocab});
}

ModelEntry seq2seq_model_entry() {
  ModelEntry e;
  e.name = "seq2seq";
  e.description = "RNN/LSTM/GRU encoder-decoder with additive, dot, general or scaled attention";
  e.task = TaskKind::kSequence;
  e.hyperparams = {
      choice_param("cell", "lstm", "Recurrent cell of encoder and decoder", kCellKinds.names()),
      int_param("embedding", 128, "Embedding size", 1, 4096),
      int_param("hidden", 256, "Hidden size of each RNN", 1, 8192),
      int_param("layers", 1, "Layers in encoder and decoder", 1, 16),
      bool_param("bidirectional", false, "Bidirectional encoder"),
      choice_param("attention", "additive", "Decoder attention", kAttentionKinds.names()),
      bool_param("input-feeding", false, "Luong's input feeding of the attentional vector"),
      float_param("dropout", 0.1, "Dropout on embeddings, between layers and before the output", 0,
                  0.95),
  };
  e.create = [](const Hyperparams& p, const ModelDims& d, Generator& init,
                std::shared_ptr<Generator> dropout) -> std::shared_ptr<Module> {
    Seq2SeqOptions o;
    o.source_vocab = d.source_vocab;
    o.target_vocab = d.target_vocab;
    o.cell = parse_cell_kind(p.get("cell"));
    o.embedding_dim = p.get_int("embedding");
    o.hidden = p.get_int("hidden");
    o.layers = p.get_int("layers");
    o.bidirectional = p.get_bool("bidirectional");
    o.attention = parse_attention_kind(p.get("attention"));
    o.input_feeding = p.get_bool("input-feeding");
    o.dropout = p.get_float("dropout");
    return std::make_shared<Seq2Seq>(o, init, std::move(dropout));
  };
  return e;
}

}  // namespace attend
