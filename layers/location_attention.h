// Location-aware attention (Chorowski et al. 2015, "Attention-Based Models for Speech
// Recognition", section 2.2): the score of key j at decoder step i sees the previous step's
// alignment a_{i-1} through k convolution filters F of width r, so the decoder can find where it
// attended last and move on from there, which content alone cannot tell apart when the same
// sound (a repeated digit) occurs twice:
//   f_i = F * a_{i-1}                                    [Tk, k]
//   e_{i,j} = w^T tanh(W s_i + V h_j + U f_{i,j} + b)    a_i = softmax_j(e_i) over unpadded keys
//   B = batch, Tq = decoder steps, Tk = keys (encoder frames), Dq = query (decoder state) size,
//   Dk = key size, A = attention size, k = location filters, r = filter width (odd)
// Parameters (names as AdditiveAttention's where they mean the same): query_proj.weight [A, Dq]
// and query_proj.bias [A] (W and b), key_proj.weight [A, Dk] (V), location_conv.weight [k, 1, r]
// (F, zero-padded by r / 2 on both sides so f has Tk positions), location_proj.weight [A, k] (U),
// v [A] (w).
#pragma once

#include "layers/attention.h"
#include "layers/conv.h"

namespace attend {

class LocationAwareAttention : public Attention {
 public:
  LocationAwareAttention(int64_t query_dim, int64_t key_dim, int64_t attn_dim, int64_t filters,
                         int64_t width, Generator& gen);

  // One decoder step. query [B, 1, Dq], pkeys = precompute_keys(keys) [B, Tk, A], values
  // [B, Tk, Dv], previous alignment [B, 1, Tk] (initial_alignment() before the first step).
  // attn_mask, if defined, is this step's row [1, Tk]. Returns the context [B, 1, Dv] and the new
  // alignment [B, 1, Tk], which the next step takes as `previous`.
  AttentionResult step(const Tensor& query, const Tensor& pkeys, const Tensor& values,
                       const Tensor& previous, const Tensor& key_padding_mask = Tensor(),
                       const Tensor& attn_mask = Tensor());
  // The alignment before the first step: uniform over each row's unpadded keys, [B, 1, Tk].
  static Tensor initial_alignment(int64_t batch, int64_t keys,
                                  const Tensor& key_padding_mask = Tensor());

  // Tq queries in order, each step's alignment feeding the next, from initial_alignment():
  // query [B, Tq, Dq] -> context [B, Tq, Dv], weights [B, Tq, Tk]. attn_mask [Tq, Tk].
  AttentionResult forward(const Tensor& query, const Tensor& keys, const Tensor& values,
                          const Tensor& key_padding_mask = Tensor(),
                          const Tensor& attn_mask = Tensor()) override;
  Tensor precompute_keys(const Tensor& keys) override { return key_proj->forward(keys); }
  AttentionResult attend_precomputed(const Tensor& query, const Tensor& pkeys, const Tensor& values,
                                     const Tensor& key_padding_mask = Tensor(),
                                     const Tensor& attn_mask = Tensor()) override;
  std::string type_name() const override { return "LocationAwareAttention"; }
  std::string extra_repr() const override;

  std::shared_ptr<Linear> query_proj, key_proj;
  std::shared_ptr<Conv1d> location_conv;
  std::shared_ptr<Linear> location_proj;
  Tensor v;  // [A]
};

}  // namespace attend
