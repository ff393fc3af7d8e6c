// Reductions: sum, mean and max over everything and along each dimension (negative dims, keepdim
// true and false), argmax, their gradients by hand, and the errors for a dimension out of range.
// Expected values come from plain loops written here over an explicit [A, B, C] index. The
// finite-difference checks are the ops' samples (autograd/ops_reduce.cpp).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "test_util.h"

using namespace attend;
using attend::test::check_close;
using attend::test::param;

namespace {

using Inputs = std::vector<Tensor>;
constexpr int64_t A = 2, B = 3, C = 4;

// Element [i, j, k] of a contiguous [A, B, C] tensor.
float at3(const Tensor& t, int64_t i, int64_t j, int64_t k) {
  return t.data()[(i * B + j) * C + k];
}

// The shape of [A, B, C] reduced along d (0..2), with the dimension kept as 1 or dropped.
Shape reduced(int d, bool keepdim) {
  std::vector<int64_t> s = {A, B, C};
  if (keepdim)
    s[d] = 1;
  else
    s.erase(s.begin() + d);
  return Shape(s);
}

// Reference reduction of an [A, B, C] tensor along d: combine(acc, value) over the dimension,
// then finish(acc, count); the result is laid out row-major over the remaining dimensions.
Tensor reference_reduce(const Tensor& x, int d, bool keepdim, double init,
                        const std::function<double(double, double)>& combine,
                        const std::function<double(double, int64_t)>& finish) {
  const int64_t n[3] = {A, B, C};
  Tensor out = Tensor::empty(reduced(d, keepdim));
  int64_t o = 0;
  for (int64_t i = 0; i < (d == 0 ? 1 : A); ++i)
    for (int64_t j = 0; j < (d == 1 ? 1 : B); ++j)
      for (int64_t k = 0; k < (d == 2 ? 1 : C); ++k) {
        double acc = init;
        for (int64_t r = 0; r < n[d]; ++r)
          acc = combine(acc, at3(x, d == 0 ? r : i, d == 1 ? r : j, d == 2 ? r : k));
        out.data()[o++] = static_cast<float>(finish(acc, n[d]));
      }
  return out;
}

double plus(double a, double b) {
  return a + b;
}
double larger(double a, double b) {
  return std::max(a, b);
}

// Index (along d) of the first maximum, per remaining position, as float.
Tensor reference_argmax(const Tensor& x, int d, bool keepdim) {
  const int64_t n[3] = {A, B, C};
  Tensor out = Tensor::empty(reduced(d, keepdim));
  int64_t o = 0;
  for (int64_t i = 0; i < (d == 0 ? 1 : A); ++i)
    for (int64_t j = 0; j < (d == 1 ? 1 : B); ++j)
      for (int64_t k = 0; k < (d == 2 ? 1 : C); ++k) {
        int64_t best = 0;
        float best_v = -std::numeric_limits<float>::infinity();
        for (int64_t r = 0; r < n[d]; ++r) {
          const float v = at3(x, d == 0 ? r : i, d == 1 ? r : j, d == 2 ? r : k);
          if (v > best_v) best_v = v, best = r;
        }
        out.data()[o++] = static_cast<float>(best);
      }
  return out;
}

using attend::test::shape_error_message;

}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_reduce)

