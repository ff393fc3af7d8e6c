#include "layers/multihead_attention.h"

#include <cmath>

namespace attend {

MultiheadAttention::MultiheadAttention(int64_t e, int64_t h, Generator& gen, float p, bool bias,
                                       std::shared_ptr<Generator> dropout_gen)
    : embed_dim(e), num_heads(h), dropout(p), dropout_gen_(std::move(dropout_gen)) {
  if (h < 1 || e % h != 0)
    throw std::invalid_argument("MultiheadAttention: embed_dim " + std::to_string(e) +
                                " must be divisible by num_heads " + std::to_string(h));
  if (p > 0 && !dropout_gen_)
    throw std::invalid_argument("MultiheadAttention: dropout needs a generator");
  // PyTorch's _reset_parameters: xavier_uniform_ on in_proj_weight, zero biases; out_proj keeps
  // Linear's default weight init.
  const float a = std::sqrt(6.0f / static_cast<float>(e + 3 * e));
  in_proj_weight = register_parameter("in_proj_weight", uniform({3 * e, e}, -a, a, gen));
  if (bias) in_proj_bias = register_parameter("in_proj_bias", zeros({3 * e}));
  out_proj = register_module("out_proj", std::make_shared<Linear>(e, e, gen, bias));
  if (bias) fill_(out_proj->bias, 0.0f);
}

MultiheadAttention::Output MultiheadAttention::forward(const Tensor& query, const Tensor& key,
                                                       const Tensor& value,
                                                       const Tensor& key_padding_mask,
                                                       const Tensor& attn_mask, bool need_weights,
                                                       bool average_attn_weights) {
  const int64_t E = embed_dim, H = num_heads, hd = E / H;
  if (query.ndim() != 3 || key.ndim() != 3 || value.ndim() != 3 || query.size(2) != E ||
      key.size(2) != E || value.size(2) != E || key.size(0) != query.size(0) ||
      value.size(0) != query.size(0) || key.size(1) != value.size(1))
    throw ShapeError("MultiheadAttention: query " + query.shape().str() + ", key " +
                     key.shape().str() + " and value " + value.shape().str() + " must be [B, Tq, " +
                     std::to_string(E) + "], [B, Tk, " + std::to_string(E) + "] (batch_first)");
  const int64_t B = query.size(0), Tq = query.size(1), Tk = key.size(1);
  Tensor q, k, v;
  auto rows = [&](const Tensor& t, int64_t from, int64_t n) {
    return t.defined() ? narrow(t, 0, from, n) : Tensor();
  };
  if (query.is_same(key) && key.is_same(value)) {
    // [B, T, 3E] -> three [B, T, E]
    auto qkv = unbind(reshape(linear(query, in_proj_weight, in_proj_bias), {B, Tq, 3, E}), 2);
    q = qkv[0], k = qkv[1], v = qkv[2];
  } else {
    q = linear(query, rows(in_proj_weight, 0, E), rows(in_proj_bias, 0, E));
    if (key.is_same(value)) {  // encoder-decoder attention: keys and values from the same memory
      auto kv =
          unbind(reshape(linear(key, rows(in_proj_weight, E, 2 * E), rows(in_proj_bias, E, 2 * E)),
                         {B, Tk, 2, E}),
                 2);
      k = kv[0], v = kv[1];
    } else {
      k = linear(key, rows(in_proj_weight, E, E), rows(in_proj_bias, E, E));
      v = linear(value, rows(in_proj_weight, 2 * E, E), rows(in_proj_bias, 2 * E, E));
    }
  }
  // [B, T, E] -> [B, H, T, hd]
  auto heads = [&](const Tensor& t, int64_t T) {
    return permute(reshape(t, {B, T, H, hd}), {0, 2, 1, 3});
  };
  Tensor mask;
  if (key_padding_mask.defined()) {
    if (!(key_padding_mask.shape() == Shape{B, Tk}))
      throw ShapeError("MultiheadAttention: key_padding_mask of shape " +
                       key_padding_mask.shape().str() + " must be [" + std::to_string(B) + ", " +
                       std::to_string(Tk) + "]");
    mask = padding_mask(key_padding_mask);  // [B, 1, 1, Tk]
  }
  if (attn_mask.defined()) {
    if (!(attn_mask.shape() == Shape{Tq, Tk}))
      throw ShapeError("MultiheadAttention: attn_mask of shape " + attn_mask.shape().str() +
                       " must be [" + std::to_string(Tq) + ", " + std::to_string(Tk) + "]");
    mask = mask.defined() ? mask + attn_mask : attn_mask;
  }
  const float p = is_training() ? dropout : 0.0f;
  auto attn = scaled_dot_product_attention(heads(q, Tq), heads(k, Tk), heads(v, Tk), mask, p,
                                           dropout_gen_.get());
  Tensor merged = reshape(permute(attn[0], {0, 2, 1, 3}), {B, Tq, E});  // [B, Tq, E]
  Output out{out_proj->forward(merged), Tensor()};
  if (need_weights) out.weights = average_attn_weights ? mean(attn[1], 1) : attn[1];
  return out;
}

std::string MultiheadAttention::extra_repr() const {
  return "embed_dim=" + std::to_string(embed_dim) + ", num_heads=" + std::to_string(num_heads);
}

}  // namespace attend
