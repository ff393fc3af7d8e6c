// matmul and linear: forward values against a naive triple loop written here (with its own batch
// broadcasting) on every path (2-D, batched, broadcast batch dimensions, the folded single-GEMM
// path, every transpose flag combination), gradients by hand, and the shape errors. The same
// paths are matmul's gradient-check samples (autograd/ops_matmul.cpp).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <string>
#include <vector>

#include "test_util.h"

using namespace attend;
using attend::test::expect_shape_error;
using attend::test::grad_of;
using attend::test::param;

namespace {

// The reference product: a stored [..., M, K] (or [..., K, M] when ta), b stored [..., K, N] (or
// [..., N, K] when tb); batch dimensions broadcast NumPy-style. Accumulates in double.
Tensor naive_matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const Shape& sa = a.shape();
  const Shape& sb = b.shape();
  const int ra = sa.ndim(), rb = sb.ndim();
  const int64_t M = ta ? sa[ra - 1] : sa[ra - 2];
  const int64_t K = ta ? sa[ra - 2] : sa[ra - 1];
  const int64_t N = tb ? sb[rb - 2] : sb[rb - 1];
  BOOST_REQUIRE_EQUAL(K, tb ? sb[rb - 1] : sb[rb - 2]);
  // Batch dimensions, left-padded with 1 to a common rank.
  const int nb = std::max(ra, rb) - 2;
  std::vector<int64_t> ba(nb, 1), bb(nb, 1), bo(nb, 1);
  for (int d = 0; d < ra - 2; ++d) ba[nb - (ra - 2) + d] = sa[d];
  for (int d = 0; d < rb - 2; ++d) bb[nb - (rb - 2) + d] = sb[d];
  for (int d = 0; d < nb; ++d) {
    BOOST_REQUIRE(ba[d] == bb[d] || ba[d] == 1 || bb[d] == 1);
    bo[d] = std::max(ba[d], bb[d]);
  }
  std::vector<int64_t> os = bo;
  os.push_back(M);
  os.push_back(N);
  Tensor out = Tensor::empty(Shape(os));
  int64_t nbatch = 1;
  for (int64_t v : bo) nbatch *= v;
  for (int64_t i = 0; i < nbatch; ++i) {
    // Unravel i over bo, then find a's and b's batch entry (index 0 along their size-1 dims).
    std::vector<int64_t> idx(nb);
    int64_t rem = i;
    for (int d = nb - 1; d >= 0; --d) {
      idx[d] = rem % bo[d];
      rem /= bo[d];
    }
    int64_t ia = 0, ib = 0;
    for (int d = 0; d < nb; ++d) {
      ia = ia * ba[d] + (ba[d] == 1 ? 0 : idx[d]);
      ib = ib * bb[d] + (bb[d] == 1 ? 0 : idx[d]);
    }
    const float* pa = a.data() + ia * M * K;
    const float* pb = b.data() + ib * K * N;
    float* po = out.data() + i * M * N;
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k) {
          const double av = ta ? pa[k * M + m] : pa[m * K + k];
          const double bv = tb ? pb[n * K + k] : pb[k * N + n];
          s += av * bv;
        }
        po[m * N + n] = static_cast<float>(s);
      }
  }
  return out;
}

// Stored shape of an operand: batch + [rows, cols], with the last two swapped when transposed.
Shape stored(std::vector<int64_t> batch, int64_t rows, int64_t cols, bool transposed) {
  batch.push_back(transposed ? cols : rows);
  batch.push_back(transposed ? rows : cols);
  return Shape(batch);
}

// Checks the product against the naive loop (its gradients are matmul's samples).
void check_matmul(const Shape& sa, const Shape& sb, bool ta, bool tb, uint64_t seed) {
  BOOST_TEST_CONTEXT(sa.str() << (ta ? "^T" : "") << " @ " << sb.str() << (tb ? "^T" : "")) {
    Tensor a = param(sa, seed), b = param(sb, seed + 1);
    attend::test::check_close(matmul(a, b, ta, tb), naive_matmul(a, b, ta, tb), 1e-5f, 1e-5f);
  }
}

void check_matmul(const Shape& sa, const Shape& sb, uint64_t seed) {
  check_matmul(sa, sb, false, false, seed);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_matmul)