// --- over all elements -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(sum_mean_max_of_everything) {
  Tensor x = from_vector({1, -2, 3.5f, 4, 0.25f, -6}, {2, 3});
  Tensor s = sum(x), m = mean(x), mx = max(x);
  BOOST_CHECK(s.shape() == Shape{});
  BOOST_CHECK(m.shape() == Shape{});
  BOOST_CHECK(mx.shape() == Shape{});
  BOOST_CHECK_CLOSE(s.item(), 0.75f, 1e-4);
  BOOST_CHECK_CLOSE(m.item(), 0.125f, 1e-4);
  BOOST_CHECK_EQUAL(mx.item(), 4.0f);
  BOOST_CHECK_CLOSE(x.sum().item(), 0.75f, 1e-4);
  BOOST_CHECK_CLOSE(x.mean().item(), 0.125f, 1e-4);
  // A 0-d and a one-element tensor reduce to their value.
  BOOST_CHECK_EQUAL(sum(full({}, 2.5f)).item(), 2.5f);
  BOOST_CHECK_EQUAL(mean(full({1}, -2.5f)).item(), -2.5f);
  BOOST_CHECK_EQUAL(max(full({}, 7.0f)).item(), 7.0f);
  // All negative: max is not stuck at an initial 0.
  BOOST_CHECK_EQUAL(max(from_vector({-3, -1, -2})).item(), -1.0f);
}

BOOST_AUTO_TEST_CASE(sum_is_accurate_over_many_elements) {
  // 10^6 copies of 0.1f: a float accumulator drifts by about 1% (it stalls as the sum grows).
  Tensor x = full({1000, 1000}, 0.1f);
  BOOST_CHECK_CLOSE(sum(x).item(), 1e6 * static_cast<double>(0.1f), 1e-3);
  BOOST_CHECK_CLOSE(mean(x).item(), 0.1f, 1e-3);
}

BOOST_AUTO_TEST_CASE(gradients_of_everything_by_hand) {
  Tensor x = param({A, B, C}, 1);
  ATTEND_CHECK_GRAD([](const Inputs& v) { return sum(v[0] * v[0]) * mean(v[0]); }, Inputs{x});

  // By hand: d sum = 1, d mean = 1/n, d max = one-hot at the maximum.
  Tensor y = x.detach().clone();
  y.requires_grad_();
  (sum(y) * 2.0f).backward();
  check_close(y.grad(), full({A, B, C}, 2.0f));
  Tensor z = x.detach().clone();
  z.requires_grad_();
  mean(z).backward();
  check_close(z.grad(), full({A, B, C}, 1.0f / (A * B * C)));
  Tensor w = from_vector({0.5f, 3, -1, 2});
  w.requires_grad_();
  (max(w) * 5.0f).backward();
  check_close(w.grad(), from_vector({0, 5, 0, 0}));
}

// --- along one dimension -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(sum_along_each_dim) {
  Tensor x = param({A, B, C}, 3);
  for (int d = -3; d < 3; ++d)
    for (bool keepdim : {false, true})
      BOOST_TEST_CONTEXT("sum(x, " << d << ", keepdim=" << keepdim << ")") {
        const int pd = d < 0 ? d + 3 : d;
        Tensor out = sum(x.detach(), d, keepdim);
        check_close(out, reference_reduce(x, pd, keepdim, 0, plus,
                                          [](double acc, int64_t) { return acc; }));
      }
}

BOOST_AUTO_TEST_CASE(mean_along_each_dim) {
  Tensor x = param({A, B, C}, 4);
  for (int d = -3; d < 3; ++d)
    for (bool keepdim : {false, true})
      BOOST_TEST_CONTEXT("mean(x, " << d << ", keepdim=" << keepdim << ")") {
        const int pd = d < 0 ? d + 3 : d;
        Tensor out = mean(x.detach(), d, keepdim);
        check_close(out, reference_reduce(x, pd, keepdim, 0, plus,
                                          [](double acc, int64_t n) { return acc / n; }));
      }
}

BOOST_AUTO_TEST_CASE(max_along_each_dim) {
  Tensor x = distinct_values({A, B, C}, 5);
  for (int d = -3; d < 3; ++d)
    for (bool keepdim : {false, true})
      BOOST_TEST_CONTEXT("max(x, " << d << ", keepdim=" << keepdim << ")") {
        const int pd = d < 0 ? d + 3 : d;
        Tensor out = max(x.detach(), d, keepdim);
        check_close(out,
                    reference_reduce(x, pd, keepdim, -std::numeric_limits<double>::infinity(),
                                     larger, [](double acc, int64_t) { return acc; }),
                    0, 0);
      }
}

