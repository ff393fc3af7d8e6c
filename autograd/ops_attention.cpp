// Fused attention ops: scaled dot-product attention (softmax(Q K^T * scale + mask) V, the
// one-head case of multi_head_attention's kernel) and the additive (Bahdanau) score
// v^T tanh(q + k). Each runs forward and backward in a few tight loops and GEMMs instead of a
// chain of graph nodes.
//   Tq = queries, Tk = keys, d = query/key size, dv = value size, A = additive attention size
#include <cmath>
#include <limits>

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
extern const OpInfo scaled_dot_product_attention_op;
extern const OpInfo additive_attention_score_op;

using Grads = std::vector<Tensor>;

namespace {

Shape batch_dims(const Tensor& t) {
  Shape s = t.shape();
  s.erase(s.ndim() - 1);
  s.erase(s.ndim() - 1);
  return s;
}

}  // namespace

std::vector<Tensor> scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                                 const Tensor& mask, float dropout_p,
                                                 Generator* gen, float scale) {
  ProfileScope profile_scope(scaled_dot_product_attention_op.name);
  if (q.ndim() < 2 || k.ndim() != q.ndim() || v.ndim() != q.ndim() ||
      !(batch_dims(q) == batch_dims(k)) || !(batch_dims(q) == batch_dims(v)) ||
      q.shape().back() != k.shape().back() || k.size(-2) != v.size(-2))
    throw ShapeError(std::string(scaled_dot_product_attention_op.name) + ": query " +
                     q.shape().str() + ", key " + k.shape().str() + " and value " +
                     v.shape().str() + " must be [..., Tq, d], [..., Tk, d], [..., Tk, dv]");
  if (dropout_p > 0 && !gen)
    throw std::invalid_argument("scaled_dot_product_attention: dropout needs a generator");
  const int64_t Tq = q.size(-2), d = q.size(-1), Tk = k.size(-2), dv = v.size(-1);
  if (scale <= 0) scale = 1.0f / std::sqrt(static_cast<float>(d));
  Shape ps = batch_dims(q);  // [..., Tq, Tk]
  ps.push_back(Tq);
  ps.push_back(Tk);
  Shape os = batch_dims(q);  // [..., Tq, dv]
  os.push_back(Tq);
  os.push_back(dv);

  // One head spanning whole rows: the multi-head kernel (ops_multi_head.cpp).
  return kernels::attention_heads({.op = &scaled_dot_product_attention_op,
                                   .inputs = {&q, &k, &v},
                                   .q = {.input = 0, .col = 0},
                                   .k = {.input = 1, .col = 0},
                                   .v = {.input = 2, .col = 0},
                                   .heads = 1,
                                   .dqk = d,
                                   .dv = dv,
                                   .scale = scale,
                                   .weights_shape = ps,
                                   .out_shape = os},
                                  mask, dropout_p, gen);
}

