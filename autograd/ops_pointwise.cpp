// Pointwise ops: each forward, then its backward closure. Binary ops broadcast (NumPy rules) and
// their backward sums the gradient back to each operand's shape with sum_to().
#include <cmath>

#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/profiler.h"
#include "autograd/sample_inputs.h"
#include "autograd/vec_math.h"

namespace attend {

using kernels::broadcast_zip;
using kernels::map;
using kernels::zip;
using kernels::zip3;
using Grads = std::vector<Tensor>;

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const int n = std::max(a.ndim(), b.ndim());
  Shape out;
  for (int i = 0; i < n; ++i) {
    const int ia = a.ndim() - n + i, ib = b.ndim() - n + i;
    const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw ShapeError(std::string(op) + ": shapes " + a.str() + " and " + b.str() +
                       " cannot be broadcast together (dimension " + std::to_string(i) + ": " +
                       std::to_string(da) + " vs " + std::to_string(db) + ")");
    out.push_back(da == 1 ? db : da);
  }
  return out;
}

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  Tensor out = zeros(shape);
  float* po = out.data();
  const float* pg = grad.data();
  if (shape.numel() == 1) {
    double s = 0;
    for (int64_t i = 0, n = grad.numel(); i < n; ++i) s += pg[i];
    po[0] = static_cast<float>(s);
    return out;
  }
  const Shape& gs = grad.shape();
  if (const int64_t w = kernels::trailing_block(shape, gs)) {
    // Summed over leading dimensions: whole rows added in row order, as the general loop adds
    // each element's terms.
    for (int64_t r = 0, rows = grad.numel() / w; r < rows; ++r) {
      const float* rg = pg + r * w;
      for (int64_t i = 0; i < w; ++i) po[i] += rg[i];
    }
    return out;
  }
  std::array<std::array<int64_t, Shape::kMaxDims>, 1> st{kernels::broadcast_strides(shape, gs)};
  const int64_t si = st[0][gs.ndim() - 1];
  kernels::for_each_row<1>(gs, st,
                           [&](int64_t o, int64_t inner, const std::array<int64_t, 1>& off) {
                             float* ro = po + off[0];
                             const float* rg = pg + o;
                             if (si == 0) {
                               float s = 0;
                               for (int64_t i = 0; i < inner; ++i) s += rg[i];
                               ro[0] += s;
                             } else {
                               for (int64_t i = 0; i < inner; ++i) ro[i] += rg[i];
                             }
                           });
  return out;
}

// --- samples ------------------------------------------------------------------------------------

namespace {

// Operand shapes for the broadcasting binary ops: every kind of broadcast. Each pair is checked in
// both operand orders.
const std::pair<Shape, Shape> kBroadcastPairs[] = {
    {{2, 3}, {2, 3}},           // same shape
    {{1, 3}, {1, 3}},           // same shape with a size-1 dimension
    {{2, 3}, {}},               // 0-d scalar tensor
    {{2, 3}, {1}},              // one-element 1-d tensor
    {{}, {}},                   // both 0-d
    {{1}, {}},                  // {1} with {} is {1}
    {{1}, {1}},                 // one element on both sides
    {{2, 3, 4}, {4}},           // trailing dimension
    {{2, 3, 4}, {3, 4}},        // rank difference, trailing dims equal
    {{2, 3, 4}, {3, 1}},        // rank difference and a size-1 dimension
    {{2, 3, 4}, {1, 3, 1}},     // outer and inner broadcast, middle kept
    {{2, 3, 4}, {2, 1, 4}},     // middle dimension
    {{2, 1, 4}, {3, 1}},        // middle dims, both sides broadcast
    {{2, 1, 3}, {1, 4, 1}},     // both sides broadcast in alternating dims
    {{5, 1}, {1, 6}},           // outer product
    {{2, 3}, {1, 1}},           // all-ones shape of the same rank
    {{1, 1, 1}, {2, 3}},        // the lower-rank operand is the bigger one
    {{2, 1, 3, 1}, {4, 1, 5}},  // rank 4 with every kind of dimension
    {{2, 3, 1}, {3, 4}},        // [2, 3, 4] from both sides
};

using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);