BOOST_AUTO_TEST_CASE(argmax_along_each_dim) {
  Tensor x = distinct_values({A, B, C}, 6);
  for (int d = -3; d < 3; ++d)
    for (bool keepdim : {false, true})
      BOOST_TEST_CONTEXT("argmax(x, " << d << ", keepdim=" << keepdim << ")") {
        const int pd = d < 0 ? d + 3 : d;
        Tensor idx = argmax(x, d, keepdim);
        check_close(idx, reference_argmax(x, pd, keepdim), 0, 0);
        // Not differentiable: no graph even though x requires grad.
        BOOST_CHECK(!idx.requires_grad());
        BOOST_CHECK(!idx.grad_fn());
      }
}

BOOST_AUTO_TEST_CASE(reductions_along_dim_by_hand) {
  // [[1, 5, 2],
  //  [7, 0, 3]]
  Tensor x = from_vector({1, 5, 2, 7, 0, 3}, {2, 3});
  check_close(sum(x, 0), from_vector({8, 5, 5}));
  check_close(sum(x, 1), from_vector({8, 10}));
  check_close(sum(x, -1, true), from_vector({8, 10}, {2, 1}));
  check_close(sum(x, -2, true), from_vector({8, 5, 5}, {1, 3}));
  check_close(mean(x, 0), from_vector({4, 2.5f, 2.5f}));
  check_close(mean(x, 1, true), from_vector({8.0f / 3, 10.0f / 3}, {2, 1}));
  check_close(max(x, 0), from_vector({7, 5, 3}));
  check_close(max(x, 1), from_vector({5, 7}));
  check_close(max(x, -1, true), from_vector({5, 7}, {2, 1}));
  check_close(argmax(x, 0), from_vector({1, 0, 1}), 0, 0);
  check_close(argmax(x, 1), from_vector({1, 0}), 0, 0);
  check_close(argmax(x, -1, true), from_vector({1, 0}, {2, 1}), 0, 0);

  // Gradients: sum along dim spreads the upstream value, mean divides it by the count, and
  // max sends it to the maximal element of each line.
  Tensor p = x.detach().clone();
  p.requires_grad_();
  sum(sum(p, 1) * from_vector({2, -1})).backward();
  check_close(p.grad(), from_vector({2, 2, 2, -1, -1, -1}, {2, 3}));
  Tensor q = x.detach().clone();
  q.requires_grad_();
  sum(mean(q, 0, true) * from_vector({3, 6, 9}, {1, 3})).backward();
  check_close(q.grad(), from_vector({1.5f, 3, 4.5f, 1.5f, 3, 4.5f}, {2, 3}));
  Tensor r = x.detach().clone();
  r.requires_grad_();
  sum(max(r, 1) * from_vector({10, 20})).backward();
  check_close(r.grad(), from_vector({0, 10, 0, 20, 0, 0}, {2, 3}));
}

BOOST_AUTO_TEST_CASE(ties_pick_the_first_maximum) {
  // torch.argmax: "the indices of the first maximal value are returned".
  Tensor x = from_vector({2, 5, 5, 1, 4, 4, 4, 0}, {2, 4});
  check_close(argmax(x, 1), from_vector({1, 0}), 0, 0);
  Tensor col = from_vector({3, 3, 1}, {3, 1});
  check_close(argmax(col, 0), from_vector({0}), 0, 0);
  // max along dim sends the whole gradient to that first index.
  Tensor p = x.detach().clone();
  p.requires_grad_();
  sum(max(p, 1)).backward();
  check_close(p.grad(), from_vector({0, 1, 0, 0, 1, 0, 0, 0}, {2, 4}));
}

BOOST_AUTO_TEST_CASE(max_propagates_nan) {
  // As in PyTorch, a NaN anywhere in the reduced elements is the maximum.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = from_vector({1, nan, 3, 4, 2, 0}, {2, 3});
  BOOST_CHECK(std::isnan(max(x).item()));
  Tensor m = max(x, 1);
  BOOST_CHECK(std::isnan(m.data()[0]));
  BOOST_CHECK_EQUAL(m.data()[1], 4.0f);
}