Tensor additive_attention_score(const Tensor& qp, const Tensor& kp, const Tensor& v) {
  ProfileScope profile_scope(additive_attention_score_op.name);
  if (qp.ndim() != 3 || kp.ndim() != 3 || v.ndim() != 1 || qp.size(0) != kp.size(0) ||
      qp.size(2) != kp.size(2) || v.size(0) != qp.size(2))
    throw ShapeError(std::string(additive_attention_score_op.name) + ": projected query " +
                     qp.shape().str() + ", keys " + kp.shape().str() + " and v " + v.shape().str() +
                     " must be [B, Tq, A], [B, Tk, A] and [A]");
  const int64_t B = qp.size(0), Tq = qp.size(1), Tk = kp.size(1), A = qp.size(2);
  Tensor t = Tensor::empty({B, Tq, Tk, A});  // tanh(q + k) for every (query, key) pair, saved
  Tensor score = Tensor::empty({B, Tq, Tk});
  // Over the (batch, query) rows.
  parallel_for(B * Tq, rows_grain(Tk * A, 8), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      const int64_t b = row / Tq;
      const float* qr = qp.data() + row * A;
      for (int64_t j = 0; j < Tk; ++j) {
        const float* kr = kp.data() + (b * Tk + j) * A;
        float* tr = t.data() + (row * Tk + j) * A;
        const float* vr = v.data();
#pragma omp simd
        for (int64_t a = 0; a < A; ++a) tr[a] = vec::tanh(qr[a] + kr[a]);
        float s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t a = 0; a < A; ++a) s += vr[a] * tr[a];
        score.data()[row * Tk + j] = s;
      }
    }
  });
  const bool gq = qp.requires_grad(), gk = kp.requires_grad(), gv = v.requires_grad();
  Tensor sv = v.detach();
  return record(additive_attention_score_op, score, {&qp, &kp, &v}, [=](const Tensor& g) {
    // dt = g * v * (1 - t^2): shared by the query (summed over keys) and the key (summed over
    // queries).
    Tensor dq = gq ? zeros({B, Tq, A}) : Tensor(), dk = gk ? zeros({B, Tk, A}) : Tensor(),
           dv = gv ? zeros({A}) : Tensor();
    // The workers split the batch: dq and dk rows belong to one batch entry; dv sums over all
    // of them, one partial per range (range 0 straight into dv), added in range order.
    const int64_t ranges = range_count(B, rows_grain(Tq * Tk * A, 6));
    RangePartials dv_parts(gv ? dv.data() : nullptr, A, ranges);
    parallel_ranges(B, ranges, [&](int64_t k, int64_t b0, int64_t b1) {
      float* dvr = dv_parts.of(k);
      const float* vr = sv.data();
      for (int64_t b = b0; b < b1; ++b)
        for (int64_t i = 0; i < Tq; ++i)
          for (int64_t j = 0; j < Tk; ++j) {
            const float gs = g.data()[(b * Tq + i) * Tk + j];
            const float* tr = t.data() + ((b * Tq + i) * Tk + j) * A;
            float* dqr = gq ? dq.data() + (b * Tq + i) * A : nullptr;
            float* dkr = gk ? dk.data() + (b * Tk + j) * A : nullptr;
            // Separate loops without branches inside, so each vectorises.
            if (dqr && dkr) {
#pragma omp simd
              for (int64_t a = 0; a < A; ++a) {
                const float dt = gs * vr[a] * (1.0f - tr[a] * tr[a]);
                dqr[a] += dt;
                dkr[a] += dt;
              }
            } else if (dqr || dkr) {
              float* d = dqr ? dqr : dkr;
#pragma omp simd
              for (int64_t a = 0; a < A; ++a) d[a] += gs * vr[a] * (1.0f - tr[a] * tr[a]);
            }
            if (dvr) {
#pragma omp simd
              for (int64_t a = 0; a < A; ++a) dvr[a] += gs * tr[a];
            }
          }
    });
    dv_parts.fold();
    return Grads{dq, dk, dv};
  });
}

Tensor causal_mask(int64_t t) {
  Tensor m = zeros({t, t});
  for (int64_t i = 0; i < t; ++i)
    for (int64_t j = i + 1; j < t; ++j)
      m.data()[i * t + j] = -std::numeric_limits<float>::infinity();
  return m;
}

Tensor padding_mask(const Tensor& key_padding_mask) {
  if (key_padding_mask.ndim() != 2)
    throw ShapeError("padding_mask: key_padding_mask must be [batch, keys], got " +
                     key_padding_mask.shape().str());
  const float neg_inf = -std::numeric_limits<float>::infinity();
  Tensor m =
      kernels::map(key_padding_mask, [neg_inf](float v) { return v != 0.0f ? neg_inf : 0.0f; });
  return reshape(m, {key_padding_mask.size(0), 1, 1, key_padding_mask.size(1)});
}

// --- descriptors -------------------------------------------------------------------------------

namespace {

// softmax(q k^T / sqrt(d) + mask) v from basic ops: {output, weights} flat.
Tensor sdpa_composition(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask) {
  Tensor s = matmul(q, k, false, true) * (1.0f / std::sqrt(static_cast<float>(q.size(-1))));
  if (mask.defined()) s = s + mask;
  Tensor w = softmax(s, -1);
  return cat_flat({matmul(w, v), w});
}

}  // namespace