// A broadcasting binary op on every pair above in both orders, operands away from zero (div's
// denominator stays well conditioned); one operand a constant; the same tensor on both sides
// (its two gradients add up); an empty operand.
std::vector<Sample> binary_samples(BinaryFn op) {
  const OpFn f = [op](const Inputs& x) { return op(x[0], x[1]); };
  std::vector<Sample> out;
  uint64_t seed = 100;
  for (const auto& [a, b] : kBroadcastPairs)
    for (int order = 0; order < 2; ++order) {
      const Shape& sa = order == 0 ? a : b;
      const Shape& sb = order == 0 ? b : a;
      Tensor ta = away_from_zero(sa, ++seed), tb = away_from_zero(sb, ++seed);
      out.push_back({.name = sa.str() + " with " + sb.str() + (order ? " (swapped)" : ""),
                     .inputs = {ta, tb},
                     .f = f});
    }
  out.push_back({.name = "constant [2, 3] with [3]",
                 .inputs = {away_from_zero({2, 3}, 3).detach(), away_from_zero({3}, 4)},
                 .f = f});
  out.push_back({.name = "[5] with itself",
                 .inputs = {away_from_zero({5}, 5)},
                 .f = [op](const Inputs& x) { return op(x[0], x[0]); }});
  out.push_back({.name = "empty [0, 3] with [3]",
                 .inputs = {away_from_zero({0, 3}, 6), away_from_zero({3}, 7)},
                 .f = f});
  return out;
}

// The domain an element-wise op is checked on.
enum class Domain {
  kAny,           // [-2, 2]
  kAwayFromZero,  // |x| in [0.2, 1.2]: relu, abs, elu, leaky_relu, 1/x
  kPositive,      // [0.2, 2]: log, sqrt
};

Tensor domain_input(Domain d, const Shape& s, uint64_t seed) {
  switch (d) {
    case Domain::kAny:
      return make_input(s, seed, -2.0f, 2.0f);
    case Domain::kPositive:
      return s.ndim() == 0 ? away_from_zero(s, seed, true) : make_input(s, seed, 0.2f, 2.0f);
    case Domain::kAwayFromZero:
      break;
  }
  return away_from_zero(s, seed);
}

// An element-wise op on [3, 4] (two draws), a 0-d tensor and an empty one.
std::vector<Sample> elementwise_samples(OpFn f, Domain d, uint64_t seed, uint64_t seed2) {
  return {{.name = "[3, 4]", .inputs = {domain_input(d, {3, 4}, seed)}, .f = f},
          {.name = "0-d", .inputs = {domain_input(d, {}, seed + 1)}, .f = f},
          {.name = "[3, 4], another draw", .inputs = {domain_input(d, {3, 4}, seed2)}, .f = f},
          {.name = "empty [0, 2]", .inputs = {domain_input(d, {0, 2}, seed)}, .f = f}};
}

}  // namespace

// --- binary ops --------------------------------------------------------------------------------

const OpInfo add_op{
    .name = "add", .samples = [] {
      return binary_samples([](const Tensor& a, const Tensor& b) { return add(a, b); });
    }};

Tensor add(const Tensor& a, const Tensor& b) {
  ProfileScope profile_scope(add_op.name);
  Tensor out = broadcast_zip(a, b, add_op.name, [](float x, float y) { return x + y; });
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record(add_op, out, {&a, &b}, [ga, gb, sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return Grads{ga ? sum_to(g, sa) : Tensor(), gb ? sum_to(g, sb) : Tensor()};
  });
}

const OpInfo sub_op{
    .name = "sub", .samples = [] {
      return binary_samples([](const Tensor& a, const Tensor& b) { return sub(a, b); });
    }};