BOOST_AUTO_TEST_CASE(size_one_dimensions) {
  Tensor x = param({3, 1, 2}, 7);
  check_close(sum(x.detach(), 1), reshape(x.detach(), {3, 2}));
  check_close(mean(x.detach(), 1, true), x.detach());
  check_close(max(x.detach(), 1), reshape(x.detach(), {3, 2}));
  check_close(argmax(x, 1), zeros({3, 2}), 0, 0);
}

BOOST_AUTO_TEST_CASE(zero_dim_tensor_along_dim_0_and_minus_1) {
  // PyTorch accepts dim 0 and -1 on a 0-d tensor and returns a 0-d tensor, kept dim or not
  // (torch.sum(torch.tensor(3.), -1).shape == torch.Size([])).
  Tensor s = full({}, 3.0f);
  struct Case {
    const char* op;
    std::function<Tensor(int, bool)> f;
    float expected;
  };
  const std::vector<Case> cases = {
      {"sum", [&s](int d, bool k) { return sum(s, d, k); }, 3.0f},
      {"mean", [&s](int d, bool k) { return mean(s, d, k); }, 3.0f},
      {"max", [&s](int d, bool k) { return max(s, d, k); }, 3.0f},
      {"argmax", [&s](int d, bool k) { return argmax(s, d, k); }, 0.0f},
  };
  for (const Case& c : cases)
    for (int d : {0, -1})
      for (bool keepdim : {false, true})
        BOOST_TEST_CONTEXT(c.op << "(0-d tensor, dim " << d << ", keepdim " << keepdim << ")") {
          Tensor out;
          try {
            out = c.f(d, keepdim);
          } catch (const std::exception& e) {
            BOOST_ERROR("threw: " << e.what());
            continue;
          }
          BOOST_CHECK_MESSAGE(out.ndim() == 0,
                              "result has ndim " << out.ndim() << ", shape " << out.shape().str());
          if (out.numel() == 1) BOOST_CHECK_EQUAL(out.data()[0], c.expected);
        }
}

BOOST_AUTO_TEST_CASE(dim_out_of_range_names_op_and_dim) {
  Tensor x = ones({A, B, C});
  struct Case {
    const char* op;
    std::function<void(int)> f;
  };
  const std::vector<Case> cases = {
      {"sum", [&x](int d) { sum(x, d); }},
      {"mean", [&x](int d) { mean(x, d, true); }},
      {"max", [&x](int d) { max(x, d); }},
      {"argmax", [&x](int d) { argmax(x, d); }},
  };
  for (const Case& c : cases)
    for (int d : {3, -4, 100}) BOOST_TEST_CONTEXT(c.op << " dim " << d) {
        const std::string msg = shape_error_message([&] { c.f(d); });
        BOOST_CHECK_MESSAGE(msg.find(c.op) != std::string::npos, msg);
        BOOST_CHECK_MESSAGE(msg.find(std::to_string(d)) != std::string::npos, msg);
      }
  // The last valid dims in both directions work.
  BOOST_CHECK_NO_THROW(sum(x, 2));
  BOOST_CHECK_NO_THROW(sum(x, -3));
}

BOOST_AUTO_TEST_CASE(empty_reductions_throw) {
  Tensor e = zeros({0, 3});
  BOOST_CHECK_THROW(mean(e), ShapeError);
  BOOST_CHECK_THROW(max(e), ShapeError);
  BOOST_CHECK_THROW(max(e, 0), ShapeError);
  // Summing nothing is 0 (as in torch).
  BOOST_CHECK_EQUAL(sum(e).item(), 0.0f);
  check_close(sum(e, 0), zeros({3}));
}

BOOST_AUTO_TEST_SUITE_END()
