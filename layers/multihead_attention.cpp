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
  const int64_t E = embed_dim, H = num_heads;
  if (query.ndim() != 3 || key.ndim() != 3 || value.ndim() != 3 || query.size(2) != E ||
      key.size(2) != E || value.size(2) != E || key.size(0) != query.size(0) ||
      value.size(0) != query.size(0) || key.size(1) != value.size(1))
    throw ShapeError("MultiheadAttention: query " + query.shape().str() + ", key " +
                     key.shape().str() + " and value " + value.shape().str() + " must be [B, Tq, " +
                     std::to_string(E) + "], [B, Tk, " + std::to_string(E) + "] (batch_first)");
  const int64_t B = query.size(0), Tq = query.size(1), Tk = key.size(1);
  // The projections stay in the GEMMs' row layout: multi_head_attention reads each head's
  // columns in place (no unbind into q, k, v, no permute to [B, H, T, hd]).
  // Self-attention: one [B, T, 3E] projection holds queries, keys and values (columns 0, E, 2E).
  // Encoder-decoder attention: queries [B, Tq, E], keys and values of the memory [B, Tk, 2E].
  auto rows = [&](const Tensor& t, int64_t from, int64_t n) {
    return t.defined() ? narrow(t, 0, from, n) : Tensor();
  };
  Tensor q, k, v;
  int64_t q_col = 0, k_col = 0, v_col = 0;
  if (query.is_same(key) && key.is_same(value)) {
    q = k = v = linear(query, in_proj_weight, in_proj_bias);  // [B, T, 3E]
    k_col = E, v_col = 2 * E;
  } else {
    q = linear(query, rows(in_proj_weight, 0, E), rows(in_proj_bias, 0, E));  // [B, Tq, E]
    if (key.is_same(value)) {
      k = v = linear(key, rows(in_proj_weight, E, 2 * E), rows(in_proj_bias, E, 2 * E));
      v_col = E;  // [B, Tk, 2E]
    } else {
      k = linear(key, rows(in_proj_weight, E, E), rows(in_proj_bias, E, E));
      v = linear(value, rows(in_proj_weight, 2 * E, E), rows(in_proj_bias, 2 * E, E));
    }
  }
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
  // [B, Tq, E] (heads side by side) and weights [B, H, Tq, Tk]
  auto attn = multi_head_attention(q, q_col, k, k_col, v, v_col, H, E, mask, p, dropout_gen_.get());
  const Tensor& merged = attn[0];
  Output out{out_proj->forward(merged), Tensor()};
  if (need_weights) out.weights = average_attn_weights ? mean(attn[1], 1) : attn[1];
  return out;
}

std::string MultiheadAttention::extra_repr() const {
  return "embed_dim=" + std::to_string(embed_dim) + ", num_heads=" + std::to_string(num_heads);
}

}  // namespace attend
