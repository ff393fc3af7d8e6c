#include "autograd/gemm.h"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <string>

#include "autograd/error.h"
#include "autograd/threading.h"

namespace attend::kernels {

namespace {

// cblas takes int: a dimension or stride past INT_MAX would wrap into a wrong product.
int blas_int(int64_t v, const char* what) {
  if (v > INT_MAX)
    throw ShapeError(std::string("gemm: ") + what + " of " + std::to_string(v) +
                     " exceeds OpenBLAS's 32-bit int");
  return static_cast<int>(v);
}

// A leading dimension shorter than the stored row would read rows into each other.
void check_ld(int64_t ld, int64_t row, const char* name) {
  if (ld < std::max<int64_t>(row, 1))
    throw std::invalid_argument(std::string("gemm: leading dimension ") + name + " = " +
                                std::to_string(ld) + " is shorter than its rows of " +
                                std::to_string(row));
}

}  // namespace

void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M < 0 || N < 0 || K < 0)
    throw std::invalid_argument("gemm: negative size " + std::to_string(M) + " x " +
                                std::to_string(N) + " x " + std::to_string(K));
  if (M == 0 || N == 0) return;
  check_ld(ldc, N, "ldc");
  if (K == 0) {  // op(A) op(B) = 0: C = beta C, and beta = 0 must not read C
    for (int64_t i = 0; i < M; ++i) {
      float* row = C + i * ldc;
      if (beta == 0.0f)
        std::fill_n(row, N, 0.0f);
      else if (beta != 1.0f)
        for (int64_t j = 0; j < N; ++j) row[j] *= beta;
    }
    return;
  }
  check_ld(lda, ta ? M : K, "lda");
  check_ld(ldb, tb ? K : N, "ldb");
  make_fork_safe();  // OpenBLAS's OpenMP build runs on the same workers as parallel_for
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              blas_int(M, "M"), blas_int(N, "N"), blas_int(K, "K"), alpha, A, blas_int(lda, "lda"),
              B, blas_int(ldb, "ldb"), beta, C, blas_int(ldc, "ldc"));
}

void gemm_batched(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                  int64_t lda, int64_t sa, const float* B, int64_t ldb, int64_t sb, float beta,
                  float* C, int64_t ldc, int64_t sc, int64_t count) {
  for (int64_t i = 0; i < count; ++i)
    gemm(ta, tb, M, N, K, alpha, A + i * sa, lda, B + i * sb, ldb, beta, C + i * sc, ldc);
}

}  // namespace attend::kernels
