// Reductions over all elements or along one dimension. Along dim, a tensor is viewed as
// [outer, n, inner] and reduced over n.
#include <cmath>
#include <limits>

#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/profiler.h"

namespace attend {

using Grads = std::vector<Tensor>;
using kernels::split_at;

namespace {

Shape reduced_shape(const Shape& s, int dim, bool keepdim) {
  if (s.ndim() == 0) return s;  // reducing a 0-d tensor along dim 0 or -1 keeps it 0-d
  Shape r = s;
  if (keepdim)
    r[dim] = 1;
  else
    r.erase(dim);
  return r;
}

// Spreads g (the reduced shape, kept or not) back over dim: out[o, j, i] = g[o, i] * scale.
Tensor expand_along(const Tensor& g, const Shape& full, int dim, float scale) {
  auto sp = split_at(full, dim);
  Tensor out = Tensor::empty(full);
  const float* pg = g.data();
  float* po = out.data();
  for (int64_t o = 0; o < sp.outer; ++o)
    for (int64_t j = 0; j < sp.n; ++j)
      for (int64_t i = 0; i < sp.inner; ++i)
        po[(o * sp.n + j) * sp.inner + i] = pg[o * sp.inner + i] * scale;
  return out;
}

}  // namespace

Tensor sum(const Tensor& x) {
  ProfileScope profile_scope("sum");
  double s = 0;
  const float* p = x.data();
  for (int64_t i = 0, n = x.numel(); i < n; ++i) s += p[i];
  Tensor out = full(Shape{}, static_cast<float>(s));
  return record("sum", out, {&x},
                [shape = x.shape()](const Tensor& g) { return Grads{full(shape, g.item())}; });
}

Tensor mean(const Tensor& x) {
  ProfileScope profile_scope("mean");
  if (x.numel() == 0)
    throw ShapeError("mean: tensor of shape " + x.shape().str() + " has no elements");
  double s = 0;
  const float* p = x.data();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) s += p[i];
  Tensor out = full(Shape{}, static_cast<float>(s / n));
  return record("mean", out, {&x}, [shape = x.shape(), n](const Tensor& g) {
    return Grads{full(shape, g.item() / static_cast<float>(n))};
  });
}

Tensor sum(const Tensor& x, int dim, bool keepdim) {
  ProfileScope profile_scope("sum_dim");
  dim = normalize_dim(dim, x.ndim(), "sum");
  auto sp = split_at(x.shape(), dim);
  Tensor out = zeros(reduced_shape(x.shape(), dim, keepdim));
  const float* px = x.data();
  float* po = out.data();
  for (int64_t o = 0; o < sp.outer; ++o)
    for (int64_t j = 0; j < sp.n; ++j) {
      const float* row = px + (o * sp.n + j) * sp.inner;
      float* dst = po + o * sp.inner;
      for (int64_t i = 0; i < sp.inner; ++i) dst[i] += row[i];
    }
  return record("sum_dim", out, {&x}, [shape = x.shape(), dim](const Tensor& g) {
    return Grads{expand_along(g, shape, dim, 1.0f)};
  });
}

Tensor mean(const Tensor& x, int dim, bool keepdim) {
  ProfileScope profile_scope("mean_dim");
  dim = normalize_dim(dim, x.ndim(), "mean");
  const int64_t n = x.ndim() ? x.shape()[dim] : 1;
  if (n == 0)
    throw ShapeError("mean: dimension " + std::to_string(dim) + " of shape " + x.shape().str() +
                     " is empty");
  Tensor out;
  {
    NoGradGuard ng;
    out = sum(x, dim, keepdim);
    mul_(out, 1.0f / static_cast<float>(n));
  }
  return record("mean_dim", out, {&x}, [shape = x.shape(), dim, n](const Tensor& g) {
    return Grads{expand_along(g, shape, dim, 1.0f / static_cast<float>(n))};
  });
}

Tensor max(const Tensor& x) {
  ProfileScope profile_scope("max");
  if (x.numel() == 0)
    throw ShapeError("max: tensor of shape " + x.shape().str() + " has no elements");
  const float* p = x.data();
  int64_t best = 0;
  for (int64_t i = 1, n = x.numel(); i < n; ++i)
    if (p[i] > p[best] || (std::isnan(p[i]) && !std::isnan(p[best]))) best = i;
  Tensor out = full(Shape{}, p[best]);
  return record("max", out, {&x}, [shape = x.shape(), best](const Tensor& g) {
    Tensor gx = zeros(shape);
    gx.data()[best] = g.item();
    return Grads{gx};
  });
}

namespace {
// Positions (within n) of the first maximum of each [outer, inner] line.
std::vector<int64_t> argmax_lines(const Tensor& x, int dim) {
  auto sp = split_at(x.shape(), dim);
  if (sp.n == 0)
    throw ShapeError("max: dimension " + std::to_string(dim) + " of shape " + x.shape().str() +
                     " is empty");
  std::vector<int64_t> arg(sp.outer * sp.inner, 0);
  const float* px = x.data();
  for (int64_t o = 0; o < sp.outer; ++o)
    for (int64_t j = 1; j < sp.n; ++j)
      for (int64_t i = 0; i < sp.inner; ++i) {
        int64_t& a = arg[o * sp.inner + i];
        float v = px[(o * sp.n + j) * sp.inner + i], cur = px[(o * sp.n + a) * sp.inner + i];
        if (v > cur || (std::isnan(v) && !std::isnan(cur))) a = j;
      }
  return arg;
}
}  // namespace

Tensor max(const Tensor& x, int dim, bool keepdim) {
  ProfileScope profile_scope("max_dim");
  dim = normalize_dim(dim, x.ndim(), "max");
  auto sp = split_at(x.shape(), dim);
  std::vector<int64_t> arg = argmax_lines(x, dim);
  Tensor out = Tensor::empty(reduced_shape(x.shape(), dim, keepdim));
  const float* px = x.data();
  for (int64_t o = 0; o < sp.outer; ++o)
    for (int64_t i = 0; i < sp.inner; ++i)
      out.data()[o * sp.inner + i] = px[(o * sp.n + arg[o * sp.inner + i]) * sp.inner + i];
  return record("max_dim", out, {&x},
                [shape = x.shape(), sp, arg = std::move(arg)](const Tensor& g) {
                  Tensor gx = zeros(shape);
                  for (int64_t o = 0; o < sp.outer; ++o)
                    for (int64_t i = 0; i < sp.inner; ++i)
                      gx.data()[(o * sp.n + arg[o * sp.inner + i]) * sp.inner + i] =
                          g.data()[o * sp.inner + i];
                  return Grads{gx};
                });
}

Tensor argmax(const Tensor& x, int dim, bool keepdim) {
  dim = normalize_dim(dim, x.ndim(), "argmax");
  std::vector<int64_t> arg = argmax_lines(x, dim);
  Tensor out = Tensor::empty(reduced_shape(x.shape(), dim, keepdim));
  for (size_t i = 0; i < arg.size(); ++i) out.data()[i] = static_cast<float>(arg[i]);
  return out;
}

}  // namespace attend
