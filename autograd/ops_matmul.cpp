// Matrix products through kernels::gemm. Transposed operands are passed to sgemm as flags, never
// copied. Batched products loop over the (broadcast) batch; when the right operand has no batch
// dimensions the batch folds into M and the whole product is one GEMM.
#include <cstdint>
#include <iterator>
#include <memory>
#include <new>
#include <string>
#include <vector>

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
extern const OpInfo matmul_op;
extern const OpInfo linear_op;

using Grads = std::vector<Tensor>;
using kernels::gemm;

namespace {

Shape batch_of(const Shape& s) {
  Shape b = s;
  b.erase(b.ndim() - 1);
  b.erase(b.ndim() - 1);
  return b;
}

// Flat batch index of a (or b) for each flat batch index of the broadcast output.
std::vector<int64_t> batch_map(const Shape& in_batch, const Shape& out_batch) {
  std::vector<int64_t> map(out_batch.numel());
  if (out_batch.ndim() == 0) return {0};
  std::array<std::array<int64_t, Shape::kMaxDims>, 1> st{
      kernels::broadcast_strides(in_batch, out_batch)};
  // Iterate element by element: treat the batch shape with a trailing unit row dimension.
  Shape rows = out_batch;
  rows.push_back(1);
  st[0][rows.ndim() - 1] = 0;
  kernels::for_each_row<1>(
      rows, st, [&](int64_t o, int64_t, const std::array<int64_t, 1>& off) { map[o] = off[0]; });
  return map;
}

bool is_identity(const std::vector<int64_t>& m) {
  for (size_t i = 0; i < m.size(); ++i)
    if (m[i] != static_cast<int64_t>(i)) return false;
  return true;
}

// The nonzeros of x [rows, in] row by row (CSR), for inputs such as bag-of-words features (Cora:
// 1.3% nonzero, fewer after dropout), where a dense GEMM spends 98% of its work on zeros.
struct SparseRows {
  std::vector<int64_t> start;  // [rows + 1]
  std::vector<int32_t> col;
  std::vector<float> val;
};

// One worker's share of sparse_rows: rows [begin, end) of x [rows, in], their nonzeros appended
// to col and val and each row's first index (within this share) in starts[r]. Stops early, with
// too_dense set, once the share alone holds more than `limit` nonzeros.
struct alignas(64) RowScan {  // a cache line each: the workers' appends do not contend
  std::vector<int32_t> col;
  std::vector<float> val;
  bool too_dense = false, out_of_memory = false;