Tensor sub(const Tensor& a, const Tensor& b) {
  ProfileScope profile_scope(sub_op.name);
  Tensor out = broadcast_zip(a, b, sub_op.name, [](float x, float y) { return x - y; });
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record(sub_op, out, {&a, &b}, [ga, gb, sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return Grads{ga ? sum_to(g, sa) : Tensor(),
                 gb ? sum_to(map(g, [](float v) { return -v; }), sb) : Tensor()};
  });
}

const OpInfo mul_op{
    .name = "mul", .samples = [] {
      return binary_samples([](const Tensor& a, const Tensor& b) { return mul(a, b); });
    }};

Tensor mul(const Tensor& a, const Tensor& b) {
  ProfileScope profile_scope(mul_op.name);
  Tensor out = broadcast_zip(a, b, mul_op.name, [](float x, float y) { return x * y; });
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  // d(a*b)/da = b, d(a*b)/db = a: save each operand only if the other needs its gradient.
  Tensor sa = gb ? a.detach() : Tensor(), sb = ga ? b.detach() : Tensor();
  return record(
      mul_op, out, {&a, &b}, [sa, sb, ga, gb, sha = a.shape(), shb = b.shape()](const Tensor& g) {
        auto times = [](float x, float y) { return x * y; };
        return Grads{ga ? sum_to(broadcast_zip(g, sb, "mul_backward", times), sha) : Tensor(),
                     gb ? sum_to(broadcast_zip(g, sa, "mul_backward", times), shb) : Tensor()};
      });
}

const OpInfo div_op{
    .name = "div", .samples = [] {
      return binary_samples([](const Tensor& a, const Tensor& b) { return div(a, b); });
    }};

Tensor div(const Tensor& a, const Tensor& b) {
  ProfileScope profile_scope(div_op.name);
  Tensor out = broadcast_zip(a, b, div_op.name, [](float x, float y) { return x / y; });
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  Tensor sb = b.detach(), so = gb ? out.detach() : Tensor();
  return record(
      div_op, out, {&a, &b}, [sb, so, ga, gb, sha = a.shape(), shb = b.shape()](const Tensor& g) {
        // d(a/b)/da = 1/b ; d(a/b)/db = -a/b^2 = -out/b
        Tensor g_over_b =
            broadcast_zip(g, sb, "div_backward", [](float x, float y) { return x / y; });
        Tensor gb_full;
        if (gb)
          gb_full =
              broadcast_zip(g_over_b, so, "div_backward", [](float x, float y) { return -x * y; });
        return Grads{ga ? sum_to(g_over_b, sha) : Tensor(), gb ? sum_to(gb_full, shb) : Tensor()};
      });
}

// --- scalar forms ------------------------------------------------------------------------------

// add(a, s) and sub(a, s) = add(a, -s).
const OpInfo add_scalar_op{
    .name = "add_scalar", .samples = [] {
      const Tensor x = away_from_zero({2, 3}, 9);
      const Tensor any = make_input({3, 4}, 3, -2.0f, 2.0f);
      return std::vector<Sample>{
          {.name = "x + 1.7", .inputs = {x}, .f = [](const Inputs& v) { return add(v[0], 1.7f); }},
          {.name = "x - 1.7", .inputs = {x}, .f = [](const Inputs& v) { return sub(v[0], 1.7f); }},
          {.name = "x + 0.5 on [3, 4]",
           .inputs = {any},
           .f = [](const Inputs& v) { return add(v[0], 0.5f); }},
          {.name = "x - 1.5 on [3, 4]",
           .inputs = {any},
           .f = [](const Inputs& v) { return sub(v[0], 1.5f); }},
          {.name = "0-d", .inputs = {make_input({}, 10)}, .f = [](const Inputs& v) {
             return add(v[0], 2.0f);
           }}};
    }};

Tensor add(const Tensor& a, float s) {
  ProfileScope profile_scope(add_scalar_op.name);
  Tensor out = map(a, [s](float x) { return x + s; });
  return record(add_scalar_op, out, {&a}, [](const Tensor& g) { return Grads{g}; });
}

