// The vectorisable exp used by softmax, cross-entropy, attention, exp and sigmoid; tanh, sigmoid
// and the normal distribution of GELU.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <numbers>

#include "autograd/vec_math.h"

BOOST_AUTO_TEST_SUITE(test_vec_math)

BOOST_AUTO_TEST_CASE(exp_is_within_two_ulp_over_the_float_range) {
  double worst = 0;
  float worst_at = 0;
  for (float x = -87.3f; x < 88.7f; x += 0.00037f) {
    const double ref = std::exp(static_cast<double>(x));
    const double rel = std::fabs(attend::vec::exp(x) - ref) / ref;
    if (rel > worst) worst = rel, worst_at = x;
  }
  BOOST_TEST_MESSAGE("worst relative error " << worst << " at x = " << worst_at);
  BOOST_CHECK_LT(worst, 2.4e-7);  // two float32 ulps
}

BOOST_AUTO_TEST_CASE(exp_edge_values) {
  const float inf = std::numeric_limits<float>::infinity();
  BOOST_CHECK_EQUAL(attend::vec::exp(0.0f), 1.0f);
  BOOST_CHECK_EQUAL(attend::vec::exp(-inf), 0.0f);  // masked attention scores weigh exactly 0
  BOOST_CHECK_EQUAL(attend::vec::exp(-100.0f), 0.0f);
  BOOST_CHECK_EQUAL(attend::vec::exp(inf), inf);
  BOOST_CHECK_EQUAL(attend::vec::exp(100.0f), inf);
  BOOST_CHECK(std::isnan(attend::vec::exp(std::numeric_limits<float>::quiet_NaN())));
  BOOST_CHECK_CLOSE(attend::vec::exp(88.7f), std::exp(static_cast<double>(88.7f)), 1e-4);
}

BOOST_AUTO_TEST_CASE(tanh_and_sigmoid_match_the_library_functions) {
  // Worst errors against double precision; relative error for tanh near 0 (where a naive
  // 1 - 2 / (e^{2x} + 1) loses every digit) is what the polynomial branch is for.
  double tanh_abs = 0, tanh_rel = 0, sig_abs = 0;
  for (float x = -30.0f; x < 30.0f; x += 0.00071f) {
    const double t = std::tanh(static_cast<double>(x));
    const double e = std::fabs(attend::vec::tanh(x) - t);
    tanh_abs = std::max(tanh_abs, e);
    if (t != 0) tanh_rel = std::max(tanh_rel, e / std::fabs(t));
    sig_abs = std::max(sig_abs, std::fabs(attend::vec::sigmoid(x) -
                                          1.0 / (1.0 + std::exp(-static_cast<double>(x)))));
  }
  for (float x = 1e-30f; x < 1.0f; x *= 1.37f) {  // tiny arguments keep full relative accuracy
    const double t = std::tanh(static_cast<double>(x));
    tanh_rel = std::max(tanh_rel, std::fabs(attend::vec::tanh(x) - t) / t);
  }
  BOOST_TEST_MESSAGE("tanh abs " << tanh_abs << " rel " << tanh_rel << "; sigmoid abs " << sig_abs);
  BOOST_CHECK_LT(tanh_abs, 1.5e-7);
  BOOST_CHECK_LT(tanh_rel, 4e-7);
  BOOST_CHECK_LT(sig_abs, 1.2e-7);
  const float inf = std::numeric_limits<float>::infinity();
  BOOST_CHECK_EQUAL(attend::vec::tanh(inf), 1.0f);
  BOOST_CHECK_EQUAL(attend::vec::tanh(-inf), -1.0f);
  BOOST_CHECK_EQUAL(attend::vec::tanh(100.0f), 1.0f);
  BOOST_CHECK(std::isnan(attend::vec::tanh(std::numeric_limits<float>::quiet_NaN())));
  BOOST_CHECK_EQUAL(attend::vec::sigmoid(-inf), 0.0f);
  BOOST_CHECK_EQUAL(attend::vec::sigmoid(inf), 1.0f);
  BOOST_CHECK_EQUAL(attend::vec::sigmoid(0.0f), 0.5f);
}

