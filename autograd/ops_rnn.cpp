// Fused recurrent-cell pointwise math. The matrix products (x W_ih^T, h W_hh^T) are done by the
// caller with linear(), batched over time where possible; these ops do everything after them in
// one pass forward and one pass backward, instead of ~10 pointwise graph nodes per step.
// B = batch, H = hidden size. Gate orders are PyTorch's.
#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/gemm.h"
#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"
#include "autograd/sample_inputs.h"
#include "autograd/vec_math.h"

namespace attend {

// Descriptors (name, samples, references, fixtures): at the end of the file.
extern const OpInfo lstm_cell_op;
extern const OpInfo lstm_sequence_op;
extern const OpInfo gru_cell_op;
extern const OpInfo rnn_tanh_cell_op;

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

// One batch row of the LSTM cell, gates = x + y ([4H]: i, f, g, o pre-activations, summed here so
// the caller need not), c_prev [H] -> act [4H] (i, f, g, o after their nonlinearities), c [H],
// tanh(c) [H] (saved for the backward), h [H].
inline void lstm_forward_row(const float* __restrict x, const float* __restrict y,
                             const float* __restrict cp, int64_t H, float* __restrict a,
                             float* __restrict c, float* __restrict tc, float* __restrict h) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const float i = sigm(x[j] + y[j]), f = sigm(x[H + j] + y[H + j]);
    const float g = vec::tanh(x[2 * H + j] + y[2 * H + j]), o = sigm(x[3 * H + j] + y[3 * H + j]);
    a[j] = i, a[H + j] = f, a[2 * H + j] = g, a[3 * H + j] = o;
    const float cv = f * cp[j] + i * g;
    const float t = vec::tanh(cv);
    c[j] = cv;
    tc[j] = t;
    h[j] = o * t;
  }
}

// Its backward: dh, dc_out [H] (null: zero) -> d [4H] (gradient of the gate pre-activations),
// dc_prev [H] (null: not needed).
inline void lstm_backward_row(const float* __restrict a, const float* __restrict tc,
                              const float* __restrict cp, const float* __restrict dh,
                              const float* __restrict dc_out, int64_t H, float* __restrict d,
                              float* __restrict dc_prev) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const float i = a[j], f = a[H + j], gg = a[2 * H + j], o = a[3 * H + j], t = tc[j];
    const float dhv = dh ? dh[j] : 0.0f;
    // c feeds h through tanh and the next step directly.
    const float dc = (dc_out ? dc_out[j] : 0.0f) + dhv * o * (1.0f - t * t);
    d[j] = dc * gg * i * (1.0f - i);
    d[H + j] = dc * cp[j] * f * (1.0f - f);
    d[2 * H + j] = dc * i * (1.0f - gg * gg);
    d[3 * H + j] = dhv * t * o * (1.0f - o);
    if (dc_prev) dc_prev[j] = dc * f;
  }
}

}  // namespace

std::vector<Tensor> lstm_cell(const Tensor& gx, const Tensor& gh, const Tensor& c_prev) {
  ProfileScope profile_scope(lstm_cell_op.name);
  check_gates(gx, gh, c_prev, 4, lstm_cell_op.name);
  const int64_t B = c_prev.size(0), H = c_prev.size(1);
  Tensor act = Tensor::empty({B, 4 * H});  // [B, 4H]: i, f, g, o after their nonlinearities
  Tensor h = Tensor::empty({B, H}), c = Tensor::empty({B, H});
  Tensor tc = Tensor::empty({B, H});  // tanh(c), saved for the backward
  parallel_for(B, rows_grain(4 * H, 8), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      lstm_forward_row(gx.data() + b * 4 * H, gh.data() + b * 4 * H, c_prev.data() + b * H, H,
                       act.data() + b * 4 * H, c.data() + b * H, tc.data() + b * H,
                       h.data() + b * H);
  });
  const bool need_c = c_prev.requires_grad();
  Tensor cp = c_prev.detach();
  return record_multi(lstm_cell_op, {h, c}, {&gx, &gh, &c_prev}, [=](const std::vector<Tensor>& g) {
    // g[0] = dL/dh, g[1] = dL/dc (either may be undefined: zero)
    const float* dh = g[0].defined() ? g[0].data() : nullptr;
    const float* dc_out = g[1].defined() ? g[1].data() : nullptr;
    Tensor dgates = Tensor::empty({B, 4 * H});
    Tensor dc_prev = need_c ? Tensor::empty({B, H}) : Tensor();
    parallel_for(B, rows_grain(4 * H, 8), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t k = b * H;
        lstm_backward_row(act.data() + b * 4 * H, tc.data() + k, cp.data() + k,
                          dh ? dh + k : nullptr, dc_out ? dc_out + k : nullptr, H,
                          dgates.data() + b * 4 * H, need_c ? dc_prev.data() + k : nullptr);
      }
    });
    // gates = gx + gh: both receive the same gradient.
    return Grads{dgates, dgates, dc_prev};
  });
}