Tensor sub(const Tensor& a, float s) {
  return add(a, -s);
}

const OpInfo rsub_scalar_op{.name = "rsub_scalar", .samples = [] {
                              return std::vector<Sample>{
                                  {.name = "1.7 - x",
                                   .inputs = {away_from_zero({2, 3}, 9)},
                                   .f = [](const Inputs& v) { return rsub(1.7f, v[0]); }},
                                  {.name = "2 - x on [3, 4]",
                                   .inputs = {make_input({3, 4}, 3, -2.0f, 2.0f)},
                                   .f = [](const Inputs& v) { return rsub(2.0f, v[0]); }}};
                            }};

Tensor rsub(float s, const Tensor& a) {
  ProfileScope profile_scope(rsub_scalar_op.name);
  Tensor out = map(a, [s](float x) { return s - x; });
  return record(rsub_scalar_op, out, {&a},
                [](const Tensor& g) { return Grads{map(g, [](float v) { return -v; })}; });
}

const OpInfo mul_scalar_op{.name = "mul_scalar", .samples = [] {
                             return std::vector<Sample>{
                                 {.name = "x * 1.7",
                                  .inputs = {away_from_zero({2, 3}, 9)},
                                  .f = [](const Inputs& v) { return mul(v[0], 1.7f); }},
                                 {.name = "x * -1.5 on [3, 4]",
                                  .inputs = {make_input({3, 4}, 3, -2.0f, 2.0f)},
                                  .f = [](const Inputs& v) { return mul(v[0], -1.5f); }}};
                           }};

Tensor mul(const Tensor& a, float s) {
  ProfileScope profile_scope(mul_scalar_op.name);
  Tensor out = map(a, [s](float x) { return x * s; });
  return record(mul_scalar_op, out, {&a},
                [s](const Tensor& g) { return Grads{map(g, [s](float v) { return v * s; })}; });
}

const OpInfo div_scalar_op{.name = "div_scalar", .samples = [] {
                             return std::vector<Sample>{
                                 {.name = "x / 1.7",
                                  .inputs = {away_from_zero({2, 3}, 9)},
                                  .f = [](const Inputs& v) { return div(v[0], 1.7f); }},
                                 {.name = "x / 0.75 on [3, 4]",
                                  .inputs = {make_input({3, 4}, 3, -2.0f, 2.0f)},
                                  .f = [](const Inputs& v) { return div(v[0], 0.75f); }}};
                           }};

Tensor div(const Tensor& a, float s) {
  ProfileScope profile_scope(div_scalar_op.name);
  Tensor out = map(a, [s](float x) { return x / s; });
  return record(div_scalar_op, out, {&a},
                [s](const Tensor& g) { return Grads{map(g, [s](float v) { return v / s; })}; });
}

const OpInfo rdiv_scalar_op{.name = "rdiv_scalar", .samples = [] {
                              return std::vector<Sample>{
                                  {.name = "1.7 / x",
                                   .inputs = {away_from_zero({2, 3}, 9)},
                                   .f = [](const Inputs& v) { return rdiv(1.7f, v[0]); }},
                                  {.name = "1.5 / x on [3, 4]",
                                   .inputs = {away_from_zero({3, 4}, 4)},
                                   .f = [](const Inputs& v) { return rdiv(1.5f, v[0]); }}};
                            }};

Tensor rdiv(float s, const Tensor& a) {
  ProfileScope profile_scope(rdiv_scalar_op.name);
  Tensor out = map(a, [s](float x) { return s / x; });
  Tensor sa = a.detach();
  return record(rdiv_scalar_op, out, {&a}, [sa, s](const Tensor& g) {
    return Grads{zip(g, sa, [s](float gv, float x) { return -gv * s / (x * x); })};
  });
}

// --- unary ops ---------------------------------------------------------------------------------

const OpInfo neg_op{.name = "neg", .samples = [] {
                      return elementwise_samples([](const Inputs& x) { return neg(x[0]); },
                                                 Domain::kAny, 201, 3);
                    }};

