// Fused recurrent-cell pointwise math. The matrix products (x W_ih^T, h W_hh^T) are done by the
// caller with linear(), batched over time where possible; these ops do everything after them in
// one pass forward and one pass backward, instead of ~10 pointwise graph nodes per step.
// B = batch, H = hidden size. Gate orders are PyTorch's.
#include <cmath>

#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/profiler.h"
#include "autograd/vec_math.h"

namespace attend {

using Grads = std::vector<Tensor>;

namespace {

// The vectorisable forms (autograd/vec_math.h): the gate loops below are most of a recurrent
// step's non-GEMM time.
inline float sigm(float v) {
  return vec::sigmoid(v);
}

void check_gates(const Tensor& gx, const Tensor& gh, const Tensor& state, int64_t n_gates,
                 const char* op) {
  const bool ok = gx.ndim() == 2 && gx.shape() == gh.shape() && state.ndim() == 2 &&
                  state.size(0) == gx.size(0) && gx.size(1) == n_gates * state.size(1);
  if (!ok)
    throw ShapeError(std::string(op) + ": gate inputs " + gx.shape().str() + " and " +
                     gh.shape().str() + " must both be [batch, " + std::to_string(n_gates) +
                     " * hidden] for a state of shape " + state.shape().str());
}

}  // namespace

std::vector<Tensor> lstm_cell(const Tensor& gx, const Tensor& gh, const Tensor& c_prev) {
  ProfileScope profile_scope("lstm_cell");
  check_gates(gx, gh, c_prev, 4, "lstm_cell");
  const int64_t B = c_prev.size(0), H = c_prev.size(1);
  Tensor act = Tensor::empty({B, 4 * H});  // [B, 4H]: i, f, g, o after their nonlinearities
  Tensor h = Tensor::empty({B, H}), c = Tensor::empty({B, H});
  Tensor tc = Tensor::empty({B, H});  // tanh(c), saved for the backward
  for (int64_t b = 0; b < B; ++b) {
    const float* x = gx.data() + b * 4 * H;
    const float* y = gh.data() + b * 4 * H;
    float* a = act.data() + b * 4 * H;
    const float* cp = c_prev.data() + b * H;
#pragma omp simd
    for (int64_t j = 0; j < H; ++j) {
      const float i = sigm(x[j] + y[j]), f = sigm(x[H + j] + y[H + j]);
      const float g = vec::tanh(x[2 * H + j] + y[2 * H + j]), o = sigm(x[3 * H + j] + y[3 * H + j]);
      a[j] = i, a[H + j] = f, a[2 * H + j] = g, a[3 * H + j] = o;
      const float cv = f * cp[j] + i * g;
      const float t = vec::tanh(cv);
      c.data()[b * H + j] = cv;
      tc.data()[b * H + j] = t;
      h.data()[b * H + j] = o * t;
    }
  }
  const bool need_c = c_prev.requires_grad();
  Tensor cp = c_prev.detach();
  return record_multi("lstm_cell", {h, c}, {&gx, &gh, &c_prev}, [=](const std::vector<Tensor>& g) {
    // g[0] = dL/dh, g[1] = dL/dc (either may be undefined: zero)
    const float* dh = g[0].defined() ? g[0].data() : nullptr;
    const float* dc_out = g[1].defined() ? g[1].data() : nullptr;
    Tensor dgates = Tensor::empty({B, 4 * H});
    Tensor dc_prev = need_c ? Tensor::empty({B, H}) : Tensor();
    for (int64_t b = 0; b < B; ++b) {
      const float* a = act.data() + b * 4 * H;
      float* d = dgates.data() + b * 4 * H;
#pragma omp simd
      for (int64_t j = 0; j < H; ++j) {
        const int64_t k = b * H + j;
        const float i = a[j], f = a[H + j], gg = a[2 * H + j], o = a[3 * H + j], t = tc.data()[k];
        const float dhv = dh ? dh[k] : 0.0f;
        // c feeds h through tanh and the next step directly.
        const float dc = (dc_out ? dc_out[k] : 0.0f) + dhv * o * (1.0f - t * t);
        d[j] = dc * gg * i * (1.0f - i);
        d[H + j] = dc * cp.data()[k] * f * (1.0f - f);
        d[2 * H + j] = dc * i * (1.0f - gg * gg);
        d[3 * H + j] = dhv * t * o * (1.0f - o);
        if (need_c) dc_prev.data()[k] = dc * f;
      }
    }
    // gates = gx + gh: both receive the same gradient.
    return Grads{dgates, dgates, dc_prev};
  });
}

Tensor gru_cell(const Tensor& gx, const Tensor& gh, const Tensor& h_prev) {
  ProfileScope profile_scope("gru_cell");
  check_gates(gx, gh, h_prev, 3, "gru_cell");
  const int64_t B = h_prev.size(0), H = h_prev.size(1);
  Tensor act = Tensor::empty({B, 3 * H});  // r, z, n after their nonlinearities
  Tensor h = Tensor::empty({B, H});
  for (int64_t b = 0; b < B; ++b) {
    const float* x = gx.data() + b * 3 * H;
    const float* y = gh.data() + b * 3 * H;
    float* a = act.data() + b * 3 * H;
    const float* hp = h_prev.data() + b * H;
#pragma omp simd
    for (int64_t j = 0; j < H; ++j) {
      const float r = sigm(x[j] + y[j]), z = sigm(x[H + j] + y[H + j]);
      const float n = vec::tanh(x[2 * H + j] + r * y[2 * H + j]);  // r gates h W_hn^T + b_hn only
      a[j] = r, a[H + j] = z, a[2 * H + j] = n;
      h.data()[b * H + j] = (1.0f - z) * n + z * hp[j];
    }
  }
  const bool need_h = h_prev.requires_grad();
  Tensor hp_saved = h_prev.detach(), gh_saved = gh.detach();
  return record("gru_cell", h, {&gx, &gh, &h_prev}, [=](const Tensor& g) {
    Tensor dgx = Tensor::empty({B, 3 * H}), dgh = Tensor::empty({B, 3 * H});
    Tensor dh_prev = need_h ? Tensor::empty({B, H}) : Tensor();
    for (int64_t b = 0; b < B; ++b) {
      const float* a = act.data() + b * 3 * H;
      const float* ghn = gh_saved.data() + b * 3 * H + 2 * H;
      float* dx = dgx.data() + b * 3 * H;
      float* dy = dgh.data() + b * 3 * H;
#pragma omp simd
      for (int64_t j = 0; j < H; ++j) {
        const int64_t k = b * H + j;
        const float r = a[j], z = a[H + j], n = a[2 * H + j], hp = hp_saved.data()[k],
                    dh = g.data()[k];
        const float dn = dh * (1.0f - z) * (1.0f - n * n);  // through tanh
        const float dz = dh * (hp - n) * z * (1.0f - z);
        const float dr = dn * ghn[j] * r * (1.0f - r);
        dx[j] = dr, dy[j] = dr;
        dx[H + j] = dz, dy[H + j] = dz;
        dx[2 * H + j] = dn, dy[2 * H + j] = dn * r;
        if (need_h) dh_prev.data()[k] = dh * z;
      }
    }
    return Grads{dgx, dgh, dh_prev};
  });
}

Tensor rnn_tanh_cell(const Tensor& gx, const Tensor& gh) {
  ProfileScope profile_scope("rnn_tanh_cell");
  if (!(gx.shape() == gh.shape()))
    throw ShapeError("rnn_tanh_cell: gate inputs " + gx.shape().str() + " and " + gh.shape().str() +
                     " differ");
  Tensor h = kernels::zip(gx, gh, [](float x, float y) { return vec::tanh(x + y); });
  Tensor y = h.detach();
  return record("rnn_tanh_cell", h, {&gx, &gh}, [y](const Tensor& g) {
    Tensor d = kernels::zip(g, y, [](float gv, float yv) { return gv * (1.0f - yv * yv); });
    return Grads{d, d};
  });
}

}  // namespace attend