// A whole LSTM layer's recurrence in one node (cuDNN's shape of it). gx [T, B, 4H] holds every
// step's x_t W_ih^T + b_ih (one GEMM by the caller); per step this does the only product that
// must stay inside the recurrence, h_{t-1} W_hh^T, and the cell. The backward runs the steps in
// reverse with one [B, 4H] x [4H, H] product each for dh, then takes the weight gradient of all
// T steps as ONE product, dW_hh = dG^T [4H, T*B] x H_prev [T*B, H], where a cell per step made T
// small ones (K = B) and T one-megabyte gradient sums in the engine.
std::vector<Tensor> lstm_sequence(const Tensor& gx, const Tensor& w_hh, const Tensor& b_hh,
                                  const Tensor& h0, const Tensor& c0) {
  ProfileScope profile_scope(lstm_sequence_op.name);
  const bool shapes_ok = gx.ndim() == 3 && h0.ndim() == 2 && h0.shape() == c0.shape() &&
                         h0.size(0) == gx.size(1) && gx.size(2) == 4 * h0.size(1) &&
                         w_hh.shape() == Shape{4 * h0.size(1), h0.size(1)} &&
                         (!b_hh.defined() || b_hh.shape() == Shape{4 * h0.size(1)});
  if (!shapes_ok)
    throw ShapeError(std::string(lstm_sequence_op.name) + ": gates " + gx.shape().str() +
                     ", weight_hh " + w_hh.shape().str() + ", bias_hh " +
                     (b_hh.defined() ? b_hh.shape().str() : std::string("(none)")) +
                     " and states " + h0.shape().str() + ", " + c0.shape().str() +
                     " must be [T, B, 4H], [4H, H], [4H], [B, H], [B, H]");
  const int64_t T = gx.size(0), B = gx.size(1), H = h0.size(1), G = 4 * H;
  // Saved for the backward: h_all [T+1, B, H] = h0, h_1 .. h_T (h_all[t] is step t's h_prev);
  // c_all likewise; act [T, B, 4H] gates after their nonlinearities; tc [T, B, H] tanh(c_t).
  Tensor h_all = Tensor::empty({T + 1, B, H}), c_all = Tensor::empty({T + 1, B, H});
  Tensor act = Tensor::empty({T, B, G}), tc = Tensor::empty({T, B, H});
  std::copy_n(h0.data(), B * H, h_all.data());
  std::copy_n(c0.data(), B * H, c_all.data());
  Tensor gh = Tensor::empty({B, G});  // h_{t-1} W_hh^T + b_hh
  for (int64_t t = 0; t < T; ++t) {
    const float* hp = h_all.data() + t * B * H;
    float beta = 0.0f;
    if (b_hh.defined()) {
      for (int64_t b = 0; b < B; ++b) std::copy_n(b_hh.data(), G, gh.data() + b * G);
      beta = 1.0f;
    }
    kernels::gemm(false, true, B, G, H, 1.0f, hp, w_hh.data(), beta, gh.data());
    parallel_for(B, rows_grain(G, 8), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t r = t * B + b;  // row of [T, B, .]
        lstm_forward_row(gx.data() + r * G, gh.data() + b * G, c_all.data() + r * H, H,
                         act.data() + r * G, c_all.data() + (r + B) * H, tc.data() + r * H,
                         h_all.data() + (r + B) * H);
      }
    });
  }
  Tensor hs = Tensor::empty({T, B, H});
  std::copy_n(h_all.data() + B * H, T * B * H, hs.data());
  Tensor c_n = Tensor::empty({B, H});
  std::copy_n(c_all.data() + T * B * H, B * H, c_n.data());

  const bool g_w = w_hh.requires_grad(), g_b = b_hh.defined() && b_hh.requires_grad(),
             g_h0 = h0.requires_grad(), g_c0 = c0.requires_grad();
  Tensor w = w_hh.detach();
  return record_multi(
      lstm_sequence_op, {hs, c_n}, {&gx, &w_hh, &b_hh, &h0, &c0},
      [=](const std::vector<Tensor>& g) {
        // g[0] = dL/dhs [T, B, H], g[1] = dL/dc_T [B, H] (either may be undefined: zero)
        Tensor dG = Tensor::empty({T, B, G});  // dL/dgates, which is also dL/dgx
        std::vector<float> dh(static_cast<size_t>(B * H), 0.0f), dc(dh.size(), 0.0f),
            dc_prev(dh.size());
        if (g[1].defined()) std::copy_n(g[1].data(), B * H, dc.data());
        for (int64_t t = T - 1; t >= 0; --t) {
          if (g[0].defined()) {  // dh = dL/dh_t from the output + from step t+1 (already in dh)
            const float* go = g[0].data() + t * B * H;
            for (int64_t k = 0; k < B * H; ++k) dh[k] += go[k];
          }
          // dc = dL/dc_t -> dc_prev = dL/dc_{t-1}
          parallel_for(B, rows_grain(G, 8), [&](int64_t b0, int64_t b1) {
            for (int64_t b = b0; b < b1; ++b) {
              const int64_t r = t * B + b;
              lstm_backward_row(act.data() + r * G, tc.data() + r * H, c_all.data() + r * H,
                                dh.data() + b * H, dc.data() + b * H, H, dG.data() + r * G,
                                dc_prev.data() + b * H);
            }
          });
          dc.swap(dc_prev);
          // dL/dh_{t-1} = dG_t W_hh: [B, 4H] x [4H, H]
          kernels::gemm(false, false, B, H, G, 1.0f, dG.data() + t * B * G, w.data(), 0.0f,
                        dh.data());
        }
        Tensor dw, db, dh0, dc0;
        if (g_w) {  // dW_hh [4H, H] = dG^T [4H, T*B] x h_prev [T*B, H]: all steps at once
          dw = Tensor::empty({G, H});  // zero when there are no steps (K = 0)
          kernels::gemm(true, false, G, H, T * B, 1.0f, dG.data(), h_all.data(), 0.0f, dw.data());
        }
        if (g_b) {
          db = zeros({G});
          for (int64_t r = 0; r < T * B; ++r) {
            const float* d = dG.data() + r * G;
            float* o = db.data();
#pragma omp simd
            for (int64_t j = 0; j < G; ++j) o[j] += d[j];
          }
        }
        if (g_h0) dh0 = from_vector(dh, {B, H});
        if (g_c0) dc0 = from_vector(dc, {B, H});
        return Grads{dG, dw, db, dh0, dc0};
      });
}

