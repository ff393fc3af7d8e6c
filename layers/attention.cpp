#include "layers/attention.h"

#include <cmath>

namespace attend {

namespace {

// Validates query [B, Tq, Dq], keys [B, Tk, Dk], values [B, Tk, Dv] and the masks, naming the
// layer; query_dim / key_dim < 0 skip the feature-size check.
void check_inputs(const char* who, const Tensor& q, const Tensor& k, const Tensor& v,
                  const Tensor& key_padding_mask, const Tensor& attn_mask, int64_t query_dim = -1,
                  int64_t key_dim = -1, const char* keys_name = "keys") {
  const bool ok = q.ndim() == 3 && k.ndim() == 3 && v.ndim() == 3 && q.size(0) == k.size(0) &&
                  k.size(0) == v.size(0) && k.size(1) == v.size(1) &&
                  (query_dim < 0 || q.size(2) == query_dim) &&
                  (key_dim < 0 || k.size(2) == key_dim);
  if (!ok)
    throw ShapeError(std::string(who) + ": query " + q.shape().str() + ", " + keys_name + " " +
                     k.shape().str() + " and values " + v.shape().str() + " must be [B, Tq, " +
                     (query_dim < 0 ? std::string("Dq") : std::to_string(query_dim)) +
                     "], [B, Tk, " + (key_dim < 0 ? std::string("Dk") : std::to_string(key_dim)) +
                     "], [B, Tk, Dv]");
  if (key_padding_mask.defined() && !(key_padding_mask.shape() == Shape{q.size(0), k.size(1)}))
    throw ShapeError(std::string(who) + ": key_padding_mask of shape " +
                     key_padding_mask.shape().str() + " must be [" + std::to_string(q.size(0)) +
                     ", " + std::to_string(k.size(1)) + "] (batch, keys)");
  if (attn_mask.defined() && !(attn_mask.shape() == Shape{q.size(1), k.size(1)}))
    throw ShapeError(std::string(who) + ": attn_mask of shape " + attn_mask.shape().str() +
                     " must be [" + std::to_string(q.size(1)) + ", " + std::to_string(k.size(1)) +
                     "] (queries, keys)");
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

AttentionResult AdditiveAttention::forward(const Tensor& query, const Tensor& keys,
                                           const Tensor& values, const Tensor& key_padding_mask,
                                           const Tensor& attn_mask) {
  check_inputs("AdditiveAttention", query, keys, values, key_padding_mask, attn_mask,
               query_proj->in_features, key_proj->in_features);
  return attend_precomputed(query, precompute_keys(keys), values, key_padding_mask, attn_mask);
}

AttentionResult AdditiveAttention::attend_precomputed(const Tensor& query, const Tensor& pkeys,
                                                      const Tensor& values,
                                                      const Tensor& key_padding_mask,
                                                      const Tensor& attn_mask) {
  check_inputs("AdditiveAttention", query, pkeys, values, key_padding_mask, attn_mask,
               query_proj->in_features, v.numel(), "projected keys");
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

AttentionResult LuongAttention::forward(const Tensor& query, const Tensor& keys,
                                        const Tensor& values, const Tensor& key_padding_mask,
                                        const Tensor& attn_mask) {
  const int64_t qd = key_proj ? key_proj->out_features : -1,
                kd = key_proj ? key_proj->in_features : -1;
  check_inputs("LuongAttention", query, keys, values, key_padding_mask, attn_mask, qd, kd);
  return attend_precomputed(query, precompute_keys(keys), values, key_padding_mask, attn_mask);
}

Tensor LuongAttention::precompute_keys(const Tensor& keys) {
  return kind == Kind::kGeneral ? key_proj->forward(keys) : keys;  // W k: [B, Tk, Dq]
}

AttentionResult LuongAttention::attend_precomputed(const Tensor& query, const Tensor& pkeys,
                                                   const Tensor& values,
                                                   const Tensor& key_padding_mask,
                                                   const Tensor& attn_mask) {
  check_inputs("LuongAttention", query, pkeys, values, key_padding_mask, attn_mask,
               key_proj ? key_proj->out_features : pkeys.size(-1),
               key_proj ? key_proj->out_features : query.size(-1), "projected keys");
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
  check_inputs("ScaledDotProductAttention", query, keys, values, key_padding_mask, attn_mask, -1,
               query.size(-1));
  auto r =
      scaled_dot_product_attention(query, keys, values, combine_masks(key_padding_mask, attn_mask));
  return {r[0], r[1]};
}

}  // namespace attend
