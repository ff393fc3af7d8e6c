// Example layer (docs/extending.md, step 2): attention whose softmax temperature is learned.
//   B = batch, Tq = queries, Tk = keys, Dq = query size, Dk = key size, Dv = value size
//
//   score(q, k) = q^T W k / tau      W [Dq, Dk] (Luong's "general" score), tau > 0 a scalar
//   weights     = softmax over the keys of score (+ mask)
//   context     = weights @ values
//
// tau = 1 is Luong's general attention and tau = sqrt(Dk) the Transformer's scaling; here the model
// learns it: a small tau makes the weights peaked (close to a hard choice of one key), a large one
// spreads them out. The parameter is raw_temperature, and tau = softplus(raw_temperature) (the
// example op of step 1), so tau stays positive whatever value the optimizer gives the parameter.
#pragma once

#include <memory>
#include <string>

#include "layers/attention.h"

namespace attend::examples {

class TemperatureAttention : public Attention {
 public:
  // Parameters: key_proj.weight [Dq, Dk] ~ U(-1/sqrt(Dk), 1/sqrt(Dk)), as nn.Linear; and
  // raw_temperature [1], set so that tau starts at initial_temperature (> 0).
  TemperatureAttention(int64_t query_dim, int64_t key_dim, float initial_temperature,
                       Generator& gen);

  // query [B, Tq, Dq], keys [B, Tk, Dk], values [B, Tk, Dv]; key_padding_mask [B, Tk] (nonzero =
  // padding) and attn_mask [Tq, Tk] (additive) may be undefined.
  //   -> {context [B, Tq, Dv], weights [B, Tq, Tk]}
  AttentionResult forward(const Tensor& query, const Tensor& keys, const Tensor& values,
                          const Tensor& key_padding_mask = Tensor(),
                          const Tensor& attn_mask = Tensor()) override;
  // W k for all keys at once: keys [B, Tk, Dk] -> [B, Tk, Dq]. A decoder calls it once per source
  // sentence and attend_precomputed() at every step.
  Tensor precompute_keys(const Tensor& keys) override;
  AttentionResult attend_precomputed(const Tensor& query, const Tensor& pkeys, const Tensor& values,
                                     const Tensor& key_padding_mask = Tensor(),
                                     const Tensor& attn_mask = Tensor()) override;

  // tau = softplus(raw_temperature): [1], in the graph (so a loss may use it too).
  Tensor temperature() const;

  std::string type_name() const override { return "TemperatureAttention"; }
  std::string extra_repr() const override;

  std::shared_ptr<Linear> key_proj;  // W: weight [Dq, Dk], no bias
  Tensor raw_temperature;            // [1]
};

}  // namespace attend::examples