BOOST_AUTO_TEST_CASE(naive_reference_agrees_with_hand_values) {
  // The reference itself, on values worked out by hand.
  Tensor a = from_vector({1, 2, 3, 4}, {2, 2});
  Tensor b = from_vector({5, 6, 7, 8}, {2, 2});
  attend::test::check_close(naive_matmul(a, b, false, false), from_vector({19, 22, 43, 50}, {2, 2}),
                            0.0f, 0.0f);
  attend::test::check_close(naive_matmul(a, b, true, false), from_vector({26, 30, 38, 44}, {2, 2}),
                            0.0f, 0.0f);
  attend::test::check_close(naive_matmul(a, b, false, true), from_vector({17, 23, 39, 53}, {2, 2}),
                            0.0f, 0.0f);
  attend::test::check_close(naive_matmul(a, b, true, true), from_vector({23, 31, 34, 46}, {2, 2}),
                            0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(matmul_2d_hand_values) {
  Tensor a = from_vector({1, 2, 3, 4}, {2, 2});
  Tensor b = from_vector({5, 6, 7, 8}, {2, 2});
  attend::test::check_close(matmul(a, b), from_vector({19, 22, 43, 50}, {2, 2}), 0.0f, 0.0f);
  attend::test::check_close(matmul(a, b, true, false), from_vector({26, 30, 38, 44}, {2, 2}), 0.0f,
                            0.0f);
  attend::test::check_close(matmul(a, b, false, true), from_vector({17, 23, 39, 53}, {2, 2}), 0.0f,
                            0.0f);
  attend::test::check_close(matmul(a, b, true, true), from_vector({23, 31, 34, 46}, {2, 2}), 0.0f,
                            0.0f);
  // Non-square: [1, 3] @ [3, 2]
  Tensor r = from_vector({1, 0, -1}, {1, 3});
  Tensor c = from_vector({1, 2, 3, 4, 5, 6}, {3, 2});
  attend::test::check_close(matmul(r, c), from_vector({-4, -4}, {1, 2}), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(matmul_2d) {
  check_matmul({3, 4}, {4, 5}, 1);
  check_matmul({1, 7}, {7, 1}, 3);
  check_matmul({5, 1}, {1, 6}, 5);
}

BOOST_AUTO_TEST_CASE(matmul_2d_gradient_hand_values) {
  // d sum(A @ B) / dA = 1 @ B^T : each row of dA holds the row sums of B; dB = A^T @ 1.
  Tensor a = from_vector({1, 2, 3, 4}, {2, 2});
  Tensor b = from_vector({5, 6, 7, 8}, {2, 2});
  a.requires_grad_();
  b.requires_grad_();
  matmul(a, b).sum().backward();
  attend::test::check_close(grad_of(a), from_vector({11, 15, 11, 15}, {2, 2}), 0.0f, 0.0f);
  attend::test::check_close(grad_of(b), from_vector({4, 4, 6, 6}, {2, 2}), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(matmul_batched_3d_and_4d) {
  check_matmul({2, 3, 4}, {2, 4, 5}, 10);
  check_matmul({2, 3, 3, 4}, {2, 3, 4, 2}, 12);
  check_matmul({1, 3, 4}, {1, 4, 2}, 14);  // batch of one
}

BOOST_AUTO_TEST_CASE(matmul_broadcast_batch_dims) {
  check_matmul({2, 1, 3, 4}, {5, 4, 2}, 20);  // -> [2, 5, 3, 2]
  check_matmul({3, 4}, {2, 4, 5}, 22);        // a broadcast over b's batch
  check_matmul({2, 3, 4}, {4, 5}, 24);        // the folded single-GEMM path
  check_matmul({2, 2, 3, 4}, {4, 5}, 26);     // folded, two batch dims
  check_matmul({1, 3, 4}, {2, 4, 5}, 28);     // size-1 batch dim broadcast
  check_matmul({2, 3, 4}, {1, 4, 5}, 30);     // b's size-1 batch dim broadcast (not folded)
  check_matmul({3, 1, 2, 4}, {1, 2, 4, 3}, 32);
  BOOST_CHECK(matmul(param({2, 1, 3, 4}, 34), param({5, 4, 2}, 35)).shape() == Shape({2, 5, 3, 2}));
}

BOOST_AUTO_TEST_CASE(matmul_broadcast_gradient_sums_over_uses) {
  // a [3,4] is used by every batch entry of b [2,4,5]: its gradient is the sum over the batch.
  Tensor a = param({3, 4}, 40), b = param({2, 4, 5}, 41);
  Tensor G = param({2, 3, 5}, 42).detach();
  matmul(a, b).backward(G);
  std::vector<double> expected(12, 0.0);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t m = 0; m < 3; ++m)
      for (int64_t k = 0; k < 4; ++k)
        for (int64_t n = 0; n < 5; ++n) expected[m * 4 + k] += G.at({i, m, n}) * b.at({i, k, n});
  for (int64_t p = 0; p < 12; ++p) BOOST_CHECK_SMALL(grad_of(a).data()[p] - expected[p], 1e-5);
}

BOOST_AUTO_TEST_CASE(matmul_transpose_flags_every_path) {
  const int64_t M = 3, K = 4, N = 2;
  struct Batches {
    std::vector<int64_t> a, b;
    const char* what;
  };
  const Batches cases[] = {
      {{}, {}, "2-D @ 2-D"},
      {{2}, {}, "3-D @ 2-D (folded unless transpose_a)"},
      {{2, 2}, {}, "4-D @ 2-D (folded unless transpose_a)"},
      {{2}, {2}, "batched"},
      {{}, {3}, "2-D @ 3-D (a broadcast)"},
      {{2, 1}, {3}, "broadcast both"},
      {{1}, {2}, "size-1 batch of a"},
  };
  uint64_t seed = 100;
  for (const Batches& c : cases)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        BOOST_TEST_CONTEXT(c.what << ", transpose_a " << ta << ", transpose_b " << tb) {
          check_matmul(stored(c.a, M, K, ta), stored(c.b, K, N, tb), ta, tb, seed);
        }
        seed += 2;
      }
}

BOOST_AUTO_TEST_CASE(matmul_larger_sizes_against_naive) {
  // Sizes large enough for OpenBLAS to take its blocked kernels.
  Tensor a = param({3, 67, 129}, 210), b = param({129, 33}, 211);
  attend::test::check_close(matmul(a, b), naive_matmul(a, b, false, false), 1e-4f, 1e-4f);
  Tensor c = param({2, 129, 67}, 212), d = param({2, 33, 129}, 213);
  attend::test::check_close(matmul(c, d, true, true), naive_matmul(c, d, true, true), 1e-4f, 1e-4f);
}

BOOST_AUTO_TEST_CASE(matmul_inner_dim_mismatch_names_op_and_shapes) {
  expect_shape_error([] { matmul(zeros({3, 4}), zeros({5, 6})); }, {"matmul", "[3, 4]", "[5, 6]"});
  expect_shape_error([] { matmul(zeros({2, 3, 4}), zeros({2, 3, 4})); }, {"matmul", "[2, 3, 4]"});
  // With transpose flags the stored shapes are compatible but the logical ones are not.
  expect_shape_error(
      [] {
        matmul(zeros({3, 4}), zeros({4, 5}), true, false);
      },
      {"matmul", "[3, 4]", "[4, 5]"});
  expect_shape_error(
      [] {
        matmul(zeros({3, 4}), zeros({4, 5}), false, true);
      },
      {"matmul", "[3, 4]", "[4, 5]"});
}

BOOST_AUTO_TEST_CASE(matmul_other_shape_errors) {
  expect_shape_error(
      [] {
        matmul(zeros({2, 3, 4}), zeros({3, 4, 5}));
      },
      {"matmul"});                                                            // batch 2 vs 3
  expect_shape_error([] { matmul(zeros({4}), zeros({4, 5})); }, {"matmul"});  // 1-D operand
  expect_shape_error([] { matmul(zeros({3, 4}), zeros({4})); }, {"matmul"});
}

// --- linear ------------------------------------------------------------------------------------

namespace {
// x [..., in] @ w[out, in]^T + bias, by loops.
Tensor naive_linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  const int64_t in_f = w.shape()[1], out_f = w.shape()[0], rows = x.numel() / in_f;
  std::vector<int64_t> os = x.shape().vec();
  os.back() = out_f;
  Tensor out = Tensor::empty(Shape(os));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out_f; ++o) {
      double s = bias.defined() ? bias.data()[o] : 0.0;
      for (int64_t i = 0; i < in_f; ++i)
        s += static_cast<double>(x.data()[r * in_f + i]) * w.data()[o * in_f + i];
      out.data()[r * out_f + o] = static_cast<float>(s);
    }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(linear_hand_values) {
  Tensor x = from_vector({1, 2}, {1, 2});
  Tensor w = from_vector({1, 0, 0, 1, 1, 1}, {3, 2});
  Tensor b = from_vector({10, 20, 30});
  attend::test::check_close(linear(x, w, b), from_vector({11, 22, 33}, {1, 3}), 0.0f, 0.0f);
  attend::test::check_close(linear(x, w), from_vector({1, 2, 3}, {1, 3}), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(linear_with_bias_3d_input) {
  Tensor x = param({2, 3, 4}, 300), w = param({5, 4}, 301), b = param({5}, 302);
  Tensor out = linear(x, w, b);
  BOOST_REQUIRE(out.shape() == Shape({2, 3, 5}));
  attend::test::check_close(out, naive_linear(x, w, b), 1e-5f, 1e-5f);
}

BOOST_AUTO_TEST_CASE(linear_without_bias_3d_input) {
  Tensor x = param({2, 3, 4}, 310), w = param({5, 4}, 311);
  Tensor out = linear(x, w);
  BOOST_REQUIRE(out.shape() == Shape({2, 3, 5}));
  attend::test::check_close(out, naive_linear(x, w, Tensor()), 1e-5f, 1e-5f);
}

BOOST_AUTO_TEST_CASE(linear_1d_and_2d_inputs) {
  Tensor x1 = param({4}, 320), w = param({3, 4}, 321), b = param({3}, 322);
  attend::test::check_close(linear(x1, w, b), naive_linear(x1, w, b), 1e-5f, 1e-5f);
  Tensor x2 = param({6, 4}, 323);
  attend::test::check_close(linear(x2, w, b), naive_linear(x2, w, b), 1e-5f, 1e-5f);
}

BOOST_AUTO_TEST_CASE(linear_bias_gradient_sums_rows) {
  Tensor x = param({2, 3, 4}, 330), w = param({5, 4}, 331), b = param({5}, 332);
  linear(x, w, b).sum().backward();
  for (int64_t o = 0; o < 5; ++o) BOOST_CHECK_CLOSE(grad_of(b).data()[o], 6.0f, 1e-4);
}

BOOST_AUTO_TEST_CASE(linear_shape_errors) {
  expect_shape_error(
      [] {
        linear(zeros({2, 3, 4}), zeros({5, 3}));
      },
      {"linear", "[2, 3, 4]", "[5, 3]"});
  expect_shape_error([] { linear(zeros({2, 4}), zeros({5, 4}), zeros({4})); }, {"linear", "[4]"});
  expect_shape_error([] { linear(zeros({2, 4}), zeros({5, 4}), zeros({1, 5})); }, {"linear"});
  expect_shape_error([] { linear(zeros({2, 4}), zeros({4})); }, {"linear"});
}

// A large, mostly-zero input (bag-of-words features) takes linear's sparse path: the same values
// and gradients as the loops, with the input's zeros skipped.
BOOST_AUTO_TEST_CASE(linear_with_a_sparse_input) {
  const int64_t rows = 300, in_f = 320, out_f = 7;  // 96,000 inputs, ~3% nonzero
  Generator gen(320);
  Tensor x = zeros({rows, in_f});
  for (int64_t e = 0; e < rows * in_f / 32; ++e)
    x.data()[gen.randint(rows * in_f)] = 1.0f + gen.uniform();
  x.data()[5 * in_f + 9] = -2.5f;
  Tensor w = randn({out_f, in_f}, gen), b = randn({out_f}, gen), c = randn({rows, out_f}, gen);
  w.requires_grad_();
  b.requires_grad_();
  Tensor out = linear(x, w, b);
  attend::test::check_close(out, naive_linear(x, w, b), 1e-4f, 1e-5f);
  // d sum(out * c) / dW[o, k] = sum_r c[r, o] x[r, k]; / db[o] = sum_r c[r, o].
  sum(out * c).backward();
  Tensor dw = Tensor::empty({out_f, in_f}), db = Tensor::empty({out_f});
  for (int64_t o = 0; o < out_f; ++o) {
    double sb = 0;
    for (int64_t r = 0; r < rows; ++r) sb += c.data()[r * out_f + o];
    db.data()[o] = static_cast<float>(sb);
    for (int64_t k = 0; k < in_f; ++k) {
      double s = 0;
      for (int64_t r = 0; r < rows; ++r)
        s += static_cast<double>(c.data()[r * out_f + o]) * x.data()[r * in_f + k];
      dw.data()[o * in_f + k] = static_cast<float>(s);
    }
  }
  attend::test::check_close(w.grad(), dw, 1e-4f, 1e-5f);
  attend::test::check_close(b.grad(), db, 1e-4f, 1e-5f);
  // The input's own gradient (dense: g @ W) when it requires grad.
  Tensor xg = x.detach().clone();
  xg.requires_grad_();
  sum(linear(xg, w.detach(), b.detach()) * c).backward();
  attend::test::check_close(xg.grad(), matmul(c, w.detach()), 1e-5f, 1e-5f);
}

BOOST_AUTO_TEST_SUITE_END()
