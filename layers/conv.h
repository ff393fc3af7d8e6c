// Conv1d: a one-dimensional convolution with PyTorch's parameter names, shapes and
// initialisation (torch.nn.Conv1d with stride 1, dilation 1, groups 1, zero padding).
#pragma once

#include "layers/module.h"

namespace attend {

class Conv1d : public UnaryModule {
 public:
  // weight [out, in, kernel] and bias [out] ~ U(-1/sqrt(in * kernel), 1/sqrt(in * kernel)), as
  // torch.nn.Conv1d.
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Generator& gen,
         int64_t padding = 0, bool bias = true);
  // [B, in, T] -> [B, out, T + 2 padding - kernel + 1]
  Tensor forward(const Tensor& x) override { return conv1d(x, weight, bias, padding); }
  std::string type_name() const override { return "Conv1d"; }
  std::string extra_repr() const override;

  int64_t in_channels, out_channels, kernel_size, padding;
  Tensor weight;  // [out, in, kernel]
  Tensor bias;    // [out] or undefined
};

}  // namespace attend
