// Multi-head scaled dot-product attention read straight out of the projected rows. Each head's
// queries, keys and values are column blocks of [B, T, W] tensors (the in-projection's output,
// e.g. the fused QKV [B, T, 3E]); GEMM leading dimensions address them in place, and the output
// is written with the heads already side by side. The composition it replaces -- unbind QKV,
// permute each to [B, H, T, hd], attention, permute back -- copied every activation four times
// forward and four times backward (4% of a B2 step).
//   B batch, H heads, hd = E / H head size, Tq queries, Tk keys, W* row widths
#include <cblas.h>

#include <cmath>
#include <string>

#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/profiler.h"

namespace attend {

using Grads = std::vector<Tensor>;

namespace {

// C[M,N] = alpha op(A) op(B) + beta C, row-major, every operand with its own row stride.
void gemm_strided(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                  int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), alpha, A,
              static_cast<int>(lda), B, static_cast<int>(ldb), beta, C, static_cast<int>(ldc));
}

// One role (query, key or value): which tensor, from which column, and its index among the op's
// distinct inputs (the same tensor may play several roles, e.g. the fused QKV).
struct Role {
  const Tensor* t;
  int64_t col;
  int64_t width() const { return t->size(2); }
  int64_t input = 0;
};

void check_role(const Role& r, const char* name, int64_t dim) {
  if (r.col < 0 || r.col + dim > r.width())
    throw ShapeError("multi_head_attention: " + std::string(name) + " columns [" +
                     std::to_string(r.col) + ", " + std::to_string(r.col + dim) +
                     ") do not fit in its rows of " + std::to_string(r.width()));
}

}  // namespace

