// Elementwise math that the compiler can vectorise. std::exp is a library call per element (no
// SIMD without -ffast-math); softmax, cross-entropy and attention spend most of their time in it.
//
// Every function here is always inlined: a loop vectorises only if the call is inlined into it,
// and GCC stops inlining a plain `inline` function once a file has grown past its limits. That
// happened to ops_pointwise.cpp: vec::exp became an out-of-line call, and the no-gradient GELU
// (text generation) ran 10-16x slower, one scalar call per element.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace attend::vec {

// e^x for float32 with a relative error below 2e-7 (Cephes expf: range reduction by ln 2 and a
// degree-6 polynomial), branch-free so loops over it vectorise. exp(-inf) and anything below
// -87.3 give exactly 0 (masked attention scores must get zero weight); above 88.7 gives +inf.
[[gnu::always_inline]] inline float exp(float x) {
  // max(lo, x), not max(x, lo): std::max returns its first argument when the comparison is false,
  // so a NaN x clamps to lo here and the float-to-int conversion of n below stays defined.
  const float xc = std::min(std::max(-87.33654f, x), 88.72283f);
  // n = round(x / ln 2) by the 1.5 * 2^23 trick (vectorises, unlike a rounding call), then
  // r = x - n ln 2 with ln 2 split in two for accuracy.
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = xc - n * 0.693359375f - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // 2^n built in the exponent bits, as 2^(n/2) * 2^(n - n/2) so that n = 128 (x near the top of
  // the range, where p < 1) needs no special case.
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni >> 1, n2 = ni - n1;
  const float y =
      p * std::bit_cast<float>((n1 + 127) << 23) * std::bit_cast<float>((n2 + 127) << 23);
  return x < -87.33654f ? 0.0f : (x > 88.72283f ? __builtin_inff() : (x != x ? x : y));
}

// e^x - 1 for float32 with a relative error below 1e-6 (ELU's negative side): the Taylor series
// to x^7 for |x| < 0.35 (remainder below 2e-8 relative), where exp(x) - 1 would cancel, and
// exp(x) - 1 elsewhere; both are computed and one selected, so loops vectorise. -inf gives -1.
[[gnu::always_inline]] inline float expm1(float x) {
  float p = 1.0f / 5040;
  p = p * x + 1.0f / 720;
  p = p * x + 1.0f / 120;
  p = p * x + 1.0f / 24;
  p = p * x + 1.0f / 6;
  p = p * x + 0.5f;
  const float series = x + x * x * p;
  return std::fabs(x) < 0.35f ? series : exp(x) - 1.0f;
}

// tanh(x) for float32 within 2 ulp-ish (absolute error below 1.5e-7, relative below 4e-7):
// Cephes tanhf's odd polynomial for |x| < 0.625, where 1 - 2 / (e^{2|x|} + 1) would cancel, and
// that formula (with vec::exp) elsewhere; both are computed and one selected, so loops vectorise.
// Saturates to +-1 without overflow trouble (e^{2|x|} = inf gives 2 / inf = 0).
[[gnu::always_inline]] inline float tanh(float x) {
  const float ax = std::abs(x);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float big = 1.0f - 2.0f / (exp(2.0f * ax) + 1.0f);
  const float large = x < 0 ? -big : big;
  return ax < 0.625f ? small : (x != x ? x : large);
}

// The standard normal distribution's CDF Φ(x) and density φ(x) = e^{-x²/2} / √(2π) at one
// point, from one exponential (GELU needs both: x Φ(x) and its derivative Φ(x) + x φ(x)).
// The tail Φ(-|x|) is φ(x) m(|x|), with m the Mills ratio Φ(-a) / φ(a), smooth and falling
// like 1/a, as a degree-8 polynomial in u = 1 / (1 + 0.4 a) (scripts/fit_normal_cdf.py); then
// Φ(x) = 1 - Φ(-x) for x >= 0. Absolute error below 2e-7 and relative error below 2.2e-6 (the
// rounding of -x²/2 near exp's range end) for |x| <= 9; unlike 0.5 (1 + erf(x / √2)) the left
// tail keeps its digits. Branch-free so loops vectorise; NaN gives NaN, +-inf gives 1 and 0.
struct NormalCdfPdf {
  float cdf, pdf;
};
[[gnu::always_inline]] inline NormalCdfPdf normal_cdf_pdf(float x) {
  const float a = std::abs(x);
  const float u = 1.0f / (1.0f + 0.4f * a);
  float m = -0.100854106f;
  m = m * u + 0.50976038f;
  m = m * u - 0.949407041f;
  m = m * u + 0.641905606f;
  m = m * u - 0.038750276f;
  m = m * u + 0.399915308f;
  m = m * u + 0.389885157f;
  m = m * u + 0.400892556f;
  m = m * u - 3.35588084e-05f;
  const float pdf = 0.398942280f * exp(-0.5f * x * x);  // 1 / √(2π)
  const float tail = pdf * m;                           // Φ(-|x|)
  return {x < 0 ? tail : 1.0f - tail, pdf};
}

// The logistic function 1 / (1 + e^{-x}), exactly 0 and 1 far out (e^{-x} = inf or 0).
[[gnu::always_inline]] inline float sigmoid(float x) {
  return 1.0f / (1.0f + exp(-x));
}

}  // namespace attend::vec
