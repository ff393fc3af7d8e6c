// Loop templates shared by the op files: elementwise maps and the broadcasting iterator.
// Internal to autograd/ (ops include it; users include ops.h).
#pragma once

#include <algorithm>
#include <array>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/random.h"
#include "autograd/vec_math.h"

namespace attend {
struct OpInfo;  // autograd/op_info.h
}  // namespace attend

namespace attend::kernels {

// The maps below run over the --threads workers (autograd/parallel.h); f must be a pure function
// of its arguments (the loops are declared SIMD, so a select of two computed sides vectorises
// where the compiler would otherwise branch on each element).

// out[i] = f(x[i])
template <class F>
Tensor map(const Tensor& x, F f) {
  Tensor out = Tensor::empty(x.shape());
  const float* px = x.data();
  float* po = out.data();
  // Each worker's loop reads its own local copies of the pointers and of f, which its stores
  // cannot change, so it vectorises; read through the shared closure, a float that f captured
  // (a slope, a scale) might alias po and is loaded again for every element.
  parallel_for(x.numel(), kElementwiseGrain, [px, po, f](int64_t begin, int64_t end) {
    const F fn = f;
    const float* in = px;
    float* o = po;
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) o[i] = fn(in[i]);
  });
  return out;
}

// A plain copy outside the graph.
inline Tensor copy_of(const Tensor& x) {
  Tensor out = Tensor::empty(x.shape());
  std::copy_n(x.data(), x.numel(), out.data());
  return out;
}

// out[i] = f(a[i], b[i]) for equal shapes
template <class F>
Tensor zip(const Tensor& a, const Tensor& b, F f) {
  Tensor out = Tensor::empty(a.shape());
  const float* pa = a.data();
  const float* pb = b.data();
  float* po = out.data();
  parallel_for(a.numel(), kElementwiseGrain, [pa, pb, po, f](int64_t begin, int64_t end) {
    const F fn = f;  // local copies, as in map
    const float *in_a = pa, *in_b = pb;
    float* o = po;
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) o[i] = fn(in_a[i], in_b[i]);
  });
  return out;
}

// out[i] = f(a[i], b[i], c[i]) for equal shapes
template <class F>
Tensor zip3(const Tensor& a, const Tensor& b, const Tensor& c, F f) {
  Tensor out = Tensor::empty(a.shape());
  const float* pa = a.data();
  const float* pb = b.data();
  const float* pc = c.data();
  float* po = out.data();
  parallel_for(a.numel(), kElementwiseGrain, [pa, pb, pc, po, f](int64_t begin, int64_t end) {
    const F fn = f;  // local copies, as in map
    const float *in_a = pa, *in_b = pb, *in_c = pc;
    float* o = po;
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) o[i] = fn(in_a[i], in_b[i], in_c[i]);
  });
  return out;
}

// Element strides of `in` aligned to the right of `out`'s dimensions, 0 where `in` is broadcast.
inline std::array<int64_t, Shape::kMaxDims> broadcast_strides(const Shape& in, const Shape& out) {
  std::array<int64_t, Shape::kMaxDims> st{};
  auto cs = contiguous_strides(in);
  const int off = out.ndim() - in.ndim();
  for (int i = 0; i < in.ndim(); ++i) st[i + off] = in[i] == 1 && out[i + off] != 1 ? 0 : cs[i];
  return st;
}

// Calls body(out_flat_index, inner_count, offsets...) for each innermost row of `out`, where
// offsets[k] is the flat offset of operand k at the row's start; the row's elements advance by
// inner_strides[k]. Covers every broadcasting case with one loop nest.
template <size_t K, class Body>
void for_each_row(const Shape& out,
                  const std::array<std::array<int64_t, Shape::kMaxDims>, K>& strides, Body body) {
  const int nd = out.ndim();
  if (nd == 0) {
    std::array<int64_t, K> off{};
    body(int64_t{0}, int64_t{1}, off);
    return;
  }
  const int64_t inner = out[nd - 1];
  const int64_t rows = inner == 0 ? 0 : out.numel() / inner;
  std::array<int64_t, Shape::kMaxDims> idx{};
  std::array<int64_t, K> off{};
  for (int64_t r = 0; r < rows; ++r) {
    body(r * inner, inner, off);
    // Advance the multi-index over the outer dimensions (odometer), updating offsets.
    for (int d = nd - 2; d >= 0; --d) {
      if (++idx[d] < out[d]) {
        for (size_t k = 0; k < K; ++k) off[k] += strides[k][d];
        break;
      }
      for (size_t k = 0; k < K; ++k) off[k] -= strides[k][d] * (out[d] - 1);
      idx[d] = 0;
    }
  }
}

