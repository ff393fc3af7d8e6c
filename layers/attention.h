// Attention over a set of keys for encoder-decoder models: Bahdanau's additive attention,
// Luong's multiplicative attention (dot and general), and scaled dot-product attention. Each
// returns the context and the attention weights.
//   B = batch, Tq = queries (1 for one decoder step), Tk = keys (source positions)
// Masks: key_padding_mask [B, Tk] with nonzero = padding (ignored), as PyTorch's
// nn.MultiheadAttention; attn_mask additive [Tq, Tk] (0 or -inf, e.g. causal_mask()).
#pragma once

#include "layers/linear.h"

namespace attend {

struct AttentionResult {
  Tensor context;  // [B, Tq, Dv]
  Tensor weights;  // [B, Tq, Tk]
};

// Any attention that maps queries over keys/values; models hold one and pick the kind by name.
class Attention : public Module {
 public:
  // query [B, Tq, Dq], keys [B, Tk, Dk], values [B, Tk, Dv]
  virtual AttentionResult forward(const Tensor& query, const Tensor& keys, const Tensor& values,
                                  const Tensor& key_padding_mask = Tensor(),
                                  const Tensor& attn_mask = Tensor()) = 0;
  // Keys transformed once per source sequence, reused at every decoder step (e.g. W_k k for
  // additive attention). Default: the keys themselves.
  virtual Tensor precompute_keys(const Tensor& keys) { return keys; }
  // forward() with keys already passed through precompute_keys().
  virtual AttentionResult attend_precomputed(const Tensor& query, const Tensor& pkeys,
                                             const Tensor& values,
                                             const Tensor& key_padding_mask = Tensor(),
                                             const Tensor& attn_mask = Tensor()) = 0;
};

// Bahdanau et al. 2015: score(q, k) = v^T tanh(W_q q + W_k k). W_q has a bias, W_k and v do not.
// Parameters: query_proj.weight [A, Dq], query_proj.bias [A], key_proj.weight [A, Dk], v [A].
class AdditiveAttention : public Attention {
 public:
  AdditiveAttention(int64_t query_dim, int64_t key_dim, int64_t attn_dim, Generator& gen);
  AttentionResult forward(const Tensor& query, const Tensor& keys, const Tensor& values,
                          const Tensor& key_padding_mask = Tensor(),
                          const Tensor& attn_mask = Tensor()) override;
  Tensor precompute_keys(const Tensor& keys) override {
    return key_proj->forward(keys);
  }  // [B, Tk, A]
  AttentionResult attend_precomputed(const Tensor& query, const Tensor& pkeys, const Tensor& values,
                                     const Tensor& key_padding_mask = Tensor(),
                                     const Tensor& attn_mask = Tensor()) override;
  std::string type_name() const override { return "AdditiveAttention"; }
  std::string extra_repr() const override;

  std::shared_ptr<Linear> query_proj, key_proj;
  Tensor v;  // [A]
};

// Luong et al. 2015: score(q, k) = q . k ("dot") or q^T W k ("general"; W = key_proj.weight
// [Dq, Dk], applied to the keys once).
class LuongAttention : public Attention {
 public:
  enum class Kind { kDot, kGeneral };
  LuongAttention(Kind kind, int64_t query_dim, int64_t key_dim, Generator& gen);
  AttentionResult forward(const Tensor& query, const Tensor& keys, const Tensor& values,
                          const Tensor& key_padding_mask = Tensor(),
                          const Tensor& attn_mask = Tensor()) override;
  Tensor precompute_keys(const Tensor& keys) override;
  AttentionResult attend_precomputed(const Tensor& query, const Tensor& pkeys, const Tensor& values,
                                     const Tensor& key_padding_mask = Tensor(),
                                     const Tensor& attn_mask = Tensor()) override;
  std::string type_name() const override { return "LuongAttention"; }
  std::string extra_repr() const override;

  Kind kind;
  std::shared_ptr<Linear> key_proj;  // general only
};

// softmax(q k^T / sqrt(d) + mask) v as one fused op (no parameters).
class ScaledDotProductAttention : public Attention {
 public:
  AttentionResult forward(const Tensor& query, const Tensor& keys, const Tensor& values,
                          const Tensor& key_padding_mask = Tensor(),
                          const Tensor& attn_mask = Tensor()) override {
    return attend_precomputed(query, keys, values, key_padding_mask, attn_mask);
  }
  AttentionResult attend_precomputed(const Tensor& query, const Tensor& keys, const Tensor& values,
                                     const Tensor& key_padding_mask = Tensor(),
                                     const Tensor& attn_mask = Tensor()) override;
  std::string type_name() const override { return "ScaledDotProductAttention"; }
};

// weights = softmax(scores + masks) over the keys, context = weights @ values: how every attention
// here ends. scores [B, Tq, Tk], values [B, Tk, Dv].
AttentionResult attention_from_scores(const Tensor& scores, const Tensor& values,
                                      const Tensor& key_padding_mask = Tensor(),
                                      const Tensor& attn_mask = Tensor());

// The additive mask [B, 1 or Tq, Tk] combining a key_padding_mask [B, Tk] and an attn_mask
// [Tq, Tk] (either may be undefined; both undefined gives undefined).
Tensor combine_masks(const Tensor& key_padding_mask, const Tensor& attn_mask);

}  // namespace attend
