// The vectorisable exp used by softmax, cross-entropy, attention, exp and sigmoid.
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

BOOST_AUTO_TEST_SUITE_END()