  void scan(const float* x, int64_t in, int64_t begin, int64_t end, int64_t limit,
            int64_t* starts) {
    try {  // push_back may throw, and nothing may leave a worker
      for (int64_t r = begin; r < end; ++r) {
        starts[r] = static_cast<int64_t>(col.size());
        const float* xr = x + r * in;
        for (int64_t j = 0; j < in; j += 16) {
          const int64_t m = std::min<int64_t>(16, in - j);
          if (m == 16) {  // one vector compare skips sixteen zeros; NaN counts as nonzero
            int nonzero = 0;
#pragma omp simd reduction(| : nonzero)
            for (int64_t t = 0; t < 16; ++t) nonzero |= xr[j + t] != 0.0f;
            if (!nonzero) continue;
          }
          for (int64_t t = 0; t < m; ++t)
            if (xr[j + t] != 0.0f) {
              if (static_cast<int64_t>(col.size()) >= limit) {
                too_dense = true;
                return;
              }
              col.push_back(static_cast<int32_t>(j + t));
              val.push_back(xr[j + t]);
            }
        }
      }
    } catch (const std::bad_alloc&) {
      out_of_memory = true;
    }
  }
};

// x as SparseRows when it is large and at most 1/16 nonzero; null otherwise. The rows are
// scanned in ranges over the workers, and a range stops as soon as it alone passes the limit, so
// a dense input pays for a few percent of one pass.
std::shared_ptr<SparseRows> sparse_rows(const float* x, int64_t rows, int64_t in) {
  const int64_t n = rows * in;
  if (n < (int64_t{1} << 16) || in > INT32_MAX) return nullptr;
  const int64_t limit = n / 16;
  const int64_t ranges = std::min(rows, range_count(n, kElementwiseGrain));
  std::vector<RowScan> parts(static_cast<size_t>(ranges));
  auto sp = std::make_shared<SparseRows>();
  sp->start.resize(rows + 1);  // first as offsets within each range's part
  int64_t* const starts = sp->start.data();
  // Captured by copy: a value read through a reference is loaded again after every store.
  parallel_ranges(rows, ranges, [x, in, limit, starts, &parts](int64_t k, int64_t b, int64_t e) {
    parts[k].scan(x, in, b, e, limit, starts);
  });
  int64_t total = 0;
  for (const RowScan& part : parts) {
    if (part.out_of_memory) throw std::bad_alloc();
    if (part.too_dense) return nullptr;
    total += static_cast<int64_t>(part.col.size());
  }
  if (total > limit) return nullptr;
  sp->col.reserve(total);
  sp->val.reserve(total);
  for (int64_t k = 0; k < ranges; ++k) {  // offsets within a part become offsets in the whole
    const int64_t base = static_cast<int64_t>(sp->col.size());
    for (int64_t r = rows * k / ranges; r < rows * (k + 1) / ranges; ++r) starts[r] += base;
    sp->col.insert(sp->col.end(), parts[k].col.begin(), parts[k].col.end());
    sp->val.insert(sp->val.end(), parts[k].val.begin(), parts[k].val.end());
  }
  sp->start[rows] = total;
  return sp;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  ProfileScope profile_scope(matmul_op.name);
  if (a.ndim() < 2 || b.ndim() < 2)
    throw ShapeError(std::string(matmul_op.name) +
                     ": both operands need at least 2 dimensions, got " + a.shape().str() +
                     " and " + b.shape().str() + " (reshape vectors to [1, n] or [n, 1])");
  // a: [..., M, K] (stored [..., K, M] if ta) -- b: [..., K, N] (stored [..., N, K] if tb)
  const int64_t M = ta ? a.shape().dim(-1) : a.shape().dim(-2);
  const int64_t K = ta ? a.shape().dim(-2) : a.shape().dim(-1);
  const int64_t Kb = tb ? b.shape().dim(-1) : b.shape().dim(-2);
  const int64_t N = tb ? b.shape().dim(-2) : b.shape().dim(-1);
  if (K != Kb)
    throw ShapeError(std::string(matmul_op.name) + ": shapes " + a.shape().str() +
                     (ta ? "^T" : "") + " and " + b.shape().str() + (tb ? "^T" : "") +
                     " cannot be multiplied (" + std::to_string(K) + " != " + std::to_string(Kb) +
                     ")");
  const Shape ab = batch_of(a.shape()), bb = batch_of(b.shape());
  const Shape batch = broadcast_shapes(ab, bb, matmul_op.name);
  Shape os = batch;
  os.push_back(M);
  os.push_back(N);
  Tensor out = Tensor::empty(os);
  const bool fold = bb.numel() == 1 && bb.ndim() == 0 && !ta;  // b is one matrix: one GEMM
  std::vector<int64_t> amap, bmap;
  const int64_t nb = batch.numel();
  if (fold) {
    gemm(false, tb, ab.numel() * M, N, K, 1.0f, a.data(), b.data(), 0.0f, out.data());
  } else {
    amap = batch_map(ab, batch);
    bmap = batch_map(bb, batch);
    for (int64_t i = 0; i < nb; ++i)
      gemm(ta, tb, M, N, K, 1.0f, a.data() + amap[i] * M * K, b.data() + bmap[i] * K * N, 0.0f,
           out.data() + i * M * N);
  }
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  Tensor sa = gb ? a.detach() : Tensor(), sb = ga ? b.detach() : Tensor();
  return record(matmul_op, out, {&a, &b},
                [=, amap = std::move(amap), bmap = std::move(bmap), sha = a.shape(),
                 shb = b.shape()](const Tensor& g) {
                  Tensor da, db;
                  if (fold) {
                    const int64_t BM = ab.numel() * M;
                    // dA[BM,K] = dC[BM,N] op(B)^T ; dB = op(A)^T dC (or dC^T A when tb)
                    if (ga) {
                      da = Tensor::empty(sha);
                      gemm(false, !tb, BM, K, N, 1.0f, g.data(), sb.data(), 0.0f, da.data());
                    }
                    if (gb) {
                      db = Tensor::empty(shb);
                      if (tb)
                        gemm(true, false, N, K, BM, 1.0f, g.data(), sa.data(), 0.0f, db.data());
                      else
                        gemm(true, false, K, N, BM, 1.0f, sa.data(), g.data(), 0.0f, db.data());
                    }
                    return Grads{da, db};
                  }
                  // Broadcast batch entries receive the sum of their uses: zero and accumulate.
                  const bool a_bcast = !is_identity(amap) || ab.numel() != nb;
                  const bool b_bcast = !is_identity(bmap) || bb.numel() != nb;
                  if (ga) da = a_bcast ? zeros(sha) : Tensor::empty(sha);
                  if (gb) db = b_bcast ? zeros(shb) : Tensor::empty(shb);
                  for (int64_t i = 0; i < nb; ++i) {
                    const float* gi = g.data() + i * M * N;
                    const float* ai = sa.defined() ? sa.data() + amap[i] * M * K : nullptr;
                    const float* bi = sb.defined() ? sb.data() + bmap[i] * K * N : nullptr;
                    if (ga) {
                      float* dai = da.data() + amap[i] * M * K;
                      if (!ta)
                        gemm(false, !tb, M, K, N, 1.0f, gi, bi, a_bcast ? 1.0f : 0.0f, dai);
                      else
                        gemm(tb, true, K, M, N, 1.0f, bi, gi, a_bcast ? 1.0f : 0.0f, dai);
                    }
                    if (gb) {
                      float* dbi = db.data() + bmap[i] * K * N;
                      if (!tb)
                        gemm(!ta, false, K, N, M, 1.0f, ai, gi, b_bcast ? 1.0f : 0.0f, dbi);
                      else
                        gemm(true, ta, N, K, M, 1.0f, gi, ai, b_bcast ? 1.0f : 0.0f, dbi);
                    }
                  }
                  return Grads{da, db};
                });
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  ProfileScope profile_scope(linear_op.name);
  if (weight.ndim() != 2)
    throw ShapeError(std::string(linear_op.name) + ": weight must be [out, in], got " +
                     weight.shape().str());
  const int64_t out_f = weight.shape()[0], in_f = weight.shape()[1];
  if (x.ndim() < 1 || x.shape().back() != in_f)
    throw ShapeError(std::string(linear_op.name) + ": input of shape " + x.shape().str() +
                     " does not end in " + std::to_string(in_f) + " features (weight " +
                     weight.shape().str() + ")");
  if (bias.defined() && !(bias.shape() == Shape{out_f}))
    throw ShapeError(std::string(linear_op.name) + ": bias of shape " + bias.shape().str() +
                     " does not match weight " + weight.shape().str());
  int64_t rows = 1;  // x's leading dimensions (not numel / in_f: in_f may be 0)
  for (int i = 0; i + 1 < x.ndim(); ++i) rows *= x.size(i);
  Shape os = x.shape();
  os[os.ndim() - 1] = out_f;
  Tensor out = Tensor::empty(os);
  float beta = 0.0f;
  if (bias.defined()) {  // start from the bias in every row, then accumulate the product
    for (int64_t r = 0; r < rows; ++r) std::copy_n(bias.data(), out_f, out.data() + r * out_f);
    beta = 1.0f;
  }
  // out[rows, out_f] = x[rows, in_f] @ W[out_f, in_f]^T
  std::shared_ptr<SparseRows> xs = sparse_rows(x.data(), rows, in_f);
  if (xs) {  // out[r, :] += x[r, k] * W^T[k, :] over the nonzeros only
    if (beta == 0.0f) std::fill_n(out.data(), rows * out_f, 0.0f);
    std::vector<float> wt(static_cast<size_t>(in_f * out_f));  // W^T [in_f, out_f]
    for (int64_t o = 0; o < out_f; ++o)
      for (int64_t k = 0; k < in_f; ++k) wt[k * out_f + o] = weight.data()[o * in_f + k];
    for (int64_t r = 0; r < rows; ++r) {
      float* orow = out.data() + r * out_f;
      for (int64_t e = xs->start[r]; e < xs->start[r + 1]; ++e) {
        const float v = xs->val[e];
        const float* wrow = wt.data() + static_cast<int64_t>(xs->col[e]) * out_f;
#pragma omp simd
        for (int64_t o = 0; o < out_f; ++o) orow[o] += v * wrow[o];
      }
    }
  } else {
    gemm(false, true, rows, out_f, in_f, 1.0f, x.data(), weight.data(), beta, out.data());
  }
  const bool gx = x.requires_grad(), gw = weight.requires_grad(),
             gbias = bias.defined() && bias.requires_grad();
  // dW needs x: the sparse form when there is one (less memory, and the product skips zeros).
  Tensor sx = gw && !xs ? x.detach() : Tensor(), sw = gx ? weight.detach() : Tensor();
  if (!gw) xs.reset();
  return record(
      linear_op, out, {&x, &weight, &bias},
      [=, shx = x.shape(), shw = weight.shape()](const Tensor& g) {
        // Allocated here, on the calling thread (its allocation limit applies), not in a worker.
        Tensor dx = gx ? Tensor::empty(shx) : Tensor(), dw = gw ? Tensor::empty(shw) : Tensor();
        Tensor db = gbias ? zeros({out_f}) : Tensor();
        // dW^T [in, out] for sparse x, also allocated here: nothing may throw inside a worker.
        std::vector<float> dwt(gw && xs ? static_cast<size_t>(in_f * out_f) : 0, 0.0f);
        auto grad_x = [&] {  // dx[rows, in] = g[rows, out] @ W[out, in]
          gemm(false, false, rows, in_f, out_f, 1.0f, g.data(), sw.data(), 0.0f, dx.data());
        };
        auto grad_w = [&] {
          if (xs) {  // dW^T[k, :] += x[r, k] * g[r, :] over the nonzeros
            for (int64_t r = 0; r < rows; ++r) {
              const float* grow = g.data() + r * out_f;
              for (int64_t e = xs->start[r]; e < xs->start[r + 1]; ++e) {
                const float v = xs->val[e];
                float* drow = dwt.data() + static_cast<int64_t>(xs->col[e]) * out_f;
#pragma omp simd
                for (int64_t o = 0; o < out_f; ++o) drow[o] += v * grow[o];
              }
            }
            for (int64_t o = 0; o < out_f; ++o)
              for (int64_t k = 0; k < in_f; ++k) dw.data()[o * in_f + k] = dwt[k * out_f + o];
          } else {  // dW[out, in] = g^T[out, rows] @ x[rows, in]
            gemm(true, false, out_f, in_f, rows, 1.0f, g.data(), sx.data(), 0.0f, dw.data());
          }
        };
        auto grad_bias = [&] {
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < out_f; ++j) db.data()[j] += g.data()[r * out_f + j];
        };
        // dx and dW take the same work (rows * in * out multiply-adds), so with two workers each
        // runs whole on its own (parallel_pair); that beats splitting each product over both.
        if (gx && gw) {
          parallel_pair(rows * in_f * out_f, grad_x, [&] {
            grad_w();
            if (gbias) grad_bias();
          });
        } else {
          if (gx) grad_x();
          if (gw) grad_w();
          if (gbias) grad_bias();
        }
        return Grads{dx, dw, db};
      });
}