Tensor neg(const Tensor& x) {
  ProfileScope profile_scope(neg_op.name);
  Tensor out = map(x, [](float v) { return -v; });
  return record(neg_op, out, {&x},
                [](const Tensor& g) { return Grads{map(g, [](float v) { return -v; })}; });
}

const OpInfo exp_op{.name = "exp", .samples = [] {
                      return elementwise_samples([](const Inputs& x) { return exp(x[0]); },
                                                 Domain::kAny, 203, 3);
                    }};

Tensor exp(const Tensor& x) {
  ProfileScope profile_scope(exp_op.name);
  Tensor out = map(x, [](float v) { return vec::exp(v); });
  Tensor y = out.detach();
  return record(exp_op, out, {&x}, [y](const Tensor& g) {
    return Grads{zip(g, y, [](float gv, float yv) { return gv * yv; })};
  });
}

const OpInfo log_op{.name = "log", .samples = [] {
                      return elementwise_samples([](const Inputs& x) { return log(x[0]); },
                                                 Domain::kPositive, 205, 5);
                    }};

Tensor log(const Tensor& x) {
  ProfileScope profile_scope(log_op.name);
  Tensor out = map(x, [](float v) { return std::log(v); });
  Tensor sx = x.detach();
  return record(log_op, out, {&x}, [sx](const Tensor& g) {
    return Grads{zip(g, sx, [](float gv, float v) { return gv / v; })};
  });
}

const OpInfo sqrt_op{.name = "sqrt", .samples = [] {
                       return elementwise_samples([](const Inputs& x) { return sqrt(x[0]); },
                                                  Domain::kPositive, 207, 5);
                     }};

Tensor sqrt(const Tensor& x) {
  ProfileScope profile_scope(sqrt_op.name);
  Tensor out = map(x, [](float v) { return std::sqrt(v); });
  Tensor y = out.detach();
  return record(sqrt_op, out, {&x}, [y](const Tensor& g) {
    return Grads{zip(g, y, [](float gv, float yv) { return gv * 0.5f / yv; })};
  });
}

// Fractional and negative exponents on positive inputs; integer exponents on either sign.
const OpInfo pow_op{
    .name = "pow", .samples = [] {
      std::vector<Sample> out;
      uint64_t seed = 300;
      for (float e : {0.5f, 1.5f, -0.5f, -1.0f, -2.5f, 1.0f / 3.0f, 2.0f, 0.0f, 1.0f})
        out.push_back({.name = "x^" + format_g(e) + ", x in [0.5, 1.5]",
                       .inputs = {make_input({2, 3}, ++seed, 0.5f, 1.5f)},
                       .f = [e](const Inputs& x) { return pow(x[0], e); }});
      for (float e : {2.0f, 3.0f, -1.0f, -2.0f, 4.0f})
        out.push_back({.name = "x^" + format_g(e) + ", x of either sign",
                       .inputs = {away_from_zero({2, 3}, ++seed)},
                       .f = [e](const Inputs& x) { return pow(x[0], e); }});
      out.push_back({.name = "x^1.5 on [3, 4]",
                     .inputs = {make_input({3, 4}, 5, 0.2f, 2.0f)},
                     .f = [](const Inputs& x) { return pow(x[0], 1.5f); }});
      out.push_back({.name = "x^-2 on [3, 4]",
                     .inputs = {away_from_zero({3, 4}, 4)},
                     .f = [](const Inputs& x) { return pow(x[0], -2.0f); }});
      return out;
    }};

Tensor pow(const Tensor& x, float e) {
  ProfileScope profile_scope(pow_op.name);
  Tensor out = map(x, [e](float v) { return std::pow(v, e); });
  Tensor sx = x.detach();
  return record(pow_op, out, {&x}, [sx, e](const Tensor& g) {
    return Grads{zip(g, sx, [e](float gv, float v) {
      return e == 0.0f ? 0.0f : gv * e * std::pow(v, e - 1.0f);
    })};
  });
}

