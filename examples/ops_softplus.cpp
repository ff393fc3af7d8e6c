// softplus: its descriptor, the forward, then its backward closure right below it (STYLE.md,
// habit 1), and the line that registers the descriptor.
#include "examples/ops_softplus.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/creation.h"
#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/profiler.h"
#include "autograd/sample_inputs.h"

namespace attend::examples {

namespace {

// sigmoid(z) without overflow: exp() only ever sees -|z|, so it lies in (0, 1].
float stable_sigmoid(float z) {
  if (z >= 0) return 1.0f / (1.0f + std::exp(-z));
  const float e = std::exp(z);
  return e / (1.0f + e);
}

}  // namespace

// The descriptor (autograd/op_info.h): the name that record() gives the graph node, the profiler
// its row and `attend gradcheck` its check, and the inputs to check the gradient on. Several
// shapes and betas, and the numerically hard regions: far negative (tiny gradients), around the
// threshold (the switch to the linear form at beta x = 20, for beta = 1 and 2), and far positive
// with the threshold off (exp(-|z|) tiny, results near 100 where float's spacing is 8e-6).
const OpInfo softplus_op{
    .name = "softplus", .samples = [] {
      std::vector<Sample> out;
      uint64_t seed = 1;
      for (const Shape& shape : {Shape{7}, Shape{3, 4}, Shape{2, 3, 5}})
        for (float beta : {1.0f, 2.0f, 0.5f})
          out.push_back({.name = shape.str() + " in [-4, 4], beta " + format_g(beta),
                         .inputs = {make_input(shape, seed++, -4.0f, 4.0f)},
                         .f = [beta](const Inputs& x) { return softplus(x[0], beta); }});
      auto hard = [&out](const std::string& name, const std::vector<float>& values,
                         const Shape& shape, float beta, float threshold) {
        Tensor x = from_vector(values, shape);
        x.requires_grad_();
        out.push_back(
            {.name = name + ", beta " + format_g(beta),
             .inputs = {x},
             .f = [beta, threshold](const Inputs& v) { return softplus(v[0], beta, threshold); }});
      };
      const std::vector<float> negative = {-40.0f, -30.0f, -25.0f, -17.5f, -12.0f};
      const std::vector<float> around = {18.5f, 19.5f, 20.5f, 21.0f, 9.7f, 10.3f};
      hard("far negative", negative, {5}, 1.0f, 20.0f);
      hard("far negative", negative, {5}, 0.5f, 20.0f);
      hard("around the threshold", around, {2, 3}, 1.0f, 20.0f);
      hard("around the threshold", around, {2, 3}, 2.0f, 20.0f);
      hard("far positive, no threshold", {30.0f, 60.0f, 87.0f, 95.0f}, {2, 2}, 1.0f,
           std::numeric_limits<float>::infinity());
      return out;
    }};

Tensor softplus(const Tensor& x, float beta, float threshold) {
  if (!(beta > 0))
    throw std::invalid_argument("softplus: beta must be > 0, got " + std::to_string(beta));
  // attend --profile: this forward's time and calls appear as the row "softplus" (the backward's
  // row comes from the engine, named after the descriptor record() is given).
  ProfileScope profile_scope(softplus_op.name);
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
  return record(softplus_op, out, {&x}, [saved_x, beta, threshold](const Tensor& grad) {
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

namespace {
// Registers the descriptor before main() runs (record() accepts only registered ones, and `attend
// gradcheck` lists them). It touches only the registry, built on first use, so the order of
// static initialisers does not matter; examples/CMakeLists.txt makes this an OBJECT library so
// the linker keeps this file (a static archive would drop it: nothing refers to `registered`).
const bool registered = (register_op(softplus_op), true);
}  // namespace

}  // namespace attend::examples
