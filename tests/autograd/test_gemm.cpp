// kernels::gemm, the one matrix product behind every op: against a naive double-precision loop
// for every transpose pair, alpha and beta, leading dimensions wider than the rows (whose padding
// must be neither read nor written), zero M, N or K, and batches; then the zero-size rules as the
// ops that use it see them.
#include "autograd/gemm.h"

#include <boost/test/unit_test.hpp>
#include <climits>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "test_util.h"

using namespace attend;
using attend::test::param;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kPad = 12345.0f;  // C's padding, which must come back untouched

// One product's operands, each a buffer of rows with leading dimension ld >= the row length; the
// padding of A and B is NaN, so reading it would poison the result.
struct Case {
  bool ta, tb;
  int64_t M, N, K, lda, ldb, ldc;
  std::vector<float> A, B, C;

  Case(bool ta_, bool tb_, int64_t M_, int64_t N_, int64_t K_, int64_t pad, uint32_t seed)
      : ta(ta_), tb(tb_), M(M_), N(N_), K(K_) {
    lda = (ta ? M : K) + pad;
    ldb = (tb ? K : N) + pad;
    ldc = N + pad;
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    auto fill = [&](std::vector<float>& v, int64_t rows, int64_t cols, int64_t ld, float pad_v) {
      v.assign(static_cast<size_t>(std::max<int64_t>(rows * ld, 1)), pad_v);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) v[r * ld + c] = u(rng);
    };
    fill(A, ta ? K : M, ta ? M : K, lda, kNaN);
    fill(B, tb ? N : K, tb ? K : N, ldb, kNaN);
    fill(C, M, N, ldc, kPad);
  }
  float a(int64_t i, int64_t k) const { return ta ? A[k * lda + i] : A[i * lda + k]; }
  float b(int64_t k, int64_t j) const { return tb ? B[j * ldb + k] : B[k * ldb + j]; }

  // alpha op(A) op(B) + beta C0 in double, C0 the current C (not read when beta is 0).
  std::vector<double> expected(float alpha, float beta) const {
    std::vector<double> e(static_cast<size_t>(M * N));
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k) s += double(a(i, k)) * b(k, j);
        e[i * N + j] = alpha * s + (beta == 0.0f ? 0.0 : double(beta) * C[i * ldc + j]);
      }
    return e;
  }

  void run(float alpha, float beta) {
    kernels::gemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  }

  // C's M x N block against e, and its padding untouched.
  void check(const std::vector<double>& e) const {
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t j = 0; j < N; ++j)
        BOOST_TEST(C[i * ldc + j] == e[i * N + j], boost::test_tools::tolerance(1e-5));
      for (int64_t j = N; j < ldc; ++j) BOOST_TEST(C[i * ldc + j] == kPad);
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(test_gemm)

BOOST_AUTO_TEST_CASE(every_transpose_pair_alpha_and_beta_with_padded_rows) {
  uint32_t seed = 1;
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (int64_t pad : {0, 3})
        for (auto [alpha, beta] : {std::pair{1.0f, 0.0f}, {0.5f, 1.0f}, {-2.0f, 0.25f}}) {
          BOOST_TEST_CONTEXT("ta " << ta << " tb " << tb << " pad " << pad << " alpha " << alpha
                                   << " beta " << beta) {
            Case c(ta, tb, 5, 7, 3, pad, seed++);
            if (beta == 0.0f)  // beta 0 must not read C: NaN there may not leak out
              for (int64_t i = 0; i < c.M; ++i)
                for (int64_t j = 0; j < c.N; ++j) c.C[i * c.ldc + j] = kNaN;
            auto e = c.expected(alpha, beta);
            c.run(alpha, beta);
            c.check(e);
          }
        }
}

BOOST_AUTO_TEST_CASE(packed_overload_uses_the_row_lengths) {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Case c(ta, tb, 4, 6, 9, 0, 7);
      auto e = c.expected(1.5f, 1.0f);
      kernels::gemm(ta, tb, c.M, c.N, c.K, 1.5f, c.A.data(), c.B.data(), 1.0f, c.C.data());
      c.check(e);
    }
}