// How many elements `in` repeats when it broadcasts to `out` along leading dimensions only (a
// [H, F] or [1, H, F] operand of an [N, H, F] one): its element count, whose values are then
// out's trailing block, or 0 when `in` broadcasts some other way.
inline int64_t trailing_block(const Shape& in, const Shape& out) {
  int lead = 0;  // in's leading 1s
  while (lead < in.ndim() && in[lead] == 1) ++lead;
  const int rest = in.ndim() - lead;
  if (rest == 0 || rest > out.ndim()) return 0;
  for (int i = 0; i < rest; ++i)
    if (in[lead + i] != out[out.ndim() - rest + i]) return 0;
  return in.numel();
}

// out = f(a, b) with broadcasting, written into `out`, which has the broadcast shape and may be
// `a` itself (each element is read before it is written); fast paths for a scalar operand and
// for an operand repeated along leading dimensions (whole rows at a time: the general loop's
// rows are the last dimension only, 8 features of a GAT head).
template <class F>
void broadcast_zip_into(const Tensor& a, const Tensor& b, Tensor& out, const char* op, F f) {
  const Shape os = broadcast_shapes(a.shape(), b.shape(), op);
  if (out.shape() != os)
    throw ShapeError(std::string(op) + ": output " + out.shape().str() +
                     " is not the broadcast shape " + os.str());
  const float* pa = a.data();
  const float* pb = b.data();
  float* po = out.data();
  const int64_t n = out.numel();
  if (b.numel() == 1 && os == a.shape()) {
    const float s = pb[0];
    parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) po[i] = f(pa[i], s);
    });
    return;
  }
  if (a.numel() == 1 && os == b.shape()) {
    const float s = pa[0];
    parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) po[i] = f(s, pb[i]);
    });
    return;
  }
  const int64_t block_b = os == a.shape() ? trailing_block(b.shape(), os) : 0;
  const int64_t block_a = os == b.shape() ? trailing_block(a.shape(), os) : 0;
  if (block_a || block_b) {
    const int64_t w = block_a ? block_a : block_b;
    // Row r of the full operand starts r w elements in; the repeated one starts at 0 every row.
    const int64_t step_a = block_b ? w : 0, step_b = block_a ? w : 0;
    parallel_for(n / w, std::max<int64_t>(1, kElementwiseGrain / w),
                 [pa, pb, po, w, step_a, step_b, f](int64_t r0, int64_t r1) {
                   const F fn = f;  // local copies, as in map
                   for (int64_t r = r0; r < r1; ++r) {
                     const float *ra = pa + r * step_a, *rb = pb + r * step_b;
                     float* ro = po + r * w;
                     for (int64_t i = 0; i < w; ++i) ro[i] = fn(ra[i], rb[i]);
                   }
                 });
    return;
  }
  std::array<std::array<int64_t, Shape::kMaxDims>, 2> st{broadcast_strides(a.shape(), os),
                                                         broadcast_strides(b.shape(), os)};
  const int64_t sa = os.ndim() ? st[0][os.ndim() - 1] : 0;
  const int64_t sb = os.ndim() ? st[1][os.ndim() - 1] : 0;
  for_each_row<2>(os, st, [&](int64_t o, int64_t inner, const std::array<int64_t, 2>& off) {
    const float* ra = pa + off[0];
    const float* rb = pb + off[1];
    float* ro = po + o;
    if (sa == 1 && sb == 1) {
      for (int64_t i = 0; i < inner; ++i) ro[i] = f(ra[i], rb[i]);
    } else if (sa == 1 && sb == 0) {
      const float vb = rb[0];
      for (int64_t i = 0; i < inner; ++i) ro[i] = f(ra[i], vb);
    } else if (sa == 0 && sb == 1) {
      const float va = ra[0];
      for (int64_t i = 0; i < inner; ++i) ro[i] = f(va, rb[i]);
    } else {
      for (int64_t i = 0; i < inner; ++i) ro[i] = f(ra[i * sa], rb[i * sb]);
    }
  });
}

// out = f(a, b) with broadcasting; equal shapes take zip's path.
template <class F>
Tensor broadcast_zip(const Tensor& a, const Tensor& b, const char* op, F f) {
  if (a.shape() == b.shape()) return zip(a, b, f);
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), op));
  broadcast_zip_into(a, b, out, op, f);
  return out;
}

// Splits a shape around dim into [outer, n, inner] for reductions and softmax along dim.
struct DimSplit {
  int64_t outer = 1, n = 1, inner = 1;
};
inline DimSplit split_at(const Shape& s, int dim) {
  DimSplit r;
  for (int i = 0; i < dim; ++i) r.outer *= s[i];
  r.n = s.ndim() ? s[dim] : 1;
  for (int i = dim + 1; i < s.ndim(); ++i) r.inner *= s[i];
  return r;
}

