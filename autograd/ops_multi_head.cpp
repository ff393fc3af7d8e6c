// Multi-head scaled dot-product attention read straight out of the projected rows. Each head's
// queries, keys and values are column blocks of [B, T, W] tensors (the in-projection's output,
// e.g. the fused QKV [B, T, 3E]); GEMM leading dimensions address them in place, and the output
// is written with the heads already side by side. The composition it replaces -- unbind QKV,
// permute each to [B, H, T, hd], attention, permute back -- copied every activation four times
// forward and four times backward (4% of a B2 step). scaled_dot_product_attention is the same
// kernel with one head whose columns are the whole row.
//   B batch, H heads, hd = E / H head size, Tq queries, Tk keys, W* row widths
#include <algorithm>
#include <cmath>
#include <string>

#include "autograd/gemm.h"
#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"
#include "autograd/sample_inputs.h"

namespace attend {

// Descriptors (name, samples, references, fixtures): at the end of the file.
extern const OpInfo multi_head_attention_op;

using Grads = std::vector<Tensor>;

namespace {

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
    throw ShapeError(std::string(multi_head_attention_op.name) + ": " + std::string(name) +
                     " columns [" + std::to_string(r.col) + ", " + std::to_string(r.col + dim) +
                     ") do not fit in its rows of " + std::to_string(r.width()));
}

}  // namespace

