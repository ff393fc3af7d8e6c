#include "layers/transformer.h"

namespace attend {

// Subclasses register their modules in the order of PyTorch's __init__, so named_parameters()
// lists match. Without dropout a generator is never drawn from; a default keeps Dropout simple.
TransformerLayerBase::TransformerLayerBase(const TransformerLayerOptions& opt,
                                           std::shared_ptr<Generator> dropout_gen)
    : options(opt),
      dropout_gen_(dropout_gen ? std::move(dropout_gen) : std::make_shared<Generator>(0)) {}

std::shared_ptr<Dropout> TransformerLayerBase::make_dropout(const std::string& name) {
  return register_module(name, std::make_shared<Dropout>(options.dropout, dropout_gen_));
}

Tensor TransformerLayerBase::feed_forward(const Tensor& x) {
  Tensor h = linear1->forward(x);  // [B, T, F]
  h = options.gelu ? gelu(h) : relu(h);
  return linear2->forward(dropout->forward(h));  // [B, T, E]
}

TransformerEncoderLayer::TransformerEncoderLayer(const TransformerLayerOptions& opt, Generator& gen,
                                                 std::shared_ptr<Generator> dropout_gen)
    : TransformerLayerBase(opt, std::move(dropout_gen)) {
  self_attn = register_module(
      "self_attn", std::make_shared<MultiheadAttention>(opt.d_model, opt.nhead, gen, opt.dropout,
                                                        true, dropout_gen_));
  linear1 =
      register_module("linear1", std::make_shared<Linear>(opt.d_model, opt.dim_feedforward, gen));
  dropout = make_dropout("dropout");
  linear2 =
      register_module("linear2", std::make_shared<Linear>(opt.dim_feedforward, opt.d_model, gen));
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(opt.d_model, opt.layer_norm_eps));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(opt.d_model, opt.layer_norm_eps));
  dropout1 = make_dropout("dropout1");
  dropout2 = make_dropout("dropout2");
}

Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask,
                                        const Tensor& kpm) {
  auto sa = [&](const Tensor& x) {
    auto r = self_attn->forward(x, x, x, kpm, src_mask, keep_attention, false);
    if (keep_attention) last_attention = r.weights.detach();
    return dropout1->forward(r.output);
  };
  Tensor x = src;
  if (options.norm_first) {
    x = x + sa(norm1->forward(x));
    return x + dropout2->forward(feed_forward(norm2->forward(x)));
  }
  x = norm1->forward(x + sa(x));
  return norm2->forward(x + dropout2->forward(feed_forward(x)));
}

TransformerDecoderLayer::TransformerDecoderLayer(const TransformerLayerOptions& opt, Generator& gen,
                                                 std::shared_ptr<Generator> dropout_gen)
    : TransformerLayerBase(opt, std::move(dropout_gen)) {
  self_attn = register_module(
      "self_attn", std::make_shared<MultiheadAttention>(opt.d_model, opt.nhead, gen, opt.dropout,
                                                        true, dropout_gen_));
  multihead_attn = register_module(
      "multihead_attn", std::make_shared<MultiheadAttention>(opt.d_model, opt.nhead, gen,
                                                             opt.dropout, true, dropout_gen_));
  linear1 =
      register_module("linear1", std::make_shared<Linear>(opt.d_model, opt.dim_feedforward, gen));
  dropout = make_dropout("dropout");
  linear2 =
      register_module("linear2", std::make_shared<Linear>(opt.dim_feedforward, opt.d_model, gen));
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(opt.d_model, opt.layer_norm_eps));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(opt.d_model, opt.layer_norm_eps));
  norm3 = register_module("norm3", std::make_shared<LayerNorm>(opt.d_model, opt.layer_norm_eps));
  dropout1 = make_dropout("dropout1");
  dropout2 = make_dropout("dropout2");
  dropout3 = make_dropout("dropout3");
}

