// Tests of the example op (docs/extending.md, step 1): values against PyTorch and against the
// formula in long double, finiteness where the textbook formula overflows, and its descriptor's
// samples (several shapes, the numerically hard regions) against finite differences.
#include <array>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/ops.h"
#include "examples/ops_softplus.h"

using namespace attend;
using attend::examples::softplus;
using attend::examples::softplus_inverse;

namespace {

// softplus(x) and d softplus / dx for each element of xs, as float vectors.
struct Evaluated {
  std::vector<float> value, grad;
};
Evaluated evaluate(const std::vector<float>& xs, float beta, float threshold = 20.0f) {
  Tensor x = from_vector(xs);
  x.requires_grad_();
  Tensor y = softplus(x, beta, threshold);
  sum(y).backward();  // d sum(y) / dx_i = softplus'(x_i)
  return {std::vector<float>(y.data(), y.data() + y.numel()),
          std::vector<float>(x.grad().data(), x.grad().data() + x.numel())};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_softplus)

BOOST_AUTO_TEST_CASE(matches_pytorch) {
  // {beta, x, softplus(x), gradient} from torch.nn.functional.softplus(x, beta, threshold=20) in
  // float64: /usr/bin/python3 examples/softplus_reference.py prints these lines.
  const std::vector<std::array<double, 4>> torch = {
      // beta = 1
      {1, -100, 3.720075976e-44, 3.720075976e-44},
      {1, -30, 9.357622969e-14, 9.357622969e-14},
      {1, -17.5, 2.510999124e-08, 2.510999093e-08},
      {1, -5, 0.006715348489, 0.006692850924},
      {1, -1, 0.3132616875, 0.2689414214},
      {1, -0.25, 0.5759394199, 0.4378234991},
      {1, 0, 0.6931471806, 0.5},
      {1, 0.25, 0.8259394199, 0.5621765009},
      {1, 1, 1.313261688, 0.7310585786},
      {1, 5, 5.006715348, 0.9933071491},
      {1, 9.5, 9.500074849, 0.9999251538},
      {1, 19, 19.00000001, 0.9999999944},
      {1, 25, 25, 1},
      {1, 100, 100, 1},
      // beta = 2
      {2, -100, 6.919482634e-88, 1.383896527e-87},
      {2, -30, 4.378255381e-27, 8.756510763e-27},
      {2, -17.5, 3.15255838e-16, 6.30511676e-16},
      {2, -5, 2.269944961e-05, 4.53978687e-05},
      {2, -1, 0.06346400552, 0.119202922},
      {2, -0.25, 0.2370384921, 0.3775406688},
      {2, 0, 0.3465735903, 0.5},
      {2, 0.25, 0.4870384921, 0.6224593312},
      {2, 1, 1.063464006, 0.880797078},
      {2, 5, 5.000022699, 0.9999546021},
      {2, 9.5, 9.500000003, 0.9999999944},
      {2, 19, 19, 1},
      {2, 25, 25, 1},
      {2, 100, 100, 1},
      // beta = 0.5
      {0.5, -100, 3.857499696e-22, 1.928749848e-22},
      {0.5, -30, 6.118045474e-07, 3.059022269e-07},
      {0.5, -17.5, 0.0003168975429, 0.0001584362191},
      {0.5, -5, 0.1577794686, 0.07585818002},
      {0.5, -1, 0.9481539684, 0.3775406688},
      {0.5, -0.25, 1.265198071, 0.4687906266},
      {0.5, 0, 1.386294361, 0.5},
      {0.5, 0.25, 1.515198071, 0.5312093734},
      {0.5, 1, 1.948153968, 0.6224593312},
      {0.5, 5, 5.157779469, 0.92414182},
      {0.5, 9.5, 9.517228968, 0.9914225146},
      {0.5, 19, 19.0001497, 0.9999251538},
      {0.5, 25, 25.00000745, 0.9999962734},
      {0.5, 100, 100, 1},
  };
  int checked = 0;
  for (float beta : {1.0f, 2.0f, 0.5f}) {
    std::vector<float> xs;
    std::vector<std::array<double, 4>> rows;
    for (const auto& row : torch)
      if (row[0] == beta) {
        xs.push_back(static_cast<float>(row[1]));
        rows.push_back(row);
      }
    const Evaluated e = evaluate(xs, beta);
    for (size_t i = 0; i < xs.size(); ++i, ++checked) {
      // Relative agreement to a few float32 ulps; the absolute term covers results below float's
      // normal range (1.2e-38, at x = -100), which float holds as subnormals or flushes to 0.
      const double y = rows[i][2], g = rows[i][3];
      BOOST_CHECK_MESSAGE(
          std::fabs(e.value[i] - y) <= 1e-6 * std::fabs(y) + 1.2e-38,
          "softplus(" << xs[i] << ", beta " << beta << ") = " << e.value[i] << ", PyTorch " << y);
      BOOST_CHECK_MESSAGE(
          std::fabs(e.grad[i] - g) <= 1e-6 * std::fabs(g) + 1.2e-38,
          "softplus'(" << xs[i] << ", beta " << beta << ") = " << e.grad[i] << ", PyTorch " << g);
    }
  }
  BOOST_CHECK_EQUAL(checked, static_cast<int>(torch.size()));
}

BOOST_AUTO_TEST_CASE(matches_the_formula_in_long_double) {
  // Away from the extremes the textbook formula is exact enough in long double.
  for (float beta : {1.0f, 3.0f}) {
    std::vector<float> xs;
    for (int i = 0; i <= 60; ++i) xs.push_back(-6.0f + 0.2f * static_cast<float>(i));
    const Evaluated e = evaluate(xs, beta);
    for (size_t i = 0; i < xs.size(); ++i) {
      const long double z = static_cast<long double>(beta) * xs[i];
      const long double y = std::log1p(std::exp(z)) / beta, g = 1.0L / (1.0L + std::exp(-z));
      BOOST_CHECK_CLOSE(static_cast<long double>(e.value[i]), y, 1e-4);  // percent
      BOOST_CHECK_CLOSE(static_cast<long double>(e.grad[i]), g, 1e-4);
    }
  }
}

BOOST_AUTO_TEST_CASE(stays_finite_where_the_textbook_formula_overflows) {
  // The naive float formula: inf past x = 88, 0 (all precision lost) below x = -17.
  volatile float big = 89.0f, small = -30.0f;
  BOOST_CHECK(std::isinf(std::log(1.0f + std::exp(big))));
  BOOST_CHECK_EQUAL(std::log(1.0f + std::exp(small)), 0.0f);
  // The stable form, with the linear shortcut switched off (threshold = inf) so it is what runs.
  const float inf = std::numeric_limits<float>::infinity();
  const Evaluated e = evaluate({-1000.0f, -30.0f, 89.0f, 1000.0f}, 1.0f, inf);
  BOOST_CHECK_EQUAL(e.value[0], 0.0f);
  BOOST_CHECK_CLOSE(e.value[1], 9.357623e-14f, 1e-4);
  BOOST_CHECK_EQUAL(e.value[2], 89.0f);
  BOOST_CHECK_EQUAL(e.value[3], 1000.0f);
  BOOST_CHECK_EQUAL(e.grad[0], 0.0f);
  BOOST_CHECK_CLOSE(e.grad[1], 9.357623e-14f, 1e-4);
  BOOST_CHECK_EQUAL(e.grad[2], 1.0f);
  BOOST_CHECK_EQUAL(e.grad[3], 1.0f);
}

// The descriptor's samples (several shapes and betas, the numerically hard regions) against
// finite differences: what `attend-examples gradcheck softplus` runs, and the test suite runs for
// every op of the library (tests/study/test_descriptors.cpp).
BOOST_AUTO_TEST_CASE(is_registered_and_its_samples_pass_gradcheck) {
  const OpInfo* info = op_registry().find("softplus");
  BOOST_REQUIRE_MESSAGE(info, "softplus is not registered");
  const std::vector<Sample> samples = info->samples();
  BOOST_CHECK_GE(samples.size(), 14u);
  for (const Sample& s : samples) {
    const GradcheckResult r = check_sample(s);
    BOOST_CHECK_MESSAGE(r.ok, s.name << ": " << r.message);
    BOOST_CHECK_EQUAL(r.checked, s.inputs[0].numel());
  }
}

BOOST_AUTO_TEST_CASE(records_a_node_only_when_needed) {
  Tensor x = from_vector({-1.0f, 0.0f, 2.0f});
  BOOST_CHECK(!softplus(x).grad_fn());  // no input requires grad: nothing to record
  x.requires_grad_();
  Tensor y = softplus(x);
  BOOST_REQUIRE(y.grad_fn());
  BOOST_CHECK_EQUAL(std::string(y.grad_fn()->name), "softplus");
  NoGradGuard no_grad;
  BOOST_CHECK(!softplus(x).grad_fn());
}

BOOST_AUTO_TEST_CASE(inverse_round_trips_and_bad_arguments_throw) {
  for (float beta : {1.0f, 2.0f})
    for (float y : {1e-6f, 0.01f, 1.0f, 8.0f, 50.0f}) {
      const float x = softplus_inverse(y, beta);
      BOOST_CHECK_CLOSE(softplus(from_vector({x}), beta).item(), y, 1e-3);
    }
  BOOST_CHECK_THROW(softplus(from_vector({1.0f}), 0.0f), std::invalid_argument);
  BOOST_CHECK_THROW(softplus_inverse(0.0f), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
