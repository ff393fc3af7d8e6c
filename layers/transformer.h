// Transformer encoder and decoder layers and stacks with PyTorch's structure and parameter names
// (nn.TransformerEncoderLayer / DecoderLayer / Encoder / Decoder, batch_first=True), post-LN as
// in the original paper or pre-LN (norm_first).
//   B = batch, S = source length, T = target length, E = d_model
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "layers/dropout.h"
#include "layers/layer_norm.h"
#include "layers/multihead_attention.h"

namespace attend {

struct TransformerLayerOptions {
  int64_t d_model = 128;
  int64_t nhead = 4;
  int64_t dim_feedforward = 512;
  float dropout = 0.1f;
  bool gelu = false;        // activation: ReLU (default) or GELU
  bool norm_first = false;  // pre-LN instead of the paper's post-LN
  float layer_norm_eps = 1e-5f;
};

// The feed-forward block shared by both layers: linear2(dropout(act(linear1(x)))).
class TransformerLayerBase : public Module {
 protected:
  TransformerLayerBase(const TransformerLayerOptions& opt, std::shared_ptr<Generator> dropout_gen);
  Tensor feed_forward(const Tensor& x);
  std::shared_ptr<Dropout> make_dropout(const std::string& name);

 public:
  TransformerLayerOptions options;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<Dropout> dropout;

 protected:
  std::shared_ptr<Generator> dropout_gen_;
};

class TransformerEncoderLayer : public TransformerLayerBase {
 public:
  TransformerEncoderLayer(const TransformerLayerOptions& opt, Generator& gen,
                          std::shared_ptr<Generator> dropout_gen = nullptr);
  // src [B, S, E]; src_mask additive [S, S]; src_key_padding_mask [B, S] nonzero = padding.
  Tensor forward(const Tensor& src, const Tensor& src_mask = Tensor(),
                 const Tensor& src_key_padding_mask = Tensor());
  std::string type_name() const override { return "TransformerEncoderLayer"; }

  std::shared_ptr<MultiheadAttention> self_attn;
  std::shared_ptr<LayerNorm> norm1, norm2;
  std::shared_ptr<Dropout> dropout1, dropout2;
  bool keep_attention = false;  // store the last attention weights [B, H, S, S] (detached)
  Tensor last_attention;
};

// What one decoder layer keeps between incremental decoding steps.
struct TransformerDecoderLayerCache {
  AttentionCache self_attn;   // [B, t, 2E]: grows by the new positions at every step
  AttentionCache cross_attn;  // [B, S, 2E]: the memory's, projected once per source
};

class TransformerDecoderLayer : public TransformerLayerBase {
 public:
  TransformerDecoderLayer(const TransformerLayerOptions& opt, Generator& gen,
                          std::shared_ptr<Generator> dropout_gen = nullptr);
  // tgt [B, T, E], memory [B, S, E]; tgt_mask additive [T, T] (causal_mask(T)).
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = Tensor(),
                 const Tensor& memory_mask = Tensor(),
                 const Tensor& tgt_key_padding_mask = Tensor(),
                 const Tensor& memory_key_padding_mask = Tensor());
  // Incremental decoding: tgt [B, Tn, E] holds the Tn newest positions -> [B, Tn, E], what
  // forward() over the whole target with a causal mask gives at those positions. cache.cross_attn
  // must hold the memory (TransformerDecoder::start_cache); cache.self_attn grows by Tn.
  Tensor forward_step(const Tensor& tgt, TransformerDecoderLayerCache& cache);
  std::string type_name() const override { return "TransformerDecoderLayer"; }

  std::shared_ptr<MultiheadAttention> self_attn, multihead_attn;
  std::shared_ptr<LayerNorm> norm1, norm2, norm3;
  std::shared_ptr<Dropout> dropout1, dropout2, dropout3;
  bool keep_attention = false;  // store the last weights [B, H, T, T] and [B, H, T, S] (detached)
  Tensor last_self_attention, last_cross_attention;

