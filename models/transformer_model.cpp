#include "models/transformer_model.h"

#include <cmath>

#include "models/registry.h"

namespace attend {
namespace {

struct TransformerState : DecoderState {
  bool cached = true;  // TransformerModel::kv_cache when decoding started
  // With the cache: each layer's keys and values (the memory's, and the tokens' so far).
  TransformerDecoderCache cache;
  // Without it: the encoder output and the whole prefix, re-decoded at every step.
  Tensor memory;     // [B, S, d]
  Tensor mask;       // [B, S] or undefined
  Tensor prefix;     // [B, t] tokens fed so far (<bos> first)
  Tensor attention;  // [B, 1, S]
  void reorder(const Tensor& rows) override {
    cache.reorder(rows);
    for (Tensor* t : {&memory, &mask, &prefix, &attention})
      if (t->defined()) *t = index_select(*t, 0, rows);
  }
  Tensor last_attention() const override { return attention; }
};

}  // namespace

TransformerModel::TransformerModel(const TransformerModelOptions& opt, Generator& gen,
                                   std::shared_ptr<Generator> dgen)
    : options(opt) {
  if (!dgen) dgen = std::make_shared<Generator>(0);
  if (opt.d_model % opt.heads != 0)
    throw HyperparamError("transformer: d-model " + std::to_string(opt.d_model) +
                          " is not divisible by heads " + std::to_string(opt.heads));
  source_embedding = register_module(
      "source_embedding", std::make_shared<Embedding>(opt.source_vocab, opt.d_model, gen, 0));
  target_embedding = register_module(
      "target_embedding", std::make_shared<Embedding>(opt.target_vocab, opt.d_model, gen, 0));
  // nn.Embedding's N(0, 1) init times sqrt(d) would drown the sinusoidal positions (each within
  // +-1); N(0, 1/d) as in fairseq and tensor2tensor makes the scaled embeddings unit-sized.
  for (Embedding* table : {source_embedding.get(), target_embedding.get()})
    mul_(table->weight, 1.0f / std::sqrt(static_cast<float>(opt.d_model)));
  positions = register_module(
      "positions", std::make_shared<SinusoidalPositionalEncoding>(opt.d_model, opt.max_length));
  dropout = register_module("dropout", std::make_shared<Dropout>(opt.dropout, dgen));
  TransformerLayerOptions layer;
  layer.d_model = opt.d_model;
  layer.nhead = opt.heads;
  layer.dim_feedforward = opt.feedforward;
  layer.dropout = opt.dropout;
  layer.norm_first = opt.norm_first;
  encoder = register_module(
      "encoder", std::make_shared<TransformerEncoder>(layer, opt.encoder_layers, gen, dgen));
  decoder = register_module(
      "decoder", std::make_shared<TransformerDecoder>(layer, opt.decoder_layers, gen, dgen));
  output = register_module("output", std::make_shared<Linear>(opt.d_model, opt.target_vocab, gen));
  if (opt.tie_embeddings) {
    // One [V, d] matrix maps ids to vectors and vectors to logits (Press & Wolf 2017). Its
    // N(0, 1/d) initialisation suits both uses: scaled by sqrt(d) it is unit-sized input, and
    // as the projection it keeps the first logits O(1).
    if (opt.joint_vocabulary) {
      if (opt.source_vocab != opt.target_vocab)
        throw HyperparamError(
            "transformer: a joint vocabulary needs equal source and target "
            "vocabularies, got " +
            std::to_string(opt.source_vocab) + " and " + std::to_string(opt.target_vocab));
      target_embedding->tie_weight(source_embedding->weight);
    }
    output->tie_weight(target_embedding->weight);
  }
}

Tensor TransformerModel::embed(Embedding& table, const Tensor& ids, int64_t start) {
  if (ids.ndim() != 2 || start + ids.size(1) > options.max_length)
    throw ShapeError("transformer: token ids of shape " + ids.shape().str() +
                     (start > 0 ? " after " + std::to_string(start) + " tokens" : std::string()) +
                     " must be [batch, length] with length <= max-length " +
                     std::to_string(options.max_length));
  const float scale = std::sqrt(static_cast<float>(options.d_model));
  return dropout->forward(positions->forward_from(mul(table.forward(ids), scale), start));
}

Tensor TransformerModel::encode(const Tensor& source, const Tensor& source_padding_mask) {
  return encoder->forward(embed(*source_embedding, source), Tensor(), source_padding_mask);
}

Tensor TransformerModel::decode(const Tensor& target_input, const Tensor& memory,
                                const Tensor& memory_padding_mask) {
  // Causal self-attention: position t sees targets 0..t. Padding sits after every real token, so
  // no real query ever sees a padded key and no target padding mask is needed.
  Tensor y = embed(*target_embedding, target_input);
  return decoder->forward(y, memory, causal_mask(target_input.size(1)), Tensor(), Tensor(),
                          memory_padding_mask);
}

Tensor TransformerModel::forward(const Tensor& source, const Tensor& source_padding_mask,
                                 const Tensor& target_input) {
  Tensor memory = encode(source, source_padding_mask);
  return output->forward(decode(target_input, memory, source_padding_mask));  // [B, T, V]
}

std::unique_ptr<DecoderState> TransformerModel::start_decoding(const Tensor& source,
                                                               const Tensor& source_padding_mask) {
  auto s = std::make_unique<TransformerState>();
  Tensor memory = encode(source, source_padding_mask);  // [B, S, d]
  s->cached = kv_cache;
  if (kv_cache) {
    s->cache = decoder->start_cache(memory, source_padding_mask);
  } else {
    s->memory = memory;
    s->mask = source_padding_mask;
  }
  return s;
}

Tensor TransformerModel::decode_step(DecoderState& state, const Tensor& prev_tokens) {
  auto& s = dynamic_cast<TransformerState&>(state);
  const int64_t B = prev_tokens.numel();
  Tensor next = reshape(prev_tokens, {B, 1});
  auto& last_layer = *decoder->layers.back();
  last_layer.keep_attention = true;
  Tensor h;  // [B, 1, d]: the newest position's decoder output
  if (s.cached) {
    h = decoder->forward_step(embed(*target_embedding, next, s.cache.length()), s.cache);
  } else {
    s.prefix = s.prefix.defined() ? concat({s.prefix, next}, 1) : next;  // [B, t]
    const int64_t t = s.prefix.size(1);
    h = narrow(decode(s.prefix, s.memory, s.mask), 1, t - 1, 1);
  }
  last_layer.keep_attention = false;
  // The last layer's cross-attention of the newest position, averaged over heads: [B, 1, S].
  Tensor cross = last_layer.last_cross_attention;  // [B, heads, 1 or t, S]
  s.attention = mean(narrow(cross, 2, cross.size(2) - 1, 1), 1);
  return reshape(output->forward(h), {B, options.target_vocab});
}

ModelEntry transformer_model_entry() {
  ModelEntry e;
  e.name = "transformer";
  e.description = "Encoder-decoder Transformer (post-LN as in the paper, or pre-LN)";
  e.task = TaskKind::kSequence;
  e.hyperparams = {
      int_param("d-model", 128, "Model width", 1, 8192),
      int_param("heads", 4, "Attention heads (must divide d-model)", 1, 256),
      int_param("feedforward", 512, "Feed-forward width", 1, 65536),
      int_param("encoder-layers", 2, "Encoder layers", 1, 64),
      int_param("decoder-layers", 2, "Decoder layers", 1, 64),
      float_param("dropout", 0.1, "Dropout", 0, 0.95),
      bool_param("norm-first", false, "Pre-LN layers instead of the paper's post-LN"),
      int_param("max-length", 512, "Longest sequence the positional encoding covers", 1, 1000000),
      bool_param("tie-embeddings", false,
                 "One matrix for the target embedding and the output projection (Press & Wolf "
                 "2017), and the source embedding too when the vocabulary is joint"),
  };
  e.create = [](const Hyperparams& p, const ModelDims& d, Generator& init,
                std::shared_ptr<Generator> dropout) -> std::shared_ptr<Module> {
    TransformerModelOptions o;
    o.source_vocab = d.source_vocab;
    o.target_vocab = d.target_vocab;
    o.d_model = p.get_int("d-model");
    o.heads = p.get_int("heads");
    o.feedforward = p.get_int("feedforward");
    o.encoder_layers = p.get_int("encoder-layers");
    o.decoder_layers = p.get_int("decoder-layers");
    o.dropout = p.get_float("dropout");
    o.norm_first = p.get_bool("norm-first");
    o.max_length = p.get_int("max-length");
    o.tie_embeddings = p.get_bool("tie-embeddings");
    o.joint_vocabulary = d.joint_vocabulary;
    return std::make_shared<TransformerModel>(o, init, std::move(dropout));
  };
  return e;
}

}  // namespace attend
