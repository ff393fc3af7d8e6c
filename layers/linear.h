// Linear: y = x W^T + b, with PyTorch's parameter names, shapes and initialisation.
#pragma once

#include "layers/module.h"

namespace attend {

class Linear : public UnaryModule {
 public:
  // weight [out, in] and bias [out] ~ U(-1/sqrt(in), 1/sqrt(in)), as torch.nn.Linear.
  Linear(int64_t in_features, int64_t out_features, Generator& gen, bool bias = true);
  Tensor forward(const Tensor& x) override {
    return linear(x, weight, bias);
  }  // [..., in] -> [..., out]
  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override;

  int64_t in_features, out_features;
  Tensor weight;  // [out, in]
  Tensor bias;    // [out] or undefined
};

}  // namespace attend
