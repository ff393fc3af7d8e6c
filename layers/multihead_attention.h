// Multi-head attention with the semantics, parameter names and initialisation of PyTorch's
// nn.MultiheadAttention(embed_dim, num_heads, dropout, batch_first=True).
//   B = batch, Tq = queries, Tk = keys, E = embed_dim, H = heads, hd = E / H
#pragma once

#include <memory>

#include "layers/linear.h"

namespace attend {

class MultiheadAttention : public Module {
 public:
  // dropout_gen is needed only when dropout > 0.
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, Generator& gen, float dropout = 0.0f,
                     bool bias = true, std::shared_ptr<Generator> dropout_gen = nullptr);

  struct Output {
    Tensor output;   // [B, Tq, E]
    Tensor weights;  // [B, Tq, Tk] averaged over heads, or [B, H, Tq, Tk]; undefined if not needed
  };
  // query [B, Tq, E], key and value [B, Tk, E]; key_padding_mask [B, Tk] nonzero = padding;
  // attn_mask additive [Tq, Tk] (e.g. causal_mask(T)). Self-attention (query, key and value the
  // same tensor) projects all three in one matrix product.
  Output forward(const Tensor& query, const Tensor& key, const Tensor& value,
                 const Tensor& key_padding_mask = Tensor(), const Tensor& attn_mask = Tensor(),
                 bool need_weights = true, bool average_attn_weights = true);
  std::string type_name() const override { return "MultiheadAttention"; }
  std::string extra_repr() const override;

  int64_t embed_dim, num_heads;
  float dropout;
  Tensor in_proj_weight;  // [3E, E]: rows q, k, v
  Tensor in_proj_bias;    // [3E]
  std::shared_ptr<Linear> out_proj;

 private:
  std::shared_ptr<Generator> dropout_gen_;
};

}  // namespace attend