// Both outputs (the weights carry gradient too), with padding and causal masks, and dropout
// with a re-seeded generator; against the composition of basic ops.
const OpInfo scaled_dot_product_attention_op{
    .name = "scaled_dot_product_attention", .samples = [] {
      const Tensor pad =
          reshape(padding_mask(from_vector({0, 0, 0, 0, 1, 0, 0, 1, 1, 1}, {2, 5})), {2, 1, 5});
      auto with_mask = [](Tensor mask) {
        return [mask](const Inputs& x) {
          auto r = scaled_dot_product_attention(x[0], x[1], x[2], mask);
          return cat_flat({r[0], r[1]});
        };
      };
      auto with_dropout = [](const Inputs& x) {
        Generator g(42);
        return scaled_dot_product_attention(x[0], x[1], x[2], Tensor(), 0.3f, &g)[0];
      };
      // batch 1 pads its last two keys; causal on top: [2, 1, 4, 4]
      const Tensor both_masks =
          padding_mask(from_vector({0, 0, 0, 1, 0, 0, 1, 1}, {2, 4})) + causal_mask(4);
      return std::vector<Sample>{
          {.name = "[2, 3, 4] over 5 keys, padding mask",
           .inputs = {make_input({2, 3, 4}, 4), make_input({2, 5, 4}, 5), make_input({2, 5, 3}, 6)},
           .f = with_mask(pad)},
          {.name = "[2, 3, 4] over 5 keys, padding mask, another draw",
           .inputs = {make_input({2, 3, 4}, 47), make_input({2, 5, 4}, 48),
                      make_input({2, 5, 3}, 49)},
           .f = with_mask(reshape(padding_mask(key_padding({5, 2}, 5)), {2, 1, 5}))},
          {.name = "[2, 4, 4], dropout 0.3",
           .inputs = {make_input({2, 4, 4}, 7), make_input({2, 4, 4}, 8), make_input({2, 4, 4}, 9)},
           .f = with_dropout},
          {.name = "[2, 3, 4] over 5 keys, dropout 0.3",
           .inputs = {make_input({2, 3, 4}, 47), make_input({2, 5, 4}, 48),
                      make_input({2, 5, 3}, 49)},
           .f = with_dropout},
          {.name = "[2, 3, 4, 5], causal and padding masks, against the composition",
           .inputs = {make_input({2, 3, 4, 5}, 1), make_input({2, 3, 4, 5}, 2),
                      make_input({2, 3, 4, 6}, 3)},
           .f = with_mask(both_masks),
           .reference = [both_masks](const Inputs& x) {
             return sdpa_composition(x[0], x[1], x[2], both_masks);
           }}};
    }};

// Against v^T tanh(qp_i + kp_j) by broadcasting: [2,3,1,4] + [2,1,5,4] -> [2,3,5,4] -> sum over A.
const OpInfo additive_attention_score_op{
    .name = "additive_attention_score", .samples = [] {
      const OpFn f = [](const Inputs& x) { return additive_attention_score(x[0], x[1], x[2]); };
      return std::vector<Sample>{
          {.name = "[2, 3, 4] with [2, 5, 4], against the composition",
           .inputs = {make_input({2, 3, 4}, 10), make_input({2, 5, 4}, 11), make_input({4}, 12)},
           .f = f,
           .reference =
               [](const Inputs& x) {
                 return sum(tanh(unsqueeze(x[0], 2) + unsqueeze(x[1], 1)) * x[2], -1);
               }},
          {.name = "[2, 3, 4] with [2, 5, 4], another draw",
           .inputs = {make_input({2, 3, 4}, 50), make_input({2, 5, 4}, 51), make_input({4}, 52)},
           .f = f}};
    }};

// The descriptors above, for op_registry() (autograd/CMakeLists.txt generates the call).
std::vector<const OpInfo*> ops_attention_op_infos() {
  return {&scaled_dot_product_attention_op, &additive_attention_score_op};
}

}  // namespace attend