// The largest element of p[0..n) (-inf when n == 0; NaNs are skipped, as std::max(m, x) skips
// them: the caller's exp(x - max) still turns a NaN input into NaN). `omp simd reduction(max)`
// over std::max compiles to a scalar chain of dependent maxss here (4 cycles per element: a
// third of cross_entropy's time over B2's [768, 1000] logits), and lanes in a stack array cost a
// store-forwarding stall per row; GCC's vector extension keeps 8 lanes in one register.
inline float row_max(const float* __restrict p, int64_t n) {
  typedef float v8 __attribute__((vector_size(32)));
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  v8 acc = {kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    v8 x;
    std::memcpy(&x, p + j, sizeof x);
    acc = x > acc ? x : acc;  // a NaN compares false: acc kept
  }
  float m = kNegInf;
  for (; j < n; ++j) m = std::max(m, p[j]);
  for (int l = 0; l < 8; ++l) m = std::max(m, acc[l]);
  return m;
}

// In place over one contiguous row: p <- softmax(p) (log_space: log_softmax). A row of -inf
// (every key masked) gives NaN, as in PyTorch.
inline void softmax_row(float* __restrict p, int64_t n, bool log_space) {
  float m = row_max(p, n);
  if (m == -std::numeric_limits<float>::infinity())
    m = 0.0f;  // an all -inf line: keep NaN-free max
  float s = 0;
  if (log_space) {
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < n; ++j) s += vec::exp(p[j] - m);
    const float lse = m + std::log(s);
    for (int64_t j = 0; j < n; ++j) p[j] -= lse;
  } else {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) p[j] = vec::exp(p[j] - m);
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < n; ++j) s += p[j];
    const float inv = 1.0f / s;
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) p[j] *= inv;
  }
}

// Over rows contiguous rows of n: out <- softmax(x) row by row (out may be x: in place). For
// short rows (attention over 24 keys) a per-row exp loop spends most of its time in vector tails;
// subtracting each row's max first lets one long loop take the exp of the whole block. Writing
// x - max straight into out saves the copy an in-place kernel needs.
inline void softmax_rows(const float* x, float* out, int64_t rows, int64_t n) {
  // Rows split over the workers; within a row, the same order as on one thread.
  parallel_for(rows, rows_grain(n, 8), [=](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * n;
      float* row = out + r * n;
      float m = row_max(xr, n);
      if (m == -std::numeric_limits<float>::infinity()) m = 0.0f;  // as softmax_row
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) row[j] = xr[j] - m;
    }
    float* block = out + r0 * n;
    const int64_t total = (r1 - r0) * n;
#pragma omp simd
    for (int64_t i = 0; i < total; ++i) block[i] = vec::exp(block[i]);
    for (int64_t r = r0; r < r1; ++r) {
      float* row = out + r * n;
      float s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t j = 0; j < n; ++j) s += row[j];
      const float inv = 1.0f / s;
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) row[j] *= inv;
    }
  });
}

// Softmax's backward over one contiguous row given its output y: dx = y * (g - sum_j g_j y_j)
// (dx may be g: in place). Contiguous, so both loops vectorise (the strided form cannot).
inline void softmax_backward_row(const float* __restrict y, const float* g, float* dx, int64_t n) {
  float dot = 0;
#pragma omp simd reduction(+ : dot)
  for (int64_t j = 0; j < n; ++j) dot += g[j] * y[j];
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) dx[j] = y[j] * (g[j] - dot);
}

// scores += mask in place (scores: a tensor the caller owns, outside any graph), the additive mask
// (0 keeps, -inf blocks; [Tq, Tk] causal, [B, 1, 1, Tk] padding) broadcast without a second
// [B, H, Tq, Tk] tensor. It must broadcast to the scores' shape without growing it; a mask that
// does not is named in the error.
inline void add_attention_mask_(Tensor& scores, const Tensor& mask, const char* op) {
  bool fits = false;
  try {
    fits = broadcast_shapes(scores.shape(), mask.shape(), op) == scores.shape();
  } catch (const ShapeError&) {  // reported below, naming the mask
  }
  if (!fits)
    throw ShapeError(std::string(op) + ": mask of shape " + mask.shape().str() +
                     " does not broadcast to the scores' shape " + scores.shape().str());
  broadcast_zip_into(scores, mask, scores, op, [](float s, float m) { return s + m; });
}