// --- descriptors -------------------------------------------------------------------------------

namespace {

// a [..., M, K] (stored transposed when ta) @ b [..., K, N]: both operands, then each alone (the
// other a constant: the backward must not need the missing one's gradient).
void add_matmul_samples(std::vector<Sample>& out, const Shape& sa, const Shape& sb, bool ta,
                        bool tb, uint64_t seed) {
  const OpFn f = [ta, tb](const Inputs& x) { return matmul(x[0], x[1], ta, tb); };
  const std::string name = sa.str() + (ta ? "^T" : "") + " @ " + sb.str() + (tb ? "^T" : "") +
                           " from " + std::to_string(seed);
  const Tensor a = make_input(sa, seed), b = make_input(sb, seed + 1);
  out.push_back({.name = name, .inputs = {a, b}, .f = f});
  out.push_back(
      {.name = name + ", a constant", .inputs = {make_input(sa, seed).detach(), b}, .f = f});
  out.push_back(
      {.name = name + ", b constant", .inputs = {a, make_input(sb, seed + 1).detach()}, .f = f});
}

// Stored shape of an operand: batch + [rows, cols], the last two swapped when transposed.
Shape stored(std::vector<int64_t> batch, int64_t rows, int64_t cols, bool transposed) {
  batch.push_back(transposed ? cols : rows);
  batch.push_back(transposed ? rows : cols);
  return Shape(batch);
}

}  // namespace