BOOST_AUTO_TEST_CASE(expm1_keeps_its_relative_accuracy_near_zero) {
  double worst = 0;
  float worst_at = 0;
  auto check = [&](float x) {
    const double ref = std::expm1(static_cast<double>(x));
    const double rel = std::fabs(attend::vec::expm1(x) - ref) / std::fabs(ref);
    if (rel > worst) worst = rel, worst_at = x;
  };
  for (float x = -87.0f; x < 88.0f; x += 0.00041f)
    if (x != 0.0f) check(x);
  // Both sides of the switch between series and exp(x) - 1, and tiny arguments, where
  // exp(x) - 1 alone would lose every digit.
  for (float x = 0.3499f; x < 0.3501f; x += 1e-6f) check(x), check(-x);
  for (float x = 1e-30f; x < 1.0f; x *= 1.37f) check(x), check(-x);
  BOOST_TEST_MESSAGE("expm1 worst relative error " << worst << " at x = " << worst_at);
  BOOST_CHECK_LT(worst, 1e-6);
  const float inf = std::numeric_limits<float>::infinity();
  BOOST_CHECK_EQUAL(attend::vec::expm1(0.0f), 0.0f);
  BOOST_CHECK_EQUAL(attend::vec::expm1(-inf), -1.0f);
  BOOST_CHECK_EQUAL(attend::vec::expm1(-100.0f), -1.0f);
  BOOST_CHECK_EQUAL(attend::vec::expm1(inf), inf);
  BOOST_CHECK(std::isnan(attend::vec::expm1(std::numeric_limits<float>::quiet_NaN())));
}

BOOST_AUTO_TEST_CASE(normal_cdf_and_pdf_match_the_library_functions) {
  // Φ(x) = erfc(-x / √2) / 2 and φ(x) = e^{-x²/2} / √(2π) in double precision. Φ's absolute
  // error over the range GELU sees, its relative error in the left tail, where 0.5 (1 + erf)
  // would lose every digit (Φ(-5) = 2.9e-7 is 1 - 0.9999994 in float32), and φ's relative error.
  double cdf_abs = 0, cdf_rel = 0, pdf_rel = 0;
  float cdf_abs_at = 0, cdf_rel_at = 0;
  for (float x = -9.0f; x < 9.0f; x += 0.00013f) {
    const double xd = x, cdf = 0.5 * std::erfc(-xd / std::sqrt(2.0));
    const double pdf = std::exp(-0.5 * xd * xd) / std::sqrt(2.0 * std::numbers::pi);
    const attend::vec::NormalCdfPdf n = attend::vec::normal_cdf_pdf(x);
    const double e = std::fabs(n.cdf - cdf);
    if (e > cdf_abs) cdf_abs = e, cdf_abs_at = x;
    if (e / cdf > cdf_rel) cdf_rel = e / cdf, cdf_rel_at = x;
    pdf_rel = std::max(pdf_rel, std::fabs(n.pdf - pdf) / pdf);
  }
  BOOST_TEST_MESSAGE("normal cdf worst absolute error "
                     << cdf_abs << " at x = " << cdf_abs_at << ", relative " << cdf_rel
                     << " at x = " << cdf_rel_at << "; pdf relative " << pdf_rel);
  BOOST_CHECK_LT(cdf_abs, 2.5e-7);
  BOOST_CHECK_LT(cdf_rel, 2.5e-6);
  BOOST_CHECK_LT(pdf_rel, 2.5e-6);
  const float inf = std::numeric_limits<float>::infinity();
  BOOST_CHECK_EQUAL(attend::vec::normal_cdf_pdf(0.0f).cdf, 0.5f);
  BOOST_CHECK_EQUAL(attend::vec::normal_cdf_pdf(inf).cdf, 1.0f);
  BOOST_CHECK_EQUAL(attend::vec::normal_cdf_pdf(-inf).cdf, 0.0f);
  BOOST_CHECK_EQUAL(attend::vec::normal_cdf_pdf(20.0f).cdf, 1.0f);
  BOOST_CHECK_EQUAL(attend::vec::normal_cdf_pdf(-20.0f).cdf, 0.0f);
  BOOST_CHECK_EQUAL(attend::vec::normal_cdf_pdf(-20.0f).pdf, 0.0f);
  BOOST_CHECK(std::isnan(attend::vec::normal_cdf_pdf(std::numeric_limits<float>::quiet_NaN()).cdf));
}

BOOST_AUTO_TEST_SUITE_END()