const OpInfo abs_op{.name = "abs", .samples = [] {
                      return elementwise_samples([](const Inputs& x) { return abs(x[0]); },
                                                 Domain::kAwayFromZero, 209, 4);
                    }};

Tensor abs(const Tensor& x) {
  ProfileScope profile_scope(abs_op.name);
  Tensor out = map(x, [](float v) { return std::fabs(v); });
  Tensor sx = x.detach();
  // sign(0) = 0, as in PyTorch.
  return record(abs_op, out, {&x}, [sx](const Tensor& g) {
    return Grads{zip(g, sx, [](float gv, float v) { return v > 0 ? gv : (v < 0 ? -gv : 0.0f); })};
  });
}

const OpInfo tanh_op{.name = "tanh", .samples = [] {
                       return elementwise_samples([](const Inputs& x) { return tanh(x[0]); },
                                                  Domain::kAny, 211, 3);
                     }};

Tensor tanh(const Tensor& x) {
  ProfileScope profile_scope(tanh_op.name);
  Tensor out = map(x, [](float v) { return vec::tanh(v); });
  Tensor y = out.detach();
  return record(tanh_op, out, {&x}, [y](const Tensor& g) {
    return Grads{zip(g, y, [](float gv, float yv) { return gv * (1.0f - yv * yv); })};
  });
}

const OpInfo sigmoid_op{.name = "sigmoid", .samples = [] {
                          return elementwise_samples([](const Inputs& x) { return sigmoid(x[0]); },
                                                     Domain::kAny, 213, 3);
                        }};

Tensor sigmoid(const Tensor& x) {
  ProfileScope profile_scope(sigmoid_op.name);
  Tensor out = map(x, [](float v) { return vec::sigmoid(v); });
  Tensor y = out.detach();
  return record(sigmoid_op, out, {&x}, [y](const Tensor& g) {
    return Grads{zip(g, y, [](float gv, float yv) { return gv * yv * (1.0f - yv); })};
  });
}

const OpInfo relu_op{.name = "relu", .samples = [] {
                       return elementwise_samples([](const Inputs& x) { return relu(x[0]); },
                                                  Domain::kAwayFromZero, 215, 4);
                     }};

Tensor relu(const Tensor& x) {
  ProfileScope profile_scope(relu_op.name);
  Tensor out = map(x, [](float v) { return v > 0 ? v : 0.0f; });
  Tensor y = out.detach();
  return record(relu_op, out, {&x}, [y](const Tensor& g) {
    return Grads{zip(g, y, [](float gv, float yv) { return yv > 0 ? gv : 0.0f; })};
  });
}

// Slopes 0.01 (the default), 0.2 and 0.1.
const OpInfo leaky_relu_op{
    .name = "leaky_relu", .samples = [] {
      auto out = elementwise_samples([](const Inputs& x) { return leaky_relu(x[0]); },
                                     Domain::kAwayFromZero, 217, 4);
      for (Sample& s : elementwise_samples([](const Inputs& x) { return leaky_relu(x[0], 0.2f); },
                                           Domain::kAwayFromZero, 219, 4)) {
        s.name += ", slope 0.2";
        out.push_back(std::move(s));
      }
      out.push_back({.name = "[3, 4], slope 0.1",
                     .inputs = {away_from_zero({3, 4}, 4)},
                     .f = [](const Inputs& x) { return leaky_relu(x[0], 0.1f); }});
      return out;
    }};

Tensor leaky_relu(const Tensor& x, float slope) {
  ProfileScope profile_scope(leaky_relu_op.name);
  Tensor out = map(x, [slope](float v) { return v > 0 ? v : v * slope; });
  Tensor sx = x.detach();
  return record(leaky_relu_op, out, {&x}, [sx, slope](const Tensor& g) {
    return Grads{zip(g, sx, [slope](float gv, float v) { return v > 0 ? gv : gv * slope; })};
  });
}