 private:
  using Sublayer = std::function<Tensor(const Tensor&)>;
  // The three residual blocks around self-attention, cross-attention and the feed-forward
  // network, post-LN or pre-LN: the one arrangement forward() and forward_step() share.
  Tensor residual_blocks(const Tensor& tgt, const Sublayer& self_attention,
                         const Sublayer& cross_attention);
};

// A container module whose only job is to name its children "0", "1", ... (nn.ModuleList).
class ModuleList : public Module {
 public:
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> m) {
    return register_module(std::to_string(size_++), std::move(m));
  }
  std::string type_name() const override { return "ModuleList"; }

 private:
  int64_t size_ = 0;
};

// num_layers layers ("layers.0", ...) and an optional final LayerNorm ("norm"), which
// nn.Transformer always adds: the shared body of TransformerEncoder and TransformerDecoder.
template <class Layer>
class TransformerStack : public Module {
 public:
  std::vector<std::shared_ptr<Layer>> layers;
  std::shared_ptr<LayerNorm> norm;

 protected:
  TransformerStack(const TransformerLayerOptions& opt, int64_t num_layers, Generator& gen,
                   std::shared_ptr<Generator> dropout_gen, bool final_norm) {
    auto list = register_module("layers", std::make_shared<ModuleList>());
    for (int64_t i = 0; i < num_layers; ++i)
      layers.push_back(list->push_back(std::make_shared<Layer>(opt, gen, dropout_gen)));
    if (final_norm)
      norm = register_module("norm", std::make_shared<LayerNorm>(opt.d_model, opt.layer_norm_eps));
  }
  Tensor finish(const Tensor& x) { return norm ? norm->forward(x) : x; }
};

class TransformerEncoder : public TransformerStack<TransformerEncoderLayer> {
 public:
  TransformerEncoder(const TransformerLayerOptions& opt, int64_t num_layers, Generator& gen,
                     std::shared_ptr<Generator> dropout_gen = nullptr, bool final_norm = true)
      : TransformerStack(opt, num_layers, gen, std::move(dropout_gen), final_norm) {}
  Tensor forward(const Tensor& src, const Tensor& mask = Tensor(),
                 const Tensor& src_key_padding_mask = Tensor());
  std::string type_name() const override { return "TransformerEncoder"; }
};

// Every decoder layer's cache, in layer order.
struct TransformerDecoderCache {
  std::vector<TransformerDecoderLayerCache> layers;
  // Row i's cross-attention keys and values are those of memory row memory_rows[i]. Beam search
  // reorders a source's beams among themselves at almost every step; rows that keep their memory
  // row keep their cross-attention cache where it is instead of copying [B, S, 2E] per layer.
  std::vector<int64_t> memory_rows;
  int64_t length() const {  // positions decoded so far
    return layers.empty() ? 0 : layers.front().self_attn.length();
  }
  // Keeps row rows[i] as row i in every cache (beam search: each new beam's parent).
  void reorder(const Tensor& rows);
};

class TransformerDecoder : public TransformerStack<TransformerDecoderLayer> {
 public:
  TransformerDecoder(const TransformerLayerOptions& opt, int64_t num_layers, Generator& gen,
                     std::shared_ptr<Generator> dropout_gen = nullptr, bool final_norm = true)
      : TransformerStack(opt, num_layers, gen, std::move(dropout_gen), final_norm) {}
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = Tensor(),
                 const Tensor& memory_mask = Tensor(),
                 const Tensor& tgt_key_padding_mask = Tensor(),
                 const Tensor& memory_key_padding_mask = Tensor());
  // Incremental decoding of memory [B, S, E]: start_cache projects every layer's cross-attention
  // keys and values once; forward_step then takes the newest positions tgt [B, Tn, E] and gives
  // what forward() over the whole target with causal_mask gives at those positions, [B, Tn, E].
  TransformerDecoderCache start_cache(const Tensor& memory,
                                      const Tensor& memory_key_padding_mask = Tensor()) const;
  Tensor forward_step(const Tensor& tgt, TransformerDecoderCache& cache);
  std::string type_name() const override { return "TransformerDecoder"; }
};

}  // namespace attend
