// LayerNorm over the last dimension, as torch.nn.LayerNorm(normalized_shape=dim); with bias false,
// a weight only (nanoGPT's LayerNorm(ndim, bias=False)).
#pragma once

#include "layers/module.h"

namespace attend {

class LayerNorm : public UnaryModule {
 public:
  explicit LayerNorm(int64_t dim, float eps = 1e-5f, bool elementwise_affine = true,
                     bool bias = true);
  Tensor forward(const Tensor& x) override {
    return layer_norm(x, weight, bias, eps);
  }  // [..., dim]
  std::string type_name() const override { return "LayerNorm"; }
  std::string extra_repr() const override;

  int64_t dim;
  float eps;
  Tensor weight;  // [dim], ones
  Tensor bias;    // [dim], zeros; undefined without it
};

}  // namespace attend
