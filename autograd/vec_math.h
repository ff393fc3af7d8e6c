// Elementwise math that the compiler can vectorise. std::exp is a library call per element (no
// SIMD without -ffast-math); softmax, cross-entropy and attention spend most of their time in it.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace attend::vec {

// e^x for float32 with a relative error below 2e-7 (Cephes expf: range reduction by ln 2 and a
// degree-6 polynomial), branch-free so loops over it vectorise. exp(-inf) and anything below
// -87.3 give exactly 0 (masked attention scores must get zero weight); above 88.7 gives +inf.
inline float exp(float x) {
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

// tanh(x) for float32 within 2 ulp-ish (absolute error below 1.5e-7, relative below 4e-7):
// Cephes tanhf's odd polynomial for |x| < 0.625, where 1 - 2 / (e^{2|x|} + 1) would cancel, and
// that formula (with vec::exp) elsewhere; both are computed and one selected, so loops vectorise.
// Saturates to +-1 without overflow trouble (e^{2|x|} = inf gives 2 / inf = 0).
inline float tanh(float x) {
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

// erf(x) for float32 within 1.5 ulp of the exact value, branch-free so loops vectorise (GELU's
// exact form spends nearly all its time here with std::erf, a library call per element). For
// |x| <= 0.921875 the odd polynomial x + x s p(s), s = x^2; beyond it 1 - e^{h(|x|)} with h a
// degree-7 polynomial fitting log erfc(|x|) on [0.9, 4] (weighted by erfc, so the error in erf is
// even), and +-1 from 4 on, where erf rounds to 1 in float32. Coefficients: least-squares fits in
// double on a grid of 20,000 points each; NaN gives NaN.
inline float erf(float x) {
  const float t = std::abs(x), s = x * x;
  float p = -5.977479740977287e-4f;
  p = p * s + 4.9918885342776775e-3f;
  p = p * s - 2.676677331328392e-2f;
  p = p * s + 1.1281853169202805e-1f;
  p = p * s - 3.761250078678131e-1f;
  p = p * s + 1.2837915122509003e-1f;
  const float small = p * x + x;
  float h = -2.142767516488675e-5f;
  h = h * t + 4.3816620018333197e-4f;
  h = h * t - 4.188316408544779e-3f;
  h = h * t + 2.5163033977150917e-2f;
  h = h * t - 1.0834469646215439e-1f;
  h = h * t - 6.332907676696777e-1f;
  h = h * t - 1.1295413970947266f;
  h = h * t + 1.7993830260820687e-4f;
  // Both branches computed and one selected (a conditional exp would not vectorise).
  const float e = 1.0f - exp(h);
  const float big = t >= 4.0f ? 1.0f : e;
  return t > 0.921875f ? (x < 0 ? -big : big) : small;
}

// The logistic function 1 / (1 + e^{-x}), exactly 0 and 1 far out (e^{-x} = inf or 0).
inline float sigmoid(float x) {
  return 1.0f / (1.0f + exp(-x));
}

}  // namespace attend::vec