Tensor gru_cell(const Tensor& gx, const Tensor& gh, const Tensor& h_prev) {
  ProfileScope profile_scope(gru_cell_op.name);
  check_gates(gx, gh, h_prev, 3, gru_cell_op.name);
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
  return record(gru_cell_op, h, {&gx, &gh, &h_prev}, [=](const Tensor& g) {
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
  ProfileScope profile_scope(rnn_tanh_cell_op.name);
  if (!(gx.shape() == gh.shape()))
    throw ShapeError(std::string(rnn_tanh_cell_op.name) + ": gate inputs " + gx.shape().str() +
                     " and " + gh.shape().str() + " differ");
  Tensor h = kernels::zip(gx, gh, [](float x, float y) { return vec::tanh(x + y); });
  Tensor y = h.detach();
  return record(rnn_tanh_cell_op, h, {&gx, &gh}, [y](const Tensor& g) {
    Tensor d = kernels::zip(g, y, [](float gv, float yv) { return gv * (1.0f - yv * yv); });
    return Grads{d, d};
  });
}

// --- descriptors -------------------------------------------------------------------------------

namespace {

// The step-by-step composition lstm_sequence replaces: {h_1..h_T [T, B, H], c_T} flat.
Tensor lstm_steps(const Inputs& x) {
  Tensor h = x[3], c = x[4];
  std::vector<Tensor> hs;
  for (const Tensor& g : unbind(x[0], 0)) {
    auto hc = lstm_cell(g, linear(h, x[1], x[2]), c);
    h = hc[0], c = hc[1];
    hs.push_back(h);
  }
  return cat_flat({stack(hs, 0), c});
}

}  // namespace

// Both outputs together, h only and c only (an output without gradient counts as zero).
const OpInfo lstm_cell_op{
    .name = "lstm_cell", .samples = [] {
      const Inputs in = {make_input({2, 12}, 4), make_input({2, 12}, 5), make_input({2, 3}, 6)};
      return std::vector<Sample>{
          {.name = "B 2, H 3: 2 h + c^2",
           .inputs = in,
           .f =
               [](const Inputs& x) {
                 auto hc = lstm_cell(x[0], x[1], x[2]);
                 return hc[0] * 2.0f + hc[1] * hc[1];
               }},
          {.name = "B 2, H 3: h only",
           .inputs = in,
           .f = [](const Inputs& x) { return lstm_cell(x[0], x[1], x[2])[0]; }},
          {.name = "B 2, H 3: c only",
           .inputs = in,
           .f = [](const Inputs& x) { return lstm_cell(x[0], x[1], x[2])[1]; }},
          {.name = "B 2, H 3: h and c / 2, another draw",
           .inputs = {make_input({2, 12}, 39), make_input({2, 12}, 40), make_input({2, 3}, 41)},
           .f = [](const Inputs& x) {
             auto hc = lstm_cell(x[0], x[1], x[2]);
             return concat({hc[0], hc[1] * 0.5f}, 1);
           }}};
    }};

// Both outputs; only the last state (the earlier outputs get no gradient, the recurrence still
// does), without bias; against lstm_cell step by step with and without bias; no steps at all.
const OpInfo lstm_sequence_op{
    .name = "lstm_sequence", .samples = [] {
      const OpFn both = [](const Inputs& x) {
        auto hc = lstm_sequence(x[0], x[1], x[2], x[3], x[4]);
        return cat_flat({hc[0], hc[1]});
      };
      return std::vector<Sample>{
          {.name = "T 3, B 2, H 3",
           .inputs = {make_input({3, 2, 12}, 25), make_input({12, 3}, 26), make_input({12}, 27),
                      make_input({2, 3}, 28), make_input({2, 3}, 29)},
           .f = both},
          {.name = "T 3, B 2, H 3, c / 2, another draw",
           .inputs = {make_input({3, 2, 12}, 56), make_input({12, 3}, 57), make_input({12}, 58),
                      make_input({2, 3}, 59), make_input({2, 3}, 60)},
           .f =
               [](const Inputs& x) {
                 auto hc = lstm_sequence(x[0], x[1], x[2], x[3], x[4]);
                 return cat_flat({hc[0], hc[1] * 0.5f});
               }},
          {.name = "T 4, B 2, H 2, no bias, last state only",
           .inputs = {make_input({4, 2, 8}, 30), make_input({8, 2}, 31), make_input({2, 2}, 32),
                      make_input({2, 2}, 33)},
           .f = [](const Inputs& x) { return lstm_sequence(x[0], x[1], Tensor(), x[2], x[3])[1]; }},
          {.name = "T 5, B 3, H 4, against the cell loop",
           .inputs = {make_input({5, 3, 16}, 20), make_input({16, 4}, 21), make_input({16}, 22),
                      make_input({3, 4}, 23), make_input({3, 4}, 24)},
           .f = both,
           .reference = lstm_steps},
          {.name = "T 5, B 3, H 4, no bias, against the cell loop",
           .inputs = {make_input({5, 3, 16}, 20), make_input({16, 4}, 21), Tensor(),
                      make_input({3, 4}, 23), make_input({3, 4}, 24)},
           .f = both,
           .reference = lstm_steps},
          {.name = "no steps: the states pass through",
           .inputs = {make_input({0, 3, 8}, 34), make_input({8, 2}, 35), Tensor(),
                      make_input({3, 2}, 36), make_input({3, 2}, 37)},
           .f = both}};
    }};

const OpInfo gru_cell_op{
    .name = "gru_cell", .samples = [] {
      const OpFn f = [](const Inputs& x) { return gru_cell(x[0], x[1], x[2]); };
      return std::vector<Sample>{
          {.name = "B 2, H 3",
           .inputs = {make_input({2, 9}, 7), make_input({2, 9}, 8), make_input({2, 3}, 9)},
           .f = f},
          {.name = "B 2, H 3, another draw",
           .inputs = {make_input({2, 9}, 42), make_input({2, 9}, 43), make_input({2, 3}, 44)},
           .f = f}};
    }};

const OpInfo rnn_tanh_cell_op{
    .name = "rnn_tanh_cell", .samples = [] {
      const OpFn f = [](const Inputs& x) { return rnn_tanh_cell(x[0], x[1]); };
      return std::vector<Sample>{
          {.name = "B 2, H 4", .inputs = {make_input({2, 4}, 10), make_input({2, 4}, 11)}, .f = f},
          {.name = "B 2, H 3", .inputs = {make_input({2, 3}, 45), make_input({2, 3}, 46)}, .f = f}};
    }};

// The descriptors above, for op_registry() (autograd/CMakeLists.txt generates the call).
std::vector<const OpInfo*> ops_rnn_op_infos() {
  return {&lstm_cell_op, &lstm_sequence_op, &gru_cell_op, &rnn_tanh_cell_op};
}

}  // namespace attend
