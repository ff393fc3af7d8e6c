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
  // Shares weight [out, in] with another module's parameter, e.g. an Embedding table [V, d] as
  // the output projection d -> V (Press & Wolf 2017). The bias stays this layer's own.
  void tie_weight(const Tensor& shared) { weight = tie_parameter("weight", shared); }
  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override;

  int64_t in_features, out_features;
  Tensor weight;  // [out, in]
  Tensor bias;    // [out] or undefined
};

}  // namespace attend