BOOST_AUTO_TEST_CASE(k_zero_gives_beta_c_and_beta_zero_writes_zeros) {
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (float beta : {0.0f, 1.0f, 0.5f}) {
        BOOST_TEST_CONTEXT("ta " << ta << " tb " << tb << " beta " << beta) {
          Case c(ta, tb, 3, 4, 0, 2, 11);
          if (beta == 0.0f) c.C[0] = kNaN;  // uninitialised output: overwritten, not scaled
          auto e = c.expected(2.0f, beta);
          c.run(2.0f, beta);
          c.check(e);
          if (beta == 0.0f) BOOST_TEST(c.C[0] == 0.0f);
        }
      }
  // Packed operands of [3, 0] and [0, 4]: leading dimension 0 for a K = 0 row.
  std::vector<float> c(12, kNaN);
  kernels::gemm(false, false, 3, 4, 0, 1.0f, nullptr, nullptr, 0.0f, c.data());
  for (float v : c) BOOST_TEST(v == 0.0f);
}

BOOST_AUTO_TEST_CASE(m_or_n_zero_touches_nothing) {
  for (auto [M, N] : {std::pair<int64_t, int64_t>{0, 4}, {3, 0}, {0, 0}})
    for (float beta : {0.0f, 1.0f}) {
      std::vector<float> a(16, kNaN), b(16, kNaN), c(16, kPad);
      kernels::gemm(false, false, M, N, 2, 1.0f, a.data(), 2, b.data(), std::max<int64_t>(N, 1),
                    beta, c.data(), std::max<int64_t>(N, 1));
      for (float v : c) BOOST_TEST(v == kPad);
    }
}

BOOST_AUTO_TEST_CASE(batched_strides_shared_operands_and_empty_batches) {
  const int64_t M = 3, N = 5, K = 4, count = 3;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      // Entry i is Case i, copied into one buffer per operand at a stride wider than one block;
      // B's stride 0 shares entry 0's B.
      std::vector<Case> cs;
      for (int64_t i = 0; i < count; ++i) cs.emplace_back(ta, tb, M, N, K, 2, 100 + i);
      for (auto& c : cs) c.B = cs[0].B;
      const int64_t sa = cs[0].A.size() + 5, sc = cs[0].C.size() + 7;
      std::vector<float> A(count * sa, kNaN), C(count * sc, kPad);
      std::vector<std::vector<double>> e;
      for (int64_t i = 0; i < count; ++i) {
        std::copy(cs[i].A.begin(), cs[i].A.end(), A.begin() + i * sa);
        std::copy(cs[i].C.begin(), cs[i].C.end(), C.begin() + i * sc);
        e.push_back(cs[i].expected(0.75f, 1.0f));
      }
      const auto& c0 = cs[0];
      kernels::gemm_batched(ta, tb, M, N, K, 0.75f, A.data(), c0.lda, sa, c0.B.data(), c0.ldb, 0,
                            1.0f, C.data(), c0.ldc, sc, count);
      for (int64_t i = 0; i < count; ++i) {
        std::copy_n(C.begin() + i * sc, cs[i].C.size(), cs[i].C.begin());
        cs[i].check(e[i]);
        for (int64_t j = static_cast<int64_t>(cs[i].C.size()); j < sc; ++j)
          BOOST_TEST(C[i * sc + j] == kPad);  // between entries
      }
      std::vector<float> untouched = C;
      kernels::gemm_batched(ta, tb, M, N, K, 1.0f, A.data(), c0.lda, sa, c0.B.data(), c0.ldb, 0,
                            0.0f, C.data(), c0.ldc, sc, 0);
      BOOST_TEST(C == untouched);
    }
}

