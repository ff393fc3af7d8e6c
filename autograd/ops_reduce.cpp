// Reductions over all elements or along one dimension. Along dim, a tensor is viewed as
// [outer, n, inner] and reduced over n.
#include <cmath>
#include <limits>

#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/profiler.h"
#include "autograd/sample_inputs.h"

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
  if (sp.inner == 1) {  // along the last dimension: each value fills a row
    for (int64_t o = 0; o < sp.outer; ++o) std::fill_n(po + o * sp.n, sp.n, pg[o] * scale);
    return out;
  }
  for (int64_t o = 0; o < sp.outer; ++o)
    for (int64_t j = 0; j < sp.n; ++j)
      for (int64_t i = 0; i < sp.inner; ++i)
        po[(o * sp.n + j) * sp.inner + i] = pg[o * sp.inner + i] * scale;
  return out;
}

using ReduceFn = Tensor (*)(const Tensor&, int, bool);

// A reduction along every dimension of x (negative too), keeping it or not, then the cases given.
std::vector<Sample> along_every_dim(ReduceFn op, const Tensor& x, std::vector<Sample> more) {
  std::vector<Sample> out;
  for (int d = -x.ndim(); d < x.ndim(); ++d)
    for (bool keepdim : {false, true})
      out.push_back(
          {.name = x.shape().str() + " dim " + std::to_string(d) + (keepdim ? ", keepdim" : ""),
           .inputs = {x},
           .f = [op, d, keepdim](const Inputs& v) { return op(v[0], d, keepdim); }});
  for (Sample& s : more) out.push_back(std::move(s));
  return out;
}

}  // namespace

const OpInfo sum_op{
    .name = "sum", .samples = [] {
      const OpFn f = [](const Inputs& x) { return sum(x[0]); };
      return std::vector<Sample>{
          {.name = "[2, 3, 4]", .inputs = {make_input({2, 3, 4}, 1)}, .f = f},
          {.name = "[2, 3, 4], another draw", .inputs = {make_input({2, 3, 4}, 6)}, .f = f},
          {.name = "0-d", .inputs = {make_input({}, 2)}, .f = f},
          {.name = "empty [0, 3]", .inputs = {make_input({0, 3}, 3)}, .f = f}};
    }};

Tensor sum(const Tensor& x) {
  ProfileScope profile_scope(sum_op.name);
  double s = 0;
  const float* p = x.data();
  for (int64_t i = 0, n = x.numel(); i < n; ++i) s += p[i];
  Tensor out = full(Shape{}, static_cast<float>(s));
  return record(sum_op, out, {&x},
                [shape = x.shape()](const Tensor& g) { return Grads{full(shape, g.item())}; });
}

const OpInfo mean_op{
    .name = "mean", .samples = [] {
      const OpFn f = [](const Inputs& x) { return mean(x[0]); };
      return std::vector<Sample>{
          {.name = "[2, 3, 4]", .inputs = {make_input({2, 3, 4}, 1)}, .f = f},
          {.name = "[2, 3, 4], another draw", .inputs = {make_input({2, 3, 4}, 6)}, .f = f},
          {.name = "0-d", .inputs = {make_input({}, 2)}, .f = f}};
    }};

Tensor mean(const Tensor& x) {
  ProfileScope profile_scope(mean_op.name);
  if (x.numel() == 0)
    throw ShapeError("mean: tensor of shape " + x.shape().str() + " has no elements");
  double s = 0;
  const float* p = x.data();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) s += p[i];
  Tensor out = full(Shape{}, static_cast<float>(s / n));
  return record(mean_op, out, {&x}, [shape = x.shape(), n](const Tensor& g) {
    return Grads{full(shape, g.item() / static_cast<float>(n))};
  });
}

// sum(x, dim, keepdim). Its errors say "sum", the function's name.
const OpInfo sum_dim_op{
    .name = "sum_dim", .samples = [] {
      const ReduceFn op = [](const Tensor& x, int d, bool k) { return sum(x, d, k); };
      return along_every_dim(op, make_input({2, 3, 4}, 3),
                             {{.name = "[2, 3, 4] dim 1, keepdim, another draw",
                               .inputs = {make_input({2, 3, 4}, 6)},
                               .f = [](const Inputs& x) { return sum(x[0], 1, true); }},
                              {.name = "size-1 dim of [3, 1, 2]",
                               .inputs = {make_input({3, 1, 2}, 7)},
                               .f = [](const Inputs& x) { return sum(x[0], 1); }},
                              {.name = "0-d along dim -1",
                               .inputs = {make_input({}, 8)},
                               .f = [](const Inputs& x) { return sum(x[0], -1); }},
                              {.name = "empty [0, 3] along dim 0",
                               .inputs = {make_input({0, 3}, 9)},
                               .f = [](const Inputs& x) { return sum(x[0], 0); }}});
    }};

