// The vectorisable exp used by softmax, cross-entropy, attention, exp and sigmoid; tanh, sigmoid
// and the erf of GELU.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>

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

BOOST_AUTO_TEST_CASE(erf_is_within_two_ulp_of_the_library_function) {
  // Relative error against double precision over both branches (the switch at 0.921875) and the
  // saturation at 4, then tiny arguments, where erf(x) ~ 2x / sqrt(pi) must keep its digits.
  double worst = 0;
  float worst_at = 0;
  auto check = [&](float x) {
    const double ref = std::erf(static_cast<double>(x));
    const double rel = std::fabs(attend::vec::erf(x) - ref) / std::fabs(ref);
    if (rel > worst) worst = rel, worst_at = x;
  };
  for (float x = -6.0f; x < 6.0f; x += 0.00013f)
    if (x != 0.0f) check(x);
  for (float x = 1e-30f; x < 1.0f; x *= 1.37f) check(x), check(-x);
  BOOST_TEST_MESSAGE("erf worst relative error " << worst << " at x = " << worst_at);
  BOOST_CHECK_LT(worst, 2.4e-7);
  const float inf = std::numeric_limits<float>::infinity();
  BOOST_CHECK_EQUAL(attend::vec::erf(0.0f), 0.0f);
  BOOST_CHECK_EQUAL(attend::vec::erf(inf), 1.0f);
  BOOST_CHECK_EQUAL(attend::vec::erf(-inf), -1.0f);
  BOOST_CHECK_EQUAL(attend::vec::erf(-1e30f), -1.0f);
  BOOST_CHECK(std::isnan(attend::vec::erf(std::numeric_limits<float>::quiet_NaN())));
}

BOOST_AUTO_TEST_SUITE_END()