BOOST_AUTO_TEST_CASE(bad_leading_dimensions_and_sizes_past_int_throw) {
  std::vector<float> a(64), b(64), c(64);
  BOOST_CHECK_THROW(
      kernels::gemm(false, false, 2, 3, 4, 1.0f, a.data(), 3, b.data(), 3, 0.0f, c.data(), 3),
      std::invalid_argument);  // lda 3 < K 4
  BOOST_CHECK_THROW(
      kernels::gemm(false, true, 2, 3, 4, 1.0f, a.data(), 4, b.data(), 3, 0.0f, c.data(), 3),
      std::invalid_argument);  // ldb 3 < K 4 (B stored [N, K])
  BOOST_CHECK_THROW(
      kernels::gemm(false, false, 2, 3, 0, 1.0f, a.data(), 0, b.data(), 3, 0.0f, c.data(), 2),
      std::invalid_argument);  // ldc 2 < N 3, even with nothing to multiply
  const int64_t big = int64_t{INT_MAX} + 1;
  BOOST_CHECK_THROW(
      kernels::gemm(false, false, big, 1, 1, 1.0f, a.data(), 1, b.data(), 1, 0.0f, c.data(), 1),
      ShapeError);
}

// The ops see the same rules: a product with an empty inner dimension is zero, never garbage.
BOOST_AUTO_TEST_CASE(ops_with_an_empty_inner_dimension_give_zeros) {
  Tensor a = param({2, 3, 0}, 1), b = param({2, 0, 4}, 2);
  Tensor m = matmul(a, b);
  BOOST_TEST((m.shape() == Shape{2, 3, 4}));
  for (int64_t i = 0; i < m.numel(); ++i) BOOST_TEST(m.data()[i] == 0.0f);
  sum(m).backward();
  BOOST_TEST((a.grad().shape() == Shape{2, 3, 0}));

  // No keys: softmax over nothing, output P V = 0, and the query's gradient dS K = 0.
  Tensor q = param({2, 3, 4}, 3), k = param({2, 0, 4}, 4), v = param({2, 0, 5}, 5);
  auto r = scaled_dot_product_attention(q, k, v);
  BOOST_TEST((r[0].shape() == Shape{2, 3, 5}));
  BOOST_TEST((r[1].shape() == Shape{2, 3, 0}));
  for (int64_t i = 0; i < r[0].numel(); ++i) BOOST_TEST(r[0].data()[i] == 0.0f);
  sum(r[0] * param({2, 3, 5}, 6)).backward();
  BOOST_TEST((q.grad().shape() == q.shape()));
  for (int64_t i = 0; i < q.grad().numel(); ++i) BOOST_TEST(q.grad().data()[i] == 0.0f);

  // No queries: the key and value gradients dS^T Q and P'^T dO sum over nothing.
  Tensor q0 = param({2, 0, 8}, 7), k0 = param({2, 3, 8}, 8), v0 = param({2, 3, 8}, 9);
  auto h = multi_head_attention(q0, 0, k0, 0, v0, 0, 2, 8);
  BOOST_TEST((h[0].shape() == Shape{2, 0, 8}));
  sum(h[0]).backward();
  for (const Tensor& t : {k0, v0}) {
    BOOST_TEST((t.grad().shape() == t.shape()));
    for (int64_t i = 0; i < t.grad().numel(); ++i) BOOST_TEST(t.grad().data()[i] == 0.0f);
  }

  // No input features: linear is its bias, and the weight gradient [3, 0] is empty.
  Tensor x = param({5, 0}, 10), w = param({3, 0}, 11), bias = param({3}, 12);
  Tensor y = linear(x, w, bias);
  BOOST_TEST((y.shape() == Shape{5, 3}));
  for (int64_t i = 0; i < y.numel(); ++i) BOOST_TEST(y.data()[i] == bias.data()[i % 3]);
  sum(y).backward();
  for (int64_t j = 0; j < 3; ++j) BOOST_TEST(bias.grad().data()[j] == 5.0f);
}

BOOST_AUTO_TEST_SUITE_END()
