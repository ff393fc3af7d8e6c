// Pointwise ops: each forward, then its backward closure. Binary ops broadcast (NumPy rules) and
// their backward sums the gradient back to each operand's shape with sum_to().
#include <cmath>
#include <numbers>

#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/profiler.h"
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

// --- binary ops --------------------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) {
  ProfileScope profile_scope("add");
  Tensor out = broadcast_zip(a, b, "add", [](float x, float y) { return x + y; });
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record("add", out, {&a, &b}, [ga, gb, sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return Grads{ga ? sum_to(g, sa) : Tensor(), gb ? sum_to(g, sb) : Tensor()};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  ProfileScope profile_scope("sub");
  Tensor out = broadcast_zip(a, b, "sub", [](float x, float y) { return x - y; });
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record("sub", out, {&a, &b}, [ga, gb, sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return Grads{ga ? sum_to(g, sa) : Tensor(),
                 gb ? sum_to(map(g, [](float v) { return -v; }), sb) : Tensor()};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  ProfileScope profile_scope("mul");
  Tensor out = broadcast_zip(a, b, "mul", [](float x, float y) { return x * y; });
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  // d(a*b)/da = b, d(a*b)/db = a: save each operand only if the other needs its gradient.
  Tensor sa = gb ? a.detach() : Tensor(), sb = ga ? b.detach() : Tensor();
  return record(
      "mul", out, {&a, &b}, [sa, sb, ga, gb, sha = a.shape(), shb = b.shape()](const Tensor& g) {
        auto times = [](float x, float y) { return x * y; };
        return Grads{ga ? sum_to(broadcast_zip(g, sb, "mul_backward", times), sha) : Tensor(),
                     gb ? sum_to(broadcast_zip(g, sa, "mul_backward", times), shb) : Tensor()};
      });
}

Tensor div(const Tensor& a, const Tensor& b) {
  ProfileScope profile_scope("div");
  Tensor out = broadcast_zip(a, b, "div", [](float x, float y) { return x / y; });
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  Tensor sb = b.detach(), so = gb ? out.detach() : Tensor();
  return record(
      "div", out, {&a, &b}, [sb, so, ga, gb, sha = a.shape(), shb = b.shape()](const Tensor& g) {
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

Tensor add(const Tensor& a, float s) {
  ProfileScope profile_scope("add_scalar");
  Tensor out = map(a, [s](float x) { return x + s; });
  return record("add_scalar", out, {&a}, [](const Tensor& g) { return Grads{g}; });
}

Tensor sub(const Tensor& a, float s) {
  return add(a, -s);
}

Tensor rsub(float s, const Tensor& a) {
  ProfileScope profile_scope("rsub_scalar");
  Tensor out = map(a, [s](float x) { return s - x; });
  return record("rsub_scalar", out, {&a},
                [](const Tensor& g) { return Grads{map(g, [](float v) { return -v; })}; });
}

Tensor mul(const Tensor& a, float s) {
  ProfileScope profile_scope("mul_scalar");
  Tensor out = map(a, [s](float x) { return x * s; });
  return record("mul_scalar", out, {&a},
                [s](const Tensor& g) { return Grads{map(g, [s](float v) { return v * s; })}; });
}

Tensor div(const Tensor& a, float s) {
  ProfileScope profile_scope("div_scalar");
  Tensor out = map(a, [s](float x) { return x / s; });
  return record("div_scalar", out, {&a},
                [s](const Tensor& g) { return Grads{map(g, [s](float v) { return v / s; })}; });
}

Tensor rdiv(float s, const Tensor& a) {
  ProfileScope profile_scope("rdiv_scalar");
  Tensor out = map(a, [s](float x) { return s / x; });
  Tensor sa = a.detach();
  return record("rdiv_scalar", out, {&a}, [sa, s](const Tensor& g) {
    return Grads{zip(g, sa, [s](float gv, float x) { return -gv * s / (x * x); })};
  });
}

// --- unary ops ---------------------------------------------------------------------------------

Tensor neg(const Tensor& x) {
  ProfileScope profile_scope("neg");
  Tensor out = map(x, [](float v) { return -v; });
  return record("neg", out, {&x},
                [](const Tensor& g) { return Grads{map(g, [](float v) { return -v; })}; });
}

Tensor exp(const Tensor& x) {
  ProfileScope profile_scope("exp");
  Tensor out = map(x, [](float v) { return vec::exp(v); });
  Tensor y = out.detach();
  return record("exp", out, {&x}, [y](const Tensor& g) {
    return Grads{zip(g, y, [](float gv, float yv) { return gv * yv; })};
  });
}

Tensor log(const Tensor& x) {
  ProfileScope profile_scope("log");
  Tensor out = map(x, [](float v) { return std::log(v); });
  Tensor sx = x.detach();
  return record("log", out, {&x}, [sx](const Tensor& g) {
    return Grads{zip(g, sx, [](float gv, float v) { return gv / v; })};
  });
}

Tensor sqrt(const Tensor& x) {
  ProfileScope profile_scope("sqrt");
  Tensor out = map(x, [](float v) { return std::sqrt(v); });
  Tensor y = out.detach();
  return record("sqrt", out, {&x}, [y](const Tensor& g) {
    return Grads{zip(g, y, [](float gv, float yv) { return gv * 0.5f / yv; })};
  });
}

Tensor pow(const Tensor& x, float e) {
  ProfileScope profile_scope("pow");
  Tensor out = map(x, [e](float v) { return std::pow(v, e); });
  Tensor sx = x.detach();
  return record("pow", out, {&x}, [sx, e](const Tensor& g) {
    return Grads{zip(g, sx, [e](float gv, float v) {
      return e == 0.0f ? 0.0f : gv * e * std::pow(v, e - 1.0f);
    })};
  });
}

Tensor abs(const Tensor& x) {
  ProfileScope profile_scope("abs");
  Tensor out = map(x, [](float v) { return std::fabs(v); });
  Tensor sx = x.detach();
  // sign(0) = 0, as in PyTorch.
  return record("abs", out, {&x}, [sx](const Tensor& g) {
    return Grads{zip(g, sx, [](float gv, float v) { return v > 0 ? gv : (v < 0 ? -gv : 0.0f); })};
  });
}

Tensor tanh(const Tensor& x) {
  ProfileScope profile_scope("tanh");
  Tensor out = map(x, [](float v) { return vec::tanh(v); });
  Tensor y = out.detach();
  return record("tanh", out, {&x}, [y](const Tensor& g) {
    return Grads{zip(g, y, [](float gv, float yv) { return gv * (1.0f - yv * yv); })};
  });
}

Tensor sigmoid(const Tensor& x) {
  ProfileScope profile_scope("sigmoid");
  Tensor out = map(x, [](float v) { return vec::sigmoid(v); });
  Tensor y = out.detach();
  return record("sigmoid", out, {&x}, [y](const Tensor& g) {
    return Grads{zip(g, y, [](float gv, float yv) { return gv * yv * (1.0f - yv); })};
  });
}

Tensor relu(const Tensor& x) {
  ProfileScope profile_scope("relu");
  Tensor out = map(x, [](float v) { return v > 0 ? v : 0.0f; });
  Tensor y = out.detach();
  return record("relu", out, {&x}, [y](const Tensor& g) {
    return Grads{zip(g, y, [](float gv, float yv) { return yv > 0 ? gv : 0.0f; })};
  });
}

Tensor leaky_relu(const Tensor& x, float slope) {
  ProfileScope profile_scope("leaky_relu");
  Tensor out = map(x, [slope](float v) { return v > 0 ? v : v * slope; });
  Tensor sx = x.detach();
  return record("leaky_relu", out, {&x}, [sx, slope](const Tensor& g) {
    return Grads{zip(g, sx, [slope](float gv, float v) { return v > 0 ? gv : gv * slope; })};
  });
}

Tensor elu(const Tensor& x, float alpha) {
  ProfileScope profile_scope("elu");
  Tensor out = map(x, [alpha](float v) { return v > 0 ? v : alpha * std::expm1(v); });
  Tensor sx = x.detach(), y = out.detach();
  // For x <= 0: d/dx alpha*(e^x - 1) = alpha*e^x = y + alpha.
  return record("elu", out, {&x}, [sx, y, alpha](const Tensor& g) {
    return Grads{zip3(
        g, sx, y, [alpha](float gv, float v, float yv) { return v > 0 ? gv : gv * (yv + alpha); })};
  });
}

Tensor gelu(const Tensor& x, bool approximate) {
  ProfileScope profile_scope(approximate ? "gelu_tanh" : "gelu");
  Tensor sx = x.detach();
  if (!approximate) {
    constexpr float kInvSqrt2 = static_cast<float>(1.0 / std::numbers::sqrt2);
    constexpr float kInvSqrt2Pi =
        static_cast<float>(std::numbers::inv_sqrtpi / std::numbers::sqrt2);
    Tensor out = map(x, [](float v) { return 0.5f * v * (1.0f + std::erf(v * kInvSqrt2)); });
    // d/dx x·Φ(x) = Φ(x) + x·φ(x)
    return record("gelu", out, {&x}, [sx](const Tensor& g) {
      return Grads{zip(g, sx, [](float gv, float v) {
        float cdf = 0.5f * (1.0f + std::erf(v * kInvSqrt2));
        float pdf = kInvSqrt2Pi * std::exp(-0.5f * v * v);
        return gv * (cdf + v * pdf);
      })};
    });
  }
  constexpr float kC = 0.7978845608028654f;  // sqrt(2/pi)
  constexpr float kA = 0.044715f;
  Tensor out =
      map(x, [](float v) { return 0.5f * v * (1.0f + std::tanh(kC * (v + kA * v * v * v))); });
  return record("gelu_tanh", out, {&x}, [sx](const Tensor& g) {
    return Grads{zip(g, sx, [](float gv, float v) {
      float t = std::tanh(kC * (v + kA * v * v * v));
      float dt = (1.0f - t * t) * kC * (1.0f + 3.0f * kA * v * v);
      return gv * (0.5f * (1.0f + t) + 0.5f * v * dt);
    })};
  });
}

Tensor clone(const Tensor& x) {
  ProfileScope profile_scope("clone");
  Tensor out = kernels::copy_of(x);
  return record("clone", out, {&x}, [](const Tensor& g) { return Grads{g}; });
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

}  // namespace attend