Tensor TransformerDecoderLayer::residual_blocks(const Tensor& tgt, const Sublayer& sa,
                                                const Sublayer& ca) {
  Tensor x = tgt;
  if (options.norm_first) {
    x = x + dropout1->forward(sa(norm1->forward(x)));
    x = x + dropout2->forward(ca(norm2->forward(x)));
    return x + dropout3->forward(feed_forward(norm3->forward(x)));
  }
  x = norm1->forward(x + dropout1->forward(sa(x)));
  x = norm2->forward(x + dropout2->forward(ca(x)));
  return norm3->forward(x + dropout3->forward(feed_forward(x)));
}

Tensor TransformerDecoderLayer::forward(const Tensor& tgt, const Tensor& memory,
                                        const Tensor& tgt_mask, const Tensor& memory_mask,
                                        const Tensor& tgt_kpm, const Tensor& memory_kpm) {
  auto sa = [&](const Tensor& x) {
    auto r = self_attn->forward(x, x, x, tgt_kpm, tgt_mask, keep_attention, false);
    if (keep_attention) last_self_attention = r.weights.detach();
    return r.output;
  };
  auto ca = [&](const Tensor& x) {
    auto r =
        multihead_attn->forward(x, memory, memory, memory_kpm, memory_mask, keep_attention, false);
    if (keep_attention) last_cross_attention = r.weights.detach();
    return r.output;
  };
  return residual_blocks(tgt, sa, ca);
}

Tensor TransformerDecoderLayer::forward_step(const Tensor& tgt,
                                             TransformerDecoderLayerCache& cache) {
  auto sa = [&](const Tensor& x) {
    auto r = self_attn->forward_incremental(x, cache.self_attn, Tensor(), keep_attention, false);
    if (keep_attention) last_self_attention = r.weights.detach();
    return r.output;
  };
  auto ca = [&](const Tensor& x) {
    auto r = multihead_attn->forward_cached(x, cache.cross_attn, keep_attention, false);
    if (keep_attention) last_cross_attention = r.weights.detach();
    return r.output;
  };
  return residual_blocks(tgt, sa, ca);
}

Tensor TransformerEncoder::forward(const Tensor& src, const Tensor& mask, const Tensor& kpm) {
  Tensor x = src;
  for (auto& l : layers) x = l->forward(x, mask, kpm);
  return finish(x);
}

Tensor TransformerDecoder::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                   const Tensor& memory_mask, const Tensor& tgt_kpm,
                                   const Tensor& memory_kpm) {
  Tensor x = tgt;
  for (auto& l : layers) x = l->forward(x, memory, tgt_mask, memory_mask, tgt_kpm, memory_kpm);
  return finish(x);
}

void TransformerDecoderCache::reorder(const Tensor& rows) {
  for (TransformerDecoderLayerCache& layer : layers) {
    layer.self_attn.reorder(rows);
    layer.cross_attn.reorder(rows);
  }
}

TransformerDecoderCache TransformerDecoder::start_cache(const Tensor& memory,
                                                        const Tensor& memory_kpm) const {
  TransformerDecoderCache cache;
  cache.layers.resize(layers.size());
  for (size_t i = 0; i < layers.size(); ++i)
    layers[i]->multihead_attn->cache_memory(memory, cache.layers[i].cross_attn, memory_kpm);
  return cache;
}

Tensor TransformerDecoder::forward_step(const Tensor& tgt, TransformerDecoderCache& cache) {
  if (cache.layers.size() != layers.size())
    throw std::invalid_argument("TransformerDecoder::forward_step: the cache has " +
                                std::to_string(cache.layers.size()) + " layers, the decoder " +
                                std::to_string(layers.size()) + " (use start_cache)");
  Tensor x = tgt;
  for (size_t i = 0; i < layers.size(); ++i) x = layers[i]->forward_step(x, cache.layers[i]);
  return finish(x);
}

}  // namespace attend
