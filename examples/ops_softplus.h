// Example op (docs/extending.md, step 1): softplus, a smooth relu that PyTorch has and attend's
// op library lacks. One free function: it computes the result eagerly and records a backward
// closure with record(), exactly as the ops in autograd/ops_*.cpp do.
#pragma once

#include "autograd/tensor.h"

namespace attend::examples {

// softplus(x) = (1/beta) * log(1 + exp(beta * x)), element-wise, as
// torch.nn.functional.softplus(x, beta, threshold): where beta * x > threshold the result is x
// itself (softplus(x) - x < 2e-9 there, below float precision).
//   x [*] -> [*], every element > 0 (or == 0 where exp(beta * x) underflows).
// Gradient: d softplus(x) / dx = sigmoid(beta * x). Throws std::invalid_argument unless beta > 0.
Tensor softplus(const Tensor& x, float beta = 1.0f, float threshold = 20.0f);

// The inverse, on plain floats: the x with softplus(x, beta) == y, for y > 0. Used to start a
// parameter that passes through softplus at a chosen value.
float softplus_inverse(float y, float beta = 1.0f);

}  // namespace attend::examples