// 2-D, batched, broadcast batch dimensions, the folded single-GEMM path, every transpose flag on
// every path; the flags against explicit transposes; fixtures with broadcast batches.
const OpInfo matmul_op{
    .name = "matmul",
    .samples =
        [] {
          std::vector<Sample> out;
          const std::pair<Shape, Shape> plain[] = {
              {{3, 4}, {4, 5}},
              {{1, 7}, {7, 1}},
              {{5, 1}, {1, 6}},
              {{2, 3, 4}, {2, 4, 5}},
              {{2, 3, 3, 4}, {2, 3, 4, 2}},
              {{1, 3, 4}, {1, 4, 2}},
              {{2, 1, 3, 4}, {5, 4, 2}},  // -> [2, 5, 3, 2]
              {{3, 4}, {2, 4, 5}},        // a broadcast over b's batch
              {{2, 3, 4}, {4, 5}},        // the folded single-GEMM path
              {{2, 2, 3, 4}, {4, 5}},     // folded, two batch dims
              {{1, 3, 4}, {2, 4, 5}},     // size-1 batch dim broadcast
              {{2, 3, 4}, {1, 4, 5}},     // b's size-1 batch dim broadcast (not folded)
              {{3, 1, 2, 4}, {1, 2, 4, 3}}};
          const uint64_t plain_seeds[] = {1, 3, 5, 10, 12, 14, 20, 22, 24, 26, 28, 30, 32};
          for (size_t i = 0; i < std::size(plain); ++i)
            add_matmul_samples(out, plain[i].first, plain[i].second, false, false, plain_seeds[i]);
          // Every transpose flag on every path: 2-D @ 2-D, 3-D and 4-D @ 2-D (folded unless
          // transpose_a), batched, 2-D @ 3-D, both broadcast, a size-1 batch of a.
          const std::pair<std::vector<int64_t>, std::vector<int64_t>> batches[] = {
              {{}, {}}, {{2}, {}}, {{2, 2}, {}}, {{2}, {2}}, {{}, {3}}, {{2, 1}, {3}}, {{1}, {2}}};
          uint64_t seed = 100;
          for (const auto& [ba, bb] : batches)
            for (bool ta : {false, true})
              for (bool tb : {false, true}) {
                add_matmul_samples(out, stored(ba, 3, 4, ta), stored(bb, 4, 2, tb), ta, tb, seed);
                seed += 2;
              }
          out.push_back({.name = "[2, 3, 4] @ [4, 5], another draw",
                         .inputs = {make_input({2, 3, 4}, 24), make_input({4, 5}, 25)},
                         .f = [](const Inputs& x) { return matmul(x[0], x[1]); }});
          out.push_back({.name = "[2, 4, 3]^T @ [1, 5, 4]^T",
                         .inputs = {make_input({2, 4, 3}, 26), make_input({1, 5, 4}, 27)},
                         .f = [](const Inputs& x) { return matmul(x[0], x[1], true, true); }});
          out.push_back({.name = "[2, 4, 3]^T @ [2, 5, 4]^T against explicit transposes",
                         .inputs = {make_input({2, 4, 3}, 200), make_input({2, 5, 4}, 201)},
                         .f = [](const Inputs& x) { return matmul(x[0], x[1], true, true); },
                         .reference =
                             [](const Inputs& x) {
                               return matmul(transpose(x[0], 1, 2), transpose(x[1], 1, 2));
                             },
                         .reference_tolerance = {1e-5f, 1e-5f}});
          return out;
        },
    .fixtures =
        [] {
          const FixtureFn mm = [](const Inputs& x, const FixtureTensors&) {
            return matmul(x[0], x[1]);
          };
          return std::vector<FixtureCase>{
              autograd_fixture("matmul_bcast", {"a", "b"}, mm),  // [2, 1, 3, 4] @ [5, 4, 2]
              autograd_fixture("matmul_3d_2d", {"a", "b"}, mm),  // [2, 3, 4] @ [4, 5]
              autograd_fixture("matmul_tb", {"a", "b"},          // [3, 4] @ [2, 5, 4]^T
                               [](const Inputs& x, const FixtureTensors&) {
                                 return matmul(x[0], x[1], false, true);
                               })};
        }};