// Dropout's coins: one draw from gen per element, in element order. Element i is dropped when
// gen.uniform() < p would be, i.e. when its draw's top 24 bits are below ceil(p 2^24) (exact:
// uniform() is those bits times 2^-24); calls apply(i, keep) with keep = 0 for a dropped element
// and 1 / (1 - p) for a kept one. The draws come a block at a time (Generator::fill_u64) and the
// keep factor is computed without a branch, so the loop vectorises and a 50% coin does not
// mispredict. The stream is serial: for a large tensor the calling thread draws the coins of one
// chunk after another into a byte each while the other workers apply the chunks already drawn
// (produce_and_consume; Cora's 3.9 million features read and write 31 MB). apply must not throw.
template <class Apply>
void dropout_coins(int64_t n, float p, Generator& gen, Apply apply) {
  const float scale = p >= 1.0f ? 0.0f : 1.0f / (1.0f - p);
  const uint64_t cut = static_cast<uint64_t>(std::ceil(static_cast<double>(p) * 0x1.0p24));
  static constexpr int64_t kBlock = 1024;
  if (range_count(n, kDropoutChunk) == 1) {
    uint64_t draws[kBlock];
    for (int64_t start = 0; start < n; start += kBlock) {
      const int64_t m = std::min(kBlock, n - start);
      gen.fill_u64(draws, m);
#pragma omp simd
      for (int64_t k = 0; k < m; ++k)
        apply(start + k, scale * static_cast<float>((draws[k] >> 40) >= cut));
    }
    return;
  }
  std::vector<uint8_t> kept(static_cast<size_t>(n));
  uint8_t* const flags = kept.data();
  produce_and_consume((n + kDropoutChunk - 1) / kDropoutChunk,
                      [&gen, flags, n, cut](int64_t c) {
                        uint64_t draws[kBlock];
                        const int64_t end = std::min(n, (c + 1) * kDropoutChunk);
                        for (int64_t start = c * kDropoutChunk; start < end; start += kBlock) {
                          const int64_t m = std::min(kBlock, end - start);
                          gen.fill_u64(draws, m);
                          uint8_t* const f = flags + start;
#pragma omp simd
                          for (int64_t k = 0; k < m; ++k) f[k] = (draws[k] >> 40) >= cut;
                        }
                      },
                      [flags, n, scale, apply](int64_t c) {
                        const Apply fn = apply;  // a worker's own copy (see map)
                        const uint8_t* const f = flags;
                        const float s = scale;
                        const int64_t end = std::min(n, (c + 1) * kDropoutChunk);
#pragma omp simd
                        for (int64_t i = c * kDropoutChunk; i < end; ++i)
                          fn(i, s * static_cast<float>(f[i]));
                      });
}

// Dropout's keep mask on attention weights (PyTorch's nn.MultiheadAttention drops weights, not
// inputs): 1 / (1 - p) where a weight is kept, 0 where dropped, one draw per weight in order
// (dropout_coins), so every attention op draws the same masks from the same generator.
inline Tensor attention_keep_mask(const Shape& s, float p, Generator& gen) {
  Tensor keep = Tensor::empty(s);
  float* const k = keep.data();
  dropout_coins(keep.numel(), p, gen, [k](int64_t i, float scale) { k[i] = scale; });
  return keep;
}

// Scaled dot-product attention over heads read in place from rows: the one kernel behind
// scaled_dot_product_attention (one head spanning each row) and multi_head_attention (defined in
// ops_multi_head.cpp). Each role tensor is [..., T, W] with the query's leading dimensions (B
// entries); head h of entry b reads columns [col + h d, col + (h+1) d) of its T rows (d = dqk for
// queries and keys, dv for values). The caller checks shapes and opens the profiler scope; this
// records node `op` with outputs {out_shape [..., Tq, H dv] (heads side by side), weights_shape
// [.., Tq, Tk] (B H Tq Tk weights, before dropout)}. mask and dropout as in ops.h's
// scaled_dot_product_attention.
struct AttentionRole {
  int64_t input;  // index into AttentionHeads::inputs
  int64_t col;    // first column of head 0
};
struct AttentionHeads {
  const OpInfo* op;                   // the recorded op; its name is in error messages
  std::vector<const Tensor*> inputs;  // the op's inputs, each given its own gradient
  AttentionRole q, k, v;
  int64_t heads, dqk, dv;
  float scale;  // on Q K^T
  Shape weights_shape, out_shape;
};
std::vector<Tensor> attention_heads(const AttentionHeads& a, const Tensor& mask, float dropout_p,
                                    Generator* gen);

// Reads an index stored in a float tensor, checking it is a whole number in [0, limit).
int64_t checked_index(float v, int64_t limit, const char* op);

}  // namespace attend::kernels
