#include "layers/attention.h"

#include <cmath>

namespace attend {

namespace {

void check_qkv(const Tensor& q, const Tensor& k, const Tensor& v, const char* who) {
  if (q.ndim() != 3 || k.ndim() != 3 || v.ndim() != 3 || q.size(0) != k.size(0) ||
      k.size(0) != v.size(0) || k.size(1) != v.size(1))
    throw ShapeError(std::string(who) + ": query " + q.shape().str() + ", keys " + k.shape().str() +
                     " and values " + v.shape().str() +
                     " must be [B, Tq, Dq], [B, Tk, Dk], [B, Tk, Dv]");
}

// weights = softmax(scores + mask) over keys; context = weights @ values.
AttentionResult finish(const Tensor& scores, const Tensor& values, const Tensor& key_padding_mask,
                       const Tensor& attn_mask) {
  Tensor mask = combine_masks(key_padding_mask, attn_mask);
  Tensor w = softmax(mask.defined() ? scores + mask : scores, -1);  // [B, Tq, Tk]
  return {matmul(w, values), w};
}

}  // namespace

Tensor combine_masks(const Tensor& key_padding_mask, const Tensor& attn_mask) {
  Tensor m;
  if (key_padding_mask.defined())
    m = reshape(padding_mask(key_padding_mask), {key_padding_mask.size(0), 1, -1});
  if (attn_mask.defined()) m = m.defined() ? m + attn_mask : attn_mask;
  return m;
}

AdditiveAttention::AdditiveAttention(int64_t query_dim, int64_t key_dim, int64_t attn_dim,
                                     Generator& gen) {
  query_proj =
      register_module("query_proj", std::make_shared<Linear>(query_dim, attn_dim, gen, true));
  key_proj = register_module("key_proj", std::make_shared<Linear>(key_dim, attn_dim, gen, false));
  const float bound = 1.0f / std::sqrt(static_cast<float>(attn_dim));
  v = register_parameter("v", uniform({attn_dim}, -bound, bound, gen));
}

AttentionResult AdditiveAttention::attend_precomputed(const Tensor& query, const Tensor& pkeys,
                                                      const Tensor& values,
                                                      const Tensor& key_padding_mask,
                                                      const Tensor& attn_mask) {
  check_qkv(query, pkeys, values, "AdditiveAttention");
  Tensor scores = additive_attention_score(query_proj->forward(query), pkeys, v);  // [B, Tq, Tk]
  return finish(scores, values, key_padding_mask, attn_mask);
}

std::string AdditiveAttention::extra_repr() const {
  return "query_dim=" + std::to_string(query_proj->in_features) +
         ", key_dim=" + std::to_string(key_proj->in_features) +
         ", attn_dim=" + std::to_string(v.numel());
}

LuongAttention::LuongAttention(Kind k, int64_t query_dim, int64_t key_dim, Generator& gen)
    : kind(k) {
  if (k == Kind::kDot && query_dim != key_dim)
    throw std::invalid_argument("LuongAttention: dot scores need equal query and key sizes, got " +
                                std::to_string(query_dim) + " and " + std::to_string(key_dim) +
                                " (use general)");
  if (k == Kind::kGeneral)
    key_proj =
        register_module("key_proj", std::make_shared<Linear>(key_dim, query_dim, gen, false));
}

Tensor LuongAttention::precompute_keys(const Tensor& keys) {
  return kind == Kind::kGeneral ? key_proj->forward(keys) : keys;  // W k: [B, Tk, Dq]
}

AttentionResult LuongAttention::attend_precomputed(const Tensor& query, const Tensor& pkeys,
                                                   const Tensor& values,
                                                   const Tensor& key_padding_mask,
                                                   const Tensor& attn_mask) {
  check_qkv(query, pkeys, values, "LuongAttention");
  Tensor scores = matmul(query, pkeys, false, /*transpose_b=*/true);  // [B, Tq, Tk]
  return finish(scores, values, key_padding_mask, attn_mask);
}

std::string LuongAttention::extra_repr() const {
  return kind == Kind::kDot ? "score=dot" : "score=general";
}

AttentionResult ScaledDotProductAttention::attend_precomputed(const Tensor& query,
                                                              const Tensor& keys,
                                                              const Tensor& values,
                                                              const Tensor& key_padding_mask,
                                                              const Tensor& attn_mask) {
  check_qkv(query, keys, values, "ScaledDotProductAttention");
  auto r =
      scaled_dot_product_attention(query, keys, values, combine_masks(key_padding_mask, attn_mask));
  return {r[0], r[1]};
}

}  // namespace attend
