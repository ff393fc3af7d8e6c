#include "examples/seq2seq_temperature.h"

#include <stdexcept>
#include <vector>

namespace attend::examples {
namespace {

// Right-padded rows: the number of leading non-padding tokens of each row, for the GRU's
// packed-sequence semantics.
std::vector<int64_t> lengths_from_mask(const Tensor& source, const Tensor& padding_mask) {
  const int64_t B = source.size(0), S = source.size(1);
  std::vector<int64_t> lengths(static_cast<size_t>(B), S);
  if (!padding_mask.defined()) return lengths;
  const float* p = padding_mask.data();
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = 0;
    while (n < S && p[b * S + n] == 0.0f) ++n;
    lengths[static_cast<size_t>(b)] = n;
  }
  return lengths;
}

// What decoding carries from one step to the next, row by row (beam search reorders the rows).
struct State : DecoderState {
  Tensor outputs;    // encoder outputs [B, S, H]: the attention's values
  Tensor keys;       // attention->precompute_keys(outputs) [B, S, H]
  Tensor mask;       // source padding [B, S], or undefined
  Tensor h;          // decoder state [1, B, H]
  Tensor attention;  // the last step's weights [B, 1, S]
  void reorder(const Tensor& rows) override {
    for (Tensor* t : {&outputs, &keys, &mask, &attention})
      if (t->defined()) *t = index_select(*t, 0, rows);
    h = index_select(h, 1, rows);
  }
  Tensor last_attention() const override { return attention; }
};

}  // namespace

TemperatureSeq2Seq::TemperatureSeq2Seq(const TemperatureSeq2SeqOptions& opt, Generator& gen,
                                       std::shared_ptr<Generator> dgen)
    : options(opt) {
  if (!dgen) dgen = std::make_shared<Generator>(0);
  const int64_t E = opt.embedding_dim, H = opt.hidden;
  source_embedding = register_module(
      "source_embedding", std::make_shared<Embedding>(opt.source_vocab, E, gen, /*padding_idx=*/0));
  target_embedding =
      register_module("target_embedding", std::make_shared<Embedding>(opt.target_vocab, E, gen, 0));
  RNNOptions rnn;
  rnn.batch_first = true;  // [B, T, *] in and out
  encoder = register_module("encoder", std::make_shared<GRU>(E, H, gen, rnn, dgen));
  decoder = register_module("decoder", std::make_shared<GRU>(E, H, gen, rnn, dgen));
  attention = register_module("attention",
                              std::make_shared<TemperatureAttention>(H, H, opt.temperature, gen));
  output = register_module("output", std::make_shared<Linear>(2 * H, opt.target_vocab, gen));
  dropout = register_module("dropout", std::make_shared<Dropout>(opt.dropout, dgen));
}

Tensor TemperatureSeq2Seq::forward(const Tensor& source, const Tensor& source_padding_mask,
                                   const Tensor& target_input) {
  if (source.ndim() != 2 || target_input.ndim() != 2)
    throw ShapeError("TemperatureSeq2Seq: source and target_input must be [batch, length], got " +
                     source.shape().str() + " and " + target_input.shape().str());
  Tensor x = dropout->forward(source_embedding->forward(source));  // [B, S, E]
  RNNOutput enc =
      encoder->forward(x, Tensor(), Tensor(), lengths_from_mask(source, source_padding_mask));
  // enc.output [B, S, H] (zero at padding), enc.h_n [1, B, H]
  Tensor y = dropout->forward(target_embedding->forward(target_input));  // [B, T, E]
  Tensor h = decoder->forward(y, enc.h_n).output;                        // [B, T, H]
  Tensor context = attention->forward(h, enc.output, enc.output, source_padding_mask).context;
  // context [B, T, H]
  return output->forward(dropout->forward(concat({h, context}, 2)));  // [B, T, 2H] -> [B, T, V]
}

std::unique_ptr<DecoderState> TemperatureSeq2Seq::start_decoding(
    const Tensor& source, const Tensor& source_padding_mask) {
  Tensor x = source_embedding->forward(source);  // [B, S, E] (decoding runs in eval mode)
  RNNOutput enc =
      encoder->forward(x, Tensor(), Tensor(), lengths_from_mask(source, source_padding_mask));
  auto s = std::make_unique<State>();
  s->outputs = enc.output;                           // [B, S, H]
  s->keys = attention->precompute_keys(enc.output);  // [B, S, H], once per sentence
  s->mask = source_padding_mask;                     // [B, S]
  s->h = enc.h_n;                                    // [1, B, H]
  return s;
}

Tensor TemperatureSeq2Seq::decode_step(DecoderState& state, const Tensor& prev_tokens) {
  auto& s = dynamic_cast<State&>(state);
  const int64_t B = prev_tokens.numel();
  Tensor y = target_embedding->forward(reshape(prev_tokens, {B, 1}));  // [B, 1, E]
  RNNOutput step = decoder->forward(y, s.h);                           // output [B, 1, H]
  s.h = step.h_n;                                                      // [1, B, H]
  AttentionResult r = attention->attend_precomputed(step.output, s.keys, s.outputs, s.mask);
  s.attention = r.weights.detach();                                      // [B, 1, S]
  Tensor logits = output->forward(concat({step.output, r.context}, 2));  // [B, 1, V]
  return reshape(logits, {B, options.target_vocab});                     // [B, V]
}

ModelEntry temperature_seq2seq_entry() {
  ModelEntry e;
  e.name = "seq2seq-temperature";
  e.description = "GRU encoder-decoder whose attention learns its softmax temperature (examples/)";
  e.task = TaskKind::kSequence;
  // A name another model also has (--hidden) is one command-line option for both; each model
  // keeps its own default and range.
  e.hyperparams = {
      int_param("embedding", 128, "Embedding size", 1, 4096),
      int_param("hidden", 256, "Hidden size of encoder and decoder GRUs", 1, 8192),
      float_param("dropout", 0.1, "Dropout on embeddings and before the output", 0, 0.95),
      float_param("temperature", 1.0, "Attention softmax temperature at the start (then learned)",
                  0.01, 100),
  };
  e.create = [](const Hyperparams& p, const ModelDims& d, Generator& init,
                std::shared_ptr<Generator> dropout) -> std::shared_ptr<Module> {
    TemperatureSeq2SeqOptions o;
    o.source_vocab = d.source_vocab;
    o.target_vocab = d.target_vocab;
    o.embedding_dim = p.get_int("embedding");
    o.hidden = p.get_int("hidden");
    o.dropout = p.get_float("dropout");
    o.temperature = p.get_float("temperature");
    return std::make_shared<TemperatureSeq2Seq>(o, init, std::move(dropout));
  };
  return e;
}

// Registration: this object's initialiser runs before main(), so the model is in the registry
// before the command line is built from it. The example library is a CMake OBJECT library so that
// the linker keeps this file in every program that links it (a static archive's member that no
// code refers to is left out, and its initialiser with it). register_model throws if another
// model took the name.
namespace {
const bool registered = (register_model(temperature_seq2seq_entry()), true);
}  // namespace

}  // namespace attend::examples