std::vector<Tensor> kernels::attention_heads(const AttentionHeads& a, const Tensor& mask,
                                             float dropout_p, Generator* gen) {
  const Tensor &q = *a.inputs[a.q.input], &k = *a.inputs[a.k.input], &v = *a.inputs[a.v.input];
  const int64_t H = a.heads, dqk = a.dqk, dv = a.dv, Tq = q.size(-2), Tk = k.size(-2);
  const int64_t Wq = q.size(-1), Wk = k.size(-1), Wv = v.size(-1), Wo = H * dv;
  int64_t B = 1;  // batch entries: the query's leading dimensions
  for (int i = 0; i + 2 < q.ndim(); ++i) B *= q.size(i);
  const int64_t qc = a.q.col, kc = a.k.col, vc = a.v.col, PS = Tq * Tk;  // PS: one head's weights
  const float scale = a.scale;
  const Shape ps = a.weights_shape;
  // Batch entry b's head 0: its first query, key, value, weight and output element. Head h is
  // h d columns further on (weights: h PS elements), so the heads of one entry are one batched
  // GEMM with the head size as its stride.
  auto q_at = [=](auto* base, int64_t b) { return base + qc + b * Tq * Wq; };
  auto k_at = [=](auto* base, int64_t b) { return base + kc + b * Tk * Wk; };
  auto v_at = [=](auto* base, int64_t b) { return base + vc + b * Tk * Wv; };
  auto p_at = [=](auto* base, int64_t b) { return base + b * H * PS; };
  auto o_at = [=](auto* base, int64_t b) { return base + b * Tq * Wo; };

  // P [.., H, Tq, Tk] = softmax(Q_bh K_bh^T * scale + mask)
  // The heads' products are small (B2: 24 x 24 x 32), so the workers split the batch entries,
  // each running its entries' products on one thread, rather than splitting each product.
  const int64_t entries_grain = rows_grain(H * PS * (dqk + dv), 8);
  Tensor p = Tensor::empty(ps);
  parallel_for(B, entries_grain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      gemm_batched(false, true, Tq, Tk, dqk, scale, q_at(q.data(), b), Wq, dqk, k_at(k.data(), b),
                   Wk, dqk, 0.0f, p_at(p.data(), b), Tk, PS, H);
  });
  if (mask.defined()) add_attention_mask_(p, mask, a.op->name);
  softmax_rows(p.data(), p.data(), B * H * Tq, Tk);
  // Dropout on the weights (training), one draw per weight in P's order: P' = P * keep / (1 - p).
  Tensor keep, pd = p;
  if (dropout_p > 0) {
    keep = attention_keep_mask(ps, dropout_p, *gen);
    pd = zip(p, keep, [](float x, float y) { return x * y; });
  }
  // out [.., Tq, H dv]: head h's P'_bh V_bh in columns [h dv, (h+1) dv)
  Tensor out = Tensor::empty(a.out_shape);
  parallel_for(B, entries_grain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      gemm_batched(false, false, Tq, dv, Tk, 1.0f, p_at(pd.data(), b), Tk, PS, v_at(v.data(), b),
                   Wv, dv, 0.0f, o_at(out.data(), b), Wo, dv, H);
  });

  const size_t n_in = a.inputs.size();
  const int64_t qi = a.q.input, ki = a.k.input, vi = a.v.input;
  std::vector<bool> needs(n_in), whole(n_in);
  std::vector<Tensor> saved(n_in);
  for (size_t i = 0; i < n_in; ++i) {
    needs[i] = a.inputs[i]->requires_grad();
    saved[i] = a.inputs[i]->detach();
    // One role whose heads span the whole row writes every gradient element with beta 0 into an
    // uninitialised tensor; an input shared by roles (the fused QKV) or with columns outside
    // them is zeroed and each role accumulates into its columns.
    const int roles = (qi == int64_t(i)) + (ki == int64_t(i)) + (vi == int64_t(i));
    whole[i] = roles == 1 && (qi == int64_t(i)   ? qc == 0 && H * dqk == Wq
                              : ki == int64_t(i) ? kc == 0 && H * dqk == Wk
                                                 : vc == 0 && Wo == Wv);
  }
  const bool gq = needs[qi], gk = needs[ki], gv = needs[vi];
  Tensor sp = p.detach(), spd = pd.detach();
  return record_multi(*a.op, {out, p}, a.inputs, [=](const std::vector<Tensor>& g) {
    const bool have_go = g[0].defined();  // else dV gets no product and stays zero
    Grads grads(n_in);
    std::vector<float> beta(n_in, 1.0f);
    for (size_t i = 0; i < n_in; ++i) {
      if (!needs[i]) continue;
      const bool fresh = whole[i] && (have_go || vi != int64_t(i));
      grads[i] = fresh ? Tensor::empty(saved[i].shape()) : zeros(saved[i].shape());
      beta[i] = fresh ? 0.0f : 1.0f;
    }
    const float* qs = saved[qi].data();
    const float* ks = saved[ki].data();
    const float* vs = saved[vi].data();
    float* dQ = gq ? grads[qi].data() : nullptr;
    float* dK = gk ? grads[ki].data() : nullptr;
    float* dV = gv ? grads[vi].data() : nullptr;
    // dP' = dO_bh V_bh^T ; dV_bh (+)= P'_bh^T dO_bh
    Tensor dp = have_go ? Tensor::empty(ps) : zeros(ps);
    if (have_go)
      parallel_for(B, entries_grain, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const float* go = o_at(g[0].data(), b);
          gemm_batched(false, true, Tq, Tk, dv, 1.0f, go, Wo, dv, v_at(vs, b), Wv, dv, 0.0f,
                       p_at(dp.data(), b), Tk, PS, H);
          if (gv)
            gemm_batched(true, false, Tk, dv, Tq, 1.0f, p_at(spd.data(), b), Tk, PS, go, Wo, dv,
                         beta[vi], v_at(dV, b), Wv, dv, H);
        }
      });
    if (keep.defined()) dp = zip(dp, keep, [](float x, float y) { return x * y; });
    if (g[1].defined()) add_(dp, g[1]);  // the returned (pre-dropout) weights were used too
    // Softmax backward: dS = P * (dP - sum_j dP_j P_j); the scale goes into the GEMMs' alpha.
    // dQ_bh (+)= scale dS_bh K_bh ; dK_bh (+)= scale dS_bh^T Q_bh
    parallel_for(B, entries_grain, [&](int64_t b0, int64_t b1) {
      for (int64_t r = b0 * H * Tq; r < b1 * H * Tq; ++r)
        softmax_backward_row(sp.data() + r * Tk, dp.data() + r * Tk, dp.data() + r * Tk, Tk);
      for (int64_t b = b0; b < b1; ++b) {
        const float* ds = p_at(dp.data(), b);
        if (gq)
          gemm_batched(false, false, Tq, dqk, Tk, scale, ds, Tk, PS, k_at(ks, b), Wk, dqk, beta[qi],
                       q_at(dQ, b), Wq, dqk, H);
        if (gk)
          gemm_batched(true, false, Tk, dqk, Tq, scale, ds, Tk, PS, q_at(qs, b), Wq, dqk, beta[ki],
                       k_at(dK, b), Wk, dqk, H);
      }
    });
    return grads;
  });
}

