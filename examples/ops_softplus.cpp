// softplus: the forward, then its backward closure right below it (STYLE.md, habit 1).
#include "examples/ops_softplus.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/node.h"
#include "autograd/profiler.h"

namespace attend::examples {

namespace {

// sigmoid(z) without overflow: exp() only ever sees -|z|, so it lies in (0, 1].
float stable_sigmoid(float z) {
  if (z >= 0) return 1.0f / (1.0f + std::exp(-z));
  const float e = std::exp(z);
  return e / (1.0f + e);
}

}  // namespace

Tensor softplus(const Tensor& x, float beta, float threshold) {
  if (!(beta > 0))
    throw std::invalid_argument("softplus: beta must be > 0, got " + std::to_string(beta));
  // attend --profile: this forward's time and calls appear as the row "softplus" (the backward's
  // row comes from the engine, named after record()'s first argument).
  ProfileScope profile_scope("softplus");
  // x [*] -> out [*]
  Tensor out = Tensor::empty(x.shape());
  const float* px = x.data();
  float* po = out.data();
  for (int64_t i = 0, n = x.numel(); i < n; ++i) {
    const float z = beta * px[i];
    // The textbook log(1 + exp(z)) is inf past z = 88 (exp overflows float) and 0 below z = -17
    // (1 + exp(z) rounds to 1). The same value written as max(z, 0) + log1p(exp(-|z|)) never
    // overflows, and log1p keeps the tiny result for very negative z.
    po[i] =
        z > threshold ? px[i] : (std::max(z, 0.0f) + std::log1p(std::exp(-std::fabs(z)))) / beta;
  }
  // The backward needs x (for sigmoid(beta x)) and nothing else. A detached copy shares x's data
  // without keeping x's own graph alive from this closure.
  Tensor saved_x = x.detach();
  return record("softplus", out, {&x}, [saved_x, beta, threshold](const Tensor& grad) {
    // grad [*] (the gradient of the loss with respect to out) -> grad_x [*]
    // d/dx (1/beta) log(1 + exp(beta x)) = exp(beta x) / (1 + exp(beta x)) = sigmoid(beta x);
    // in the linear region above the threshold the forward is x, so the derivative is 1.
    Tensor grad_x = Tensor::empty(grad.shape());
    const float* pg = grad.data();
    const float* sx = saved_x.data();
    float* pgx = grad_x.data();
    for (int64_t i = 0, n = grad.numel(); i < n; ++i) {
      const float z = beta * sx[i];
      pgx[i] = z > threshold ? pg[i] : pg[i] * stable_sigmoid(z);
    }
    return std::vector<Tensor>{grad_x};  // one gradient per input, in input order
  });
}

float softplus_inverse(float y, float beta) {
  if (!(y > 0) || !(beta > 0))
    throw std::invalid_argument("softplus_inverse: y and beta must be > 0, got y = " +
                                std::to_string(y) + ", beta = " + std::to_string(beta));
  // x = log(exp(beta y) - 1) / beta = y + log(1 - exp(-beta y)) / beta: no overflow for large y,
  // and expm1 keeps 1 - exp(-beta y) exact for small y.
  return y + std::log(-std::expm1(-beta * y)) / beta;
}

}  // namespace attend::examples