std::vector<Tensor> multi_head_attention(const Tensor& q, int64_t q_col, const Tensor& k,
                                         int64_t k_col, const Tensor& v, int64_t v_col,
                                         int64_t heads, int64_t dim, const Tensor& mask,
                                         float dropout_p, Generator* gen) {
  ProfileScope profile_scope("multi_head_attention");
  if (q.ndim() != 3 || k.ndim() != 3 || v.ndim() != 3 || k.size(0) != q.size(0) ||
      v.size(0) != q.size(0) || k.size(1) != v.size(1))
    throw ShapeError("multi_head_attention: query " + q.shape().str() + ", key " + k.shape().str() +
                     " and value " + v.shape().str() +
                     " must be [B, Tq, Wq], [B, Tk, Wk], [B, Tk, Wv]");
  if (heads < 1 || dim < 1 || dim % heads != 0)
    throw ShapeError("multi_head_attention: " + std::to_string(dim) +
                     " features do not split into " + std::to_string(heads) + " heads");
  if (dropout_p > 0 && !gen)
    throw std::invalid_argument("multi_head_attention: dropout needs a generator");
  Role rq{&q, q_col}, rk{&k, k_col}, rv{&v, v_col};
  check_role(rq, "query", dim);
  check_role(rk, "key", dim);
  check_role(rv, "value", dim);
  // The distinct input tensors, each recorded once so its gradient is one tensor.
  std::vector<const Tensor*> inputs;
  for (Role* r : {&rq, &rk, &rv}) {
    size_t i = 0;
    while (i < inputs.size() && !inputs[i]->is_same(*r->t)) ++i;
    if (i == inputs.size()) inputs.push_back(r->t);
    r->input = static_cast<int64_t>(i);
  }
  const int64_t B = q.size(0), Tq = q.size(1), Tk = k.size(1), H = heads, hd = dim / heads;
  const int64_t Wq = rq.width(), Wk = rk.width(), Wv = rv.width();
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const Shape ps{B, H, Tq, Tk};
  // Head h of batch b: its first query row, key row, value row, weight matrix, output row.
  auto q_at = [=](auto* base, int64_t b, int64_t h) { return base + b * Tq * Wq + h * hd; };
  auto k_at = [=](auto* base, int64_t b, int64_t h) { return base + b * Tk * Wk + h * hd; };
  auto v_at = [=](auto* base, int64_t b, int64_t h) { return base + b * Tk * Wv + h * hd; };
  auto p_at = [=](int64_t b, int64_t h) { return (b * H + h) * Tq * Tk; };
  auto o_at = [=](int64_t b, int64_t h) { return b * Tq * dim + h * hd; };
  const float* qd = q.data() + q_col;
  const float* kd = k.data() + k_col;
  const float* vd = v.data() + v_col;

  // P [B, H, Tq, Tk] = softmax(Q_bh K_bh^T * scale + mask)
  Tensor p = Tensor::empty(ps);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      gemm_strided(false, true, Tq, Tk, hd, scale, q_at(qd, b, h), Wq, k_at(kd, b, h), Wk, 0.0f,
                   p.data() + p_at(b, h), Tk);
  if (mask.defined()) p = kernels::add_attention_mask(p, mask, "multi_head_attention");
  kernels::softmax_rows(p.data(), p.data(), B * H * Tq, Tk);
  // Dropout on the weights (training), drawn in [B, H, Tq, Tk] order as
  // scaled_dot_product_attention draws it: P' = P * keep / (1 - p).
  Tensor keep, pd = p;
  if (dropout_p > 0) {
    keep = kernels::attention_keep_mask(ps, dropout_p, *gen);
    pd = kernels::zip(p, keep, [](float a, float b) { return a * b; });
  }
  // out [B, Tq, E]: head h's P'_bh V_bh in columns [h hd, (h+1) hd)
  Tensor out = Tensor::empty({B, Tq, dim});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      gemm_strided(false, false, Tq, hd, Tk, 1.0f, pd.data() + p_at(b, h), Tk, v_at(vd, b, h), Wv,
                   0.0f, out.data() + o_at(b, h), dim);

  std::vector<bool> needs(inputs.size());
  std::vector<Tensor> saved(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    needs[i] = inputs[i]->requires_grad();
    saved[i] = inputs[i]->detach();
  }
  const bool gq = needs[rq.input], gk = needs[rk.input], gv = needs[rv.input];
  Tensor sp = p.detach(), spd = pd.detach();
  return record_multi("multi_head_attention", {out, p}, inputs, [=](const std::vector<Tensor>& g) {
    // One zeroed gradient per distinct input; each role accumulates into its columns.
    Grads grads(saved.size());
    for (size_t i = 0; i < saved.size(); ++i)
      if (needs[i]) grads[i] = zeros(saved[i].shape());
    const float* qs = saved[rq.input].data() + rq.col;
    const float* ks = saved[rk.input].data() + rk.col;
    const float* vs = saved[rv.input].data() + rv.col;
    float* dq = gq ? grads[rq.input].data() + rq.col : nullptr;
    float* dk = gk ? grads[rk.input].data() + rk.col : nullptr;
    float* dv = gv ? grads[rv.input].data() + rv.col : nullptr;
    // dP' = dO_bh V_bh^T ; dV_bh += P'_bh^T dO_bh
    Tensor dp = zeros(ps);
    if (g[0].defined())
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h) {
          const float* go = g[0].data() + o_at(b, h);
          gemm_strided(false, true, Tq, Tk, hd, 1.0f, go, dim, v_at(vs, b, h), Wv, 0.0f,
                       dp.data() + p_at(b, h), Tk);
          if (gv)
            gemm_strided(true, false, Tk, hd, Tq, 1.0f, spd.data() + p_at(b, h), Tk, go, dim, 1.0f,
                         v_at(dv, b, h), Wv);
        }
    if (keep.defined()) dp = kernels::zip(dp, keep, [](float a, float b) { return a * b; });
    if (g[1].defined()) add_(dp, g[1]);  // the returned (pre-dropout) weights were used too
    // Softmax backward: dS = P * (dP - sum_j dP_j P_j); the scale goes into the GEMMs' alpha.
    for (int64_t r = 0; r < B * H * Tq; ++r)
      kernels::softmax_backward_row(sp.data() + r * Tk, dp.data() + r * Tk, dp.data() + r * Tk, Tk);
    // dQ_bh += scale dS_bh K_bh ; dK_bh += scale dS_bh^T Q_bh
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h) {
        const float* ds = dp.data() + p_at(b, h);
        if (gq)
          gemm_strided(false, false, Tq, hd, Tk, scale, ds, Tk, k_at(ks, b, h), Wk, 1.0f,
                       q_at(dq, b, h), Wq);
        if (gk)
          gemm_strided(true, false, Tk, hd, Tq, scale, ds, Tk, q_at(qs, b, h), Wq, 1.0f,
                       k_at(dk, b, h), Wk);
      }
    return grads;
  });
}

}  // namespace attend