// With and without bias, 1-D to 3-D inputs, some inputs constant.
const OpInfo linear_op{
    .name = "linear", .samples = [] {
      const OpFn with_bias = [](const Inputs& x) { return linear(x[0], x[1], x[2]); };
      const OpFn no_bias = [](const Inputs& x) { return linear(x[0], x[1]); };
      const Tensor x = make_input({2, 3, 4}, 300), w = make_input({5, 4}, 301),
                   b = make_input({5}, 302);
      const Tensor w3 = make_input({3, 4}, 321), b3 = make_input({3}, 322);
      return std::vector<Sample>{
          {.name = "[2, 3, 4] with bias", .inputs = {x, w, b}, .f = with_bias},
          {.name = "[2, 3, 4] with bias, only the weight requiring grad",
           .inputs = {x.detach(), w, b.detach()},
           .f = with_bias},
          {.name = "[2, 3, 4] with bias, constant weight",
           .inputs = {x, w.detach(), b},
           .f = with_bias},
          {.name = "[2, 3, 4] without bias",
           .inputs = {make_input({2, 3, 4}, 310), make_input({5, 4}, 311)},
           .f = no_bias},
          {.name = "[4] with bias", .inputs = {make_input({4}, 320), w3, b3}, .f = with_bias},
          {.name = "[6, 4] with bias", .inputs = {make_input({6, 4}, 323), w3, b3}, .f = with_bias},
          {.name = "[2, 3, 4] with bias, another draw",
           .inputs = {make_input({2, 3, 4}, 28), make_input({5, 4}, 29), make_input({5}, 30)},
           .f = with_bias},
          {.name = "[3, 4] without bias, another draw",
           .inputs = {make_input({3, 4}, 31), make_input({2, 4}, 32)},
           .f = no_bias}};
    }};

// The descriptors above, for op_registry() (autograd/CMakeLists.txt generates the call).
std::vector<const OpInfo*> ops_matmul_op_infos() {
  return {&matmul_op, &linear_op};
}

}  // namespace attend