Tensor sum(const Tensor& x, int dim, bool keepdim) {
  ProfileScope profile_scope(sum_dim_op.name);
  dim = normalize_dim(dim, x.ndim(), "sum");
  auto sp = split_at(x.shape(), dim);
  // The last-dimension path writes every output; the general loop adds into zeros.
  const Shape os = reduced_shape(x.shape(), dim, keepdim);
  Tensor out = sp.inner == 1 ? Tensor::empty(os) : zeros(os);
  const float* px = x.data();
  float* po = out.data();
  if (sp.inner == 1) {
    // Along the last dimension ([N, H, F] -> [N, H] in GAT): each row summed in a register, in
    // the same order as the general loop, which would store and reload the sum for every term.
    for (int64_t o = 0; o < sp.outer; ++o) {
      const float* row = px + o * sp.n;
      float sum = 0.0f;
      for (int64_t j = 0; j < sp.n; ++j) sum += row[j];
      po[o] = sum;
    }
  } else {
    for (int64_t o = 0; o < sp.outer; ++o)
      for (int64_t j = 0; j < sp.n; ++j) {
        const float* row = px + (o * sp.n + j) * sp.inner;
        float* dst = po + o * sp.inner;
        for (int64_t i = 0; i < sp.inner; ++i) dst[i] += row[i];
      }
  }
  return record(sum_dim_op, out, {&x}, [shape = x.shape(), dim](const Tensor& g) {
    return Grads{expand_along(g, shape, dim, 1.0f)};
  });
}

const OpInfo mean_dim_op{
    .name = "mean_dim", .samples = [] {
      const ReduceFn op = [](const Tensor& x, int d, bool k) { return mean(x, d, k); };
      return along_every_dim(op, make_input({2, 3, 4}, 4),
                             {{.name = "[2, 3, 4] dim -1, another draw",
                               .inputs = {make_input({2, 3, 4}, 6)},
                               .f = [](const Inputs& x) { return mean(x[0], -1); }},
                              {.name = "size-1 dim of [3, 1, 2], keepdim",
                               .inputs = {make_input({3, 1, 2}, 7)},
                               .f = [](const Inputs& x) { return mean(x[0], 1, true); }}});
    }};

Tensor mean(const Tensor& x, int dim, bool keepdim) {
  ProfileScope profile_scope(mean_dim_op.name);
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
  return record(mean_dim_op, out, {&x}, [shape = x.shape(), dim, n](const Tensor& g) {
    return Grads{expand_along(g, shape, dim, 1.0f / static_cast<float>(n))};
  });
}

// On values 0.1 apart, so that no step of gradcheck reaches a tie.
const OpInfo max_op{
    .name = "max", .samples = [] {
      const OpFn f = [](const Inputs& x) { return max(x[0]); };
      return std::vector<Sample>{
          {.name = "[2, 3, 4]", .inputs = {distinct_values({2, 3, 4}, 2)}, .f = f},
          {.name = "[2, 3, 4], another draw", .inputs = {distinct_values({2, 3, 4}, 7)}, .f = f},
          {.name = "0-d", .inputs = {make_input({}, 2)}, .f = f}};
    }};

Tensor max(const Tensor& x) {
  ProfileScope profile_scope(max_op.name);
  if (x.numel() == 0)
    throw ShapeError("max: tensor of shape " + x.shape().str() + " has no elements");
  const float* p = x.data();
  int64_t best = 0;
  for (int64_t i = 1, n = x.numel(); i < n; ++i)
    if (p[i] > p[best] || (std::isnan(p[i]) && !std::isnan(p[best]))) best = i;
  Tensor out = full(Shape{}, p[best]);
  return record(max_op, out, {&x}, [shape = x.shape(), best](const Tensor& g) {
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

const OpInfo max_dim_op{
    .name = "max_dim", .samples = [] {
      const ReduceFn op = [](const Tensor& x, int d, bool k) { return max(x, d, k); };
      return along_every_dim(op, distinct_values({2, 3, 4}, 5),
                             {{.name = "[2, 3, 4] dim 1, another draw",
                               .inputs = {distinct_values({2, 3, 4}, 7)},
                               .f = [](const Inputs& x) { return max(x[0], 1); }},
                              {.name = "size-1 dim of [3, 1, 2], keepdim",
                               .inputs = {make_input({3, 1, 2}, 7)},
                               .f = [](const Inputs& x) { return max(x[0], -2, true); }}});
    }};

Tensor max(const Tensor& x, int dim, bool keepdim) {
  ProfileScope profile_scope(max_dim_op.name);
  dim = normalize_dim(dim, x.ndim(), "max");
  auto sp = split_at(x.shape(), dim);
  std::vector<int64_t> arg = argmax_lines(x, dim);
  Tensor out = Tensor::empty(reduced_shape(x.shape(), dim, keepdim));
  const float* px = x.data();
  for (int64_t o = 0; o < sp.outer; ++o)
    for (int64_t i = 0; i < sp.inner; ++i)
      out.data()[o * sp.inner + i] = px[(o * sp.n + arg[o * sp.inner + i]) * sp.inner + i];
  return record(max_dim_op, out, {&x},
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

// The descriptors above, for op_registry() (autograd/CMakeLists.txt generates the call).
std::vector<const OpInfo*> ops_reduce_op_infos() {
  return {&sum_op, &mean_op, &max_op, &sum_dim_op, &mean_dim_op, &max_dim_op};
}

}  // namespace attend