std::vector<Tensor> multi_head_attention(const Tensor& q, int64_t q_col, const Tensor& k,
                                         int64_t k_col, const Tensor& v, int64_t v_col,
                                         int64_t heads, int64_t dim, const Tensor& mask,
                                         float dropout_p, Generator* gen) {
  ProfileScope profile_scope(multi_head_attention_op.name);
  if (q.ndim() != 3 || k.ndim() != 3 || v.ndim() != 3 || k.size(0) != q.size(0) ||
      v.size(0) != q.size(0) || k.size(1) != v.size(1))
    throw ShapeError(std::string(multi_head_attention_op.name) + ": query " + q.shape().str() +
                     ", key " + k.shape().str() + " and value " + v.shape().str() +
                     " must be [B, Tq, Wq], [B, Tk, Wk], [B, Tk, Wv]");
  if (heads < 1 || dim < 1 || dim % heads != 0)
    throw ShapeError(std::string(multi_head_attention_op.name) + ": " + std::to_string(dim) +
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
  return kernels::attention_heads({.op = &multi_head_attention_op,
                                   .inputs = std::move(inputs),
                                   .q = {.input = rq.input, .col = q_col},
                                   .k = {.input = rk.input, .col = k_col},
                                   .v = {.input = rv.input, .col = v_col},
                                   .heads = H,
                                   .dqk = hd,
                                   .dv = hd,
                                   .scale = 1.0f / std::sqrt(static_cast<float>(hd)),
                                   .weights_shape = {B, H, Tq, Tk},
                                   .out_shape = {B, Tq, dim}},
                                  mask, dropout_p, gen);
}

// --- descriptors -------------------------------------------------------------------------------

namespace {

// Columns [col, col + dim) of x [B, T, W] as heads [B, H, T, dim / H].
Tensor heads_of(const Tensor& x, int64_t col, int64_t dim, int64_t H) {
  const int64_t B = x.size(0), T = x.size(1);
  return permute(reshape(narrow(x, 2, col, dim), {B, T, H, dim / H}), {0, 2, 1, 3});
}

// What multi_head_attention replaces -- split the columns, permute to [B, H, T, hd],
// scaled_dot_product_attention, permute back -- as {output [B, Tq, dim], weights} flat.
Tensor composition(const Tensor& q, int64_t qc, const Tensor& k, int64_t kc, const Tensor& v,
                   int64_t vc, int64_t H, int64_t dim, const Tensor& mask, float p = 0.0f,
                   Generator* gen = nullptr) {
  auto r = scaled_dot_product_attention(heads_of(q, qc, dim, H), heads_of(k, kc, dim, H),
                                        heads_of(v, vc, dim, H), mask, p, gen);
  const int64_t B = q.size(0), Tq = q.size(1);
  return cat_flat({reshape(permute(r[0], {0, 2, 1, 3}), {B, Tq, dim}), r[1]});
}

// One call as a sample's function and, with the composition, its reference.
struct Call {
  int64_t qc, kc, vc, heads, dim;
  Tensor mask;
  float p = 0.0f;
  uint64_t seed = 0;
  // x: one tensor in three roles (fused QKV), or {q, kv}, or {q, k, v}.
  static const Tensor& role(const Inputs& x, size_t i) { return x[std::min(i, x.size() - 1)]; }
  OpFn fused() const {
    return [c = *this](const Inputs& x) {
      Generator g(c.seed);
      auto r = multi_head_attention(role(x, 0), c.qc, role(x, 1), c.kc, role(x, 2), c.vc, c.heads,
                                    c.dim, c.mask, c.p, c.p > 0 ? &g : nullptr);
      return cat_flat({r[0], r[1]});
    };
  }
  OpFn composed() const {
    return [c = *this](const Inputs& x) {
      Generator g(c.seed);
      return composition(role(x, 0), c.qc, role(x, 1), c.kc, role(x, 2), c.vc, c.heads, c.dim,
                         c.mask, c.p, c.p > 0 ? &g : nullptr);
    };
  }
};

Sample against_composition(std::string name, Inputs inputs, const Call& c) {
  return {.name = std::move(name),
          .inputs = std::move(inputs),
          .f = c.fused(),
          .reference = c.composed()};
}

}  // namespace

// The fused QKV (one tensor in three roles), queries against a keys-and-values tensor, three
// tensors with the heads at column offsets (one a constant), causal and padding masks, dropout:
// against finite differences, and against the composition it replaces (values, gradients, and
// the dropout draws).
const OpInfo multi_head_attention_op{
    .name = "multi_head_attention", .samples = [] {
      const Tensor pad =
          padding_mask(from_vector({0, 0, 0, 1, 0, 1, 1, 1}, {2, 4}));  // [B, 1, 1, Tk]
      Call self2{.qc = 0, .kc = 4, .vc = 8, .heads = 2, .dim = 4, .mask = causal_mask(3)};
      Call cross{.qc = 1,
                 .kc = 0,
                 .vc = 2,
                 .heads = 2,
                 .dim = 4,
                 .mask = padding_mask(from_vector({0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, {2, 5})),
                 .p = 0.3f,
                 .seed = 3};
      Call cross_kv{.qc = 0,
                    .kc = 0,
                    .vc = 4,
                    .heads = 2,
                    .dim = 4,
                    .mask = padding_mask(key_padding({5, 2}, 5)),
                    .p = 0.3f,
                    .seed = 42};
      return std::vector<Sample>{
          against_composition(
              "fused QKV [2, 5, 18], 2 heads of 3, causal", {make_input({2, 5, 18}, 1)},
              {.qc = 0, .kc = 6, .vc = 12, .heads = 2, .dim = 6, .mask = causal_mask(5)}),
          against_composition("[2, 3, 8] against keys-and-values [2, 4, 16], 4 heads, padding",
                              {make_input({2, 3, 8}, 2), make_input({2, 4, 16}, 3)},
                              {.qc = 0, .kc = 0, .vc = 8, .heads = 4, .dim = 8, .mask = pad}),
          against_composition("three tensors at column offsets, constant keys",
                              {make_input({2, 3, 10}, 4), make_input({2, 4, 9}, 5).detach(),
                               make_input({2, 4, 11}, 6)},
                              {.qc = 2, .kc = 1, .vc = 0, .heads = 4, .dim = 8, .mask = pad}),
          against_composition("fused QKV [2, 4, 18], 3 heads, dropout 0.4",
                              {make_input({2, 4, 18}, 7)},
                              {.qc = 0,
                               .kc = 6,
                               .vc = 12,
                               .heads = 3,
                               .dim = 6,
                               .mask = Tensor(),
                               .p = 0.4f,
                               .seed = 5}),
          {.name = "fused QKV [2, 3, 12], causal",
           .inputs = {make_input({2, 3, 12}, 8)},
           .f = self2.fused()},
          {.name = "fused QKV [2, 3, 12], causal, another draw",
           .inputs = {make_input({2, 3, 12}, 53)},
           .f = self2.fused()},
          {.name = "three tensors, padding, dropout 0.3",
           .inputs = {make_input({2, 3, 5}, 9), make_input({2, 5, 4}, 10),
                      make_input({2, 5, 6}, 11)},
           .f = cross.fused()},
          {.name = "[2, 3, 4] against [2, 5, 8], padding, dropout 0.3",
           .inputs = {make_input({2, 3, 4}, 54), make_input({2, 5, 8}, 55)},
           .f = cross_kv.fused()}};
    }};

// The descriptors above, for op_registry() (autograd/CMakeLists.txt generates the call).
std::vector<const OpInfo*> ops_multi_head_op_infos() {
  return {&multi_head_attention_op};
}

}  // namespace attend