// alpha 1 (the default) and 0.5.
const OpInfo elu_op{
    .name = "elu", .samples = [] {
      auto out = elementwise_samples([](const Inputs& x) { return elu(x[0]); },
                                     Domain::kAwayFromZero, 221, 4);
      for (Sample& s : elementwise_samples([](const Inputs& x) { return elu(x[0], 0.5f); },
                                           Domain::kAwayFromZero, 223, 4)) {
        s.name += ", alpha 0.5";
        out.push_back(std::move(s));
      }
      return out;
    }};

Tensor elu(const Tensor& x, float alpha) {
  ProfileScope profile_scope(elu_op.name);
  // Both sides computed and one selected (no branch on the sign): the loops vectorise.
  Tensor out = map(x, [alpha](float v) {
    const float negative = alpha * vec::expm1(std::min(v, 0.0f));
    return v > 0 ? v : negative;
  });
  Tensor sx = x.detach(), y = out.detach();
  // For x <= 0: d/dx alpha*(e^x - 1) = alpha*e^x = y + alpha.
  return record(elu_op, out, {&x}, [sx, y, alpha](const Tensor& g) {
    return Grads{zip3(g, sx, y, [alpha](float gv, float v, float yv) {
      const float slope = v > 0 ? 1.0f : yv + alpha;
      return gv * slope;
    })};
  });
}

// gelu(x) and gelu(x, approximate = true) are two ops: their gradients are different functions.
const OpInfo gelu_op{.name = "gelu",
                     .samples =
                         [] {
                           return elementwise_samples([](const Inputs& x) { return gelu(x[0]); },
                                                      Domain::kAny, 225, 3);
                         },
                     .fixtures =
                         [] {
                           return std::vector<FixtureCase>{autograd_fixture(
                               "gelu_exact", {"x"},
                               [](const Inputs& x, const FixtureTensors&) { return gelu(x[0]); })};
                         }};
const OpInfo gelu_tanh_op{
    .name = "gelu_tanh",
    .samples =
        [] {
          return elementwise_samples([](const Inputs& x) { return gelu(x[0], true); }, Domain::kAny,
                                     227, 3);
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{autograd_fixture(
              "gelu_tanh", {"x"},
              [](const Inputs& x, const FixtureTensors&) { return gelu(x[0], true); })};
        }};

namespace {

// GELU's two forms at one element: the value, and the value with the derivative. Training computes
// both in one pass (they share the normal density's exponential, or the tanh) and keeps the
// derivative instead of x, so the backward is one multiplication instead of a second evaluation.
constexpr float kTanhC = 0.7978845608028654f;  // sqrt(2/pi)
constexpr float kTanhA = 0.044715f;

float gelu_tanh_t(float v) {
  return vec::tanh(kTanhC * (v + kTanhA * v * v * v));
}

// y[i] = x[i] Φ(x[i]) and dy[i] = d/dx x Φ(x) = Φ(x) + x φ(x) at x[i]; the tanh form likewise with
// t = tanh(√(2/π) (x + a x³)): y = x (1 + t) / 2. Not inlined: inlined into gelu(), GCC 12
// leaves the selects of exp as branches and does not vectorise the loops (8x slower).
[[gnu::noinline]] void gelu_with_derivative(const float* __restrict x, float* __restrict y,
                                            float* __restrict dy, int64_t n, bool approximate) {
  if (approximate)
    for (int64_t i = 0; i < n; ++i) {
      const float v = x[i], t = gelu_tanh_t(v);
      const float dt = (1.0f - t * t) * kTanhC * (1.0f + 3.0f * kTanhA * v * v);
      y[i] = 0.5f * v * (1.0f + t);
      dy[i] = 0.5f * (1.0f + t) + 0.5f * v * dt;
    }
  else
    for (int64_t i = 0; i < n; ++i) {
      const float v = x[i];
      const vec::NormalCdfPdf n = vec::normal_cdf_pdf(v);
      y[i] = v * n.cdf;
      dy[i] = n.cdf + v * n.pdf;
    }
}

}  // namespace

