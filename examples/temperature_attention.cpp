#include "examples/temperature_attention.h"

#include <cstdio>
#include <stdexcept>
#include <vector>

#include "autograd/sample_inputs.h"
#include "examples/ops_softplus.h"
#include "layers/layer_info.h"

namespace attend::examples {

TemperatureAttention::TemperatureAttention(int64_t query_dim, int64_t key_dim,
                                           float initial_temperature, Generator& gen) {
  if (!(initial_temperature > 0))
    throw std::invalid_argument("TemperatureAttention: initial_temperature must be > 0, got " +
                                std::to_string(initial_temperature));
  // Registered parameters and submodules are what named_parameters(), the optimizer, zero_grad()
  // and checkpoints see: "key_proj.weight" and "raw_temperature".
  key_proj = register_module("key_proj", std::make_shared<Linear>(key_dim, query_dim, gen,
                                                                  /*bias=*/false));
  raw_temperature = register_parameter("raw_temperature",
                                       full({1}, softplus_inverse(initial_temperature)));  // [1]
}

Tensor TemperatureAttention::temperature() const {
  return softplus(raw_temperature);  // [1]
}

AttentionResult TemperatureAttention::forward(const Tensor& query, const Tensor& keys,
                                              const Tensor& values, const Tensor& key_padding_mask,
                                              const Tensor& attn_mask) {
  if (keys.ndim() != 3 || keys.size(2) != key_proj->in_features)
    throw ShapeError("TemperatureAttention: keys must be [B, Tk, " +
                     std::to_string(key_proj->in_features) + "], got " + keys.shape().str());
  return attend_precomputed(query, precompute_keys(keys), values, key_padding_mask, attn_mask);
}

Tensor TemperatureAttention::precompute_keys(const Tensor& keys) {
  return key_proj->forward(keys);  // [B, Tk, Dk] -> [B, Tk, Dq]
}

AttentionResult TemperatureAttention::attend_precomputed(const Tensor& query, const Tensor& pkeys,
                                                         const Tensor& values,
                                                         const Tensor& key_padding_mask,
                                                         const Tensor& attn_mask) {
  const int64_t dq = key_proj->out_features;
  if (query.ndim() != 3 || pkeys.ndim() != 3 || values.ndim() != 3 || query.size(2) != dq ||
      pkeys.size(2) != dq || query.size(0) != pkeys.size(0) || pkeys.size(0) != values.size(0) ||
      pkeys.size(1) != values.size(1))
    throw ShapeError("TemperatureAttention: query " + query.shape().str() + ", projected keys " +
                     pkeys.shape().str() + " and values " + values.shape().str() +
                     " must be [B, Tq, " + std::to_string(dq) + "], [B, Tk, " + std::to_string(dq) +
                     "], [B, Tk, Dv]");
  // combine_masks (layers/attention.h) does not check the padding mask's shape: check it here.
  if (key_padding_mask.defined() &&
      !(key_padding_mask.shape() == Shape{query.size(0), pkeys.size(1)}))
    throw ShapeError("TemperatureAttention: key_padding_mask " + key_padding_mask.shape().str() +
                     " must be [B, Tk] = [" + std::to_string(query.size(0)) + ", " +
                     std::to_string(pkeys.size(1)) + "]");
  // q^T (W k) for every query and key in one batched product, without copying a transpose.
  Tensor scores = matmul(query, pkeys, false, /*transpose_b=*/true);  // [B, Tq, Tk]
  scores = scores / temperature();                           // [B, Tq, Tk] / [1] broadcasts
  Tensor mask = combine_masks(key_padding_mask, attn_mask);  // [B, 1 or Tq, Tk], 0 or -inf
  Tensor weights = softmax(mask.defined() ? scores + mask : scores, -1);  // [B, Tq, Tk]
  return {matmul(weights, values), weights};                              // [B, Tq, Dv]
}

std::string TemperatureAttention::extra_repr() const {
  NoGradGuard no_grad;  // printing records nothing
  char tau[32];
  std::snprintf(tau, sizeof tau, "%.4g", static_cast<double>(temperature().item()));
  return "query_dim=" + std::to_string(key_proj->out_features) +
         ", key_dim=" + std::to_string(key_proj->in_features) + ", temperature=" + tau;
}

// The layer's descriptor (layers/layer_info.h): the samples `attend-examples gradcheck` and
// examples/test_temperature_attention.cpp check against finite differences. Query [B, Tq, Dq],
// keys [B, Tk, Dk] and values [B, Tk, Dv] with B = 2, Tq = 3, Tk = 4, Dq = 5, Dk = 6, Dv = 3; the
// second sentence's last key is padding.
const LayerInfo temperature_attention_layer{
    .name = "TemperatureAttention", .kind = OpKind::kLayer, .samples = [] {
      std::vector<Sample> out;
      const Tensor padding = key_padding({4, 3}, 4);
      // Every parameter, the temperature included, at three temperatures, the inputs constants
      // (drawn without requires_grad): the context.
      for (float tau : {0.5f, 1.0f, 3.0f}) {
        Generator gen(3), in(2);
        auto m = std::make_shared<TemperatureAttention>(5, 6, tau, gen);
        const Tensor q = uniform({2, 3, 5}, -1, 1, in), k = uniform({2, 4, 6}, -1, 1, in),
                     v = uniform({2, 4, 3}, -1, 1, in);
        out.push_back(layer_sample("parameters at temperature " + format_g(tau), m,
                                   {{"query", q}, {"keys", k}, {"values", v}},
                                   [m, padding](const Inputs& x) {
                                     return m->forward(x[0], x[1], x[2], padding).context;
                                   }));
      }
      // The inputs as well, through the weights as well as the context: both are outputs a model
      // may use.
      Generator gen(6), in(5);
      auto m = std::make_shared<TemperatureAttention>(5, 6, 0.7f, gen);
      Tensor q = uniform({2, 3, 5}, -1, 1, in), k = uniform({2, 4, 6}, -1, 1, in),
             v = uniform({2, 4, 3}, -1, 1, in);
      for (Tensor* t : {&q, &k, &v}) t->requires_grad_();
      out.push_back(layer_sample("inputs and parameters, context and weights", m,
                                 {{"query", q}, {"keys", k}, {"values", v}},
                                 [m, padding](const Inputs& x) {
                                   AttentionResult a = m->forward(x[0], x[1], x[2], padding);
                                   return cat_flat({a.context, a.weights});
                                 }));
      return out;
    }};

namespace {
// Registers the descriptor before main() runs, as ops_softplus.cpp registers its op (see there).
const bool registered = (register_layer(temperature_attention_layer), true);
}  // namespace

}  // namespace attend::examples
