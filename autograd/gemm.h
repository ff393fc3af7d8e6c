// The one matrix product of the engine: every op's GEMM goes through kernels::gemm, so the rules
// BLAS leaves to the caller live here once. Internal to autograd/ (ops include it).
//
// Row-major C[M, N] = alpha op(A) op(B) + beta C, where op(A) is [M, K] (A stored [K, M] if ta)
// and op(B) is [K, N] (B stored [N, K] if tb). Each operand has a leading dimension (its row
// stride in elements), at least its stored row length, so a block of columns of a wider matrix
// (one attention head of a fused [B, T, 3E] projection) is an operand in place.
//   - M = 0 or N = 0: C is empty; nothing is read or written.
//   - K = 0: the product is zero, so C = beta C; with beta = 0, C is zero-filled without being
//     read. Handled here rather than left to cblas_sgemm: the packed leading dimension of a
//     [M, 0] operand is 0, below BLAS's max(1, K), which the reference CBLAS reports as an
//     illegal argument (and exits) where OpenBLAS lets it pass.
//   - beta = 0 never reads C (it may be uninitialised); beta = 1 accumulates into it.
// Sizes past OpenBLAS's 32-bit int throw ShapeError rather than wrap.
#pragma once

#include <cstdint>

namespace attend::kernels {

// C[M, N] = alpha op(A) op(B) + beta C with explicit leading dimensions lda, ldb, ldc.
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The same for packed operands: leading dimensions are the stored row lengths.
inline void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                 const float* B, float beta, float* C) {
  gemm(ta, tb, M, N, K, alpha, A, ta ? M : K, B, tb ? K : N, beta, C, N);
}

// count products of the same shape, entry i at A + i sa, B + i sb, C + i sc (a stride may be 0:
// one operand shared by every entry, which must then not be C).
void gemm_batched(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                  int64_t lda, int64_t sa, const float* B, int64_t ldb, int64_t sb, float beta,
                  float* C, int64_t ldc, int64_t sc, int64_t count);

}  // namespace attend::kernels