Tensor gelu(const Tensor& x, bool approximate) {
  const OpInfo& op = approximate ? gelu_tanh_op : gelu_op;
  ProfileScope profile_scope(op.name);
  if (!needs_graph({&x}))
    return approximate ? map(x, [](float v) { return 0.5f * v * (1.0f + gelu_tanh_t(v)); })
                       : map(x, [](float v) { return v * vec::normal_cdf_pdf(v).cdf; });
  // The derivative at x, kept for the backward instead of x (the same memory).
  Tensor out = Tensor::empty(x.shape()), d = Tensor::empty(x.shape());
  const float* px = x.data();
  float *po = out.data(), *pd = d.data();
  parallel_for(x.numel(), kElementwiseGrain / 8, [=](int64_t begin, int64_t end) {
    gelu_with_derivative(px + begin, po + begin, pd + begin, end - begin, approximate);
  });
  return record(op, out, {&x}, [d](const Tensor& g) {
    return Grads{zip(g, d, [](float gv, float dv) { return gv * dv; })};
  });
}

// clone(x) and Tensor::clone; clone(x) * x, whose gradient adds the copy's and the original's.
const OpInfo clone_op{.name = "clone", .samples = [] {
                        auto out = elementwise_samples([](const Inputs& x) { return clone(x[0]); },
                                                       Domain::kAny, 229, 3);
                        out.push_back({.name = "Tensor::clone [3, 4]",
                                       .inputs = {make_input({3, 4}, 231, -2.0f, 2.0f)},
                                       .f = [](const Inputs& x) { return x[0].clone(); }});
                        out.push_back({.name = "clone(x) * x",
                                       .inputs = {make_input({3, 4}, 3, -2.0f, 2.0f)},
                                       .f = [](const Inputs& x) { return clone(x[0]) * x[0]; }});
                        return out;
                      }};

Tensor clone(const Tensor& x) {
  ProfileScope profile_scope(clone_op.name);
  Tensor out = kernels::copy_of(x);
  return record(clone_op, out, {&x}, [](const Tensor& g) { return Grads{g}; });
}

// --- in-place helpers (no graph) ---------------------------------------------------------------

namespace {
void require_same_shape(const Tensor& a, const Tensor& b, const char* op) {
  if (!(a.shape() == b.shape()))
    throw ShapeError(std::string(op) + ": shapes " + a.shape().str() + " and " + b.shape().str() +
                     " differ");
}
}  // namespace

void add_(Tensor& dst, const Tensor& src, float alpha) {
  require_same_shape(dst, src, "add_");
  float* pd = dst.data();
  const float* ps = src.data();
  const int64_t n = dst.numel();
  if (alpha == 1.0f)
    for (int64_t i = 0; i < n; ++i) pd[i] += ps[i];
  else
    for (int64_t i = 0; i < n; ++i) pd[i] += alpha * ps[i];
}

void mul_(Tensor& dst, float s) {
  float* pd = dst.data();
  for (int64_t i = 0, n = dst.numel(); i < n; ++i) pd[i] *= s;
}

void fill_(Tensor& dst, float value) {
  std::fill_n(dst.data(), dst.numel(), value);
}

void copy_(Tensor& dst, const Tensor& src) {
  require_same_shape(dst, src, "copy_");
  std::copy_n(src.data(), src.numel(), dst.data());
}

// The descriptors above, for op_registry() (autograd/CMakeLists.txt generates the call).
std::vector<const OpInfo*> ops_pointwise_op_infos() {
  return {&add_op,         &sub_op,        &mul_op,        &div_op,         &add_scalar_op,
          &rsub_scalar_op, &mul_scalar_op, &div_scalar_op, &rdiv_scalar_op, &neg_op,
          &exp_op,         &log_op,        &sqrt_op,       &pow_op,         &abs_op,
          &tanh_op,        &sigmoid_op,    &relu_op,       &leaky_relu_op,  &elu_op,
          &gelu_op,        &gelu_tanh_op,  &clone_op};
}

}  // namespace attend
