// Fused neural-network functions: softmax, log_softmax, cross_entropy, nll_loss, layer_norm,
// dropout. Forward values against double-precision computations written here, and PyTorch's
// semantics for reductions, ignore_index, label smoothing and dropout. The finite-difference
// checks, the references (cross_entropy against nll_loss of log_softmax) and the PyTorch fixtures
// are the ops' descriptors (autograd/ops_nn.cpp).
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "autograd/kernels.h"
#include "test_util.h"

using namespace attend;
using attend::test::grad_of;
using attend::test::param;

namespace {

// Calls f(offsets of one line along dim, n) for every line of shape s along dim.
void for_each_line(const Shape& s, int dim,
                   const std::function<void(const std::vector<int64_t>&)>& f) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < dim; ++d) outer *= s[d];
  for (int d = dim + 1; d < s.ndim(); ++d) inner *= s[d];
  const int64_t n = s[dim];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      std::vector<int64_t> offs(n);
      for (int64_t j = 0; j < n; ++j) offs[j] = (o * n + j) * inner + i;
      f(offs);
    }
}

// log_softmax along dim in double, written here.
std::vector<double> ref_log_softmax(const Tensor& x, int dim) {
  std::vector<double> out(x.numel());
  for_each_line(x.shape(), dim, [&](const std::vector<int64_t>& offs) {
    double m = -INFINITY;
    for (int64_t o : offs) m = std::max(m, static_cast<double>(x.data()[o]));
    double s = 0;
    for (int64_t o : offs) s += std::exp(x.data()[o] - m);
    for (int64_t o : offs) out[o] = x.data()[o] - m - std::log(s);
  });
  return out;
}

// Per-row cross-entropy of logits [rows, C] with PyTorch's label smoothing, in double; NaN marks an
// ignored row.
std::vector<double> ref_cross_entropy_rows(const Tensor& logits, const std::vector<int64_t>& target,
                                           int64_t ignore_index, double eps) {
  const int64_t C = logits.shape().back();
  const Tensor flat = reshape(logits.detach(), {-1, C});
  std::vector<double> lp = ref_log_softmax(flat, 1);
  std::vector<double> rows(target.size());
  for (size_t r = 0; r < target.size(); ++r) {
    if (target[r] == ignore_index) {
      rows[r] = NAN;
      continue;
    }
    double all = 0;
    for (int64_t c = 0; c < C; ++c) all += lp[r * C + c];
    rows[r] = -(1 - eps) * lp[r * C + target[r]] - eps / C * all;
  }
  return rows;
}

// Applies a reduction to per-row losses (NaN = ignored); kNone gives 0 for ignored rows.
std::vector<double> reduce_rows(const std::vector<double>& rows, Reduction red) {
  if (red == Reduction::kNone) {
    std::vector<double> out(rows);
    for (double& v : out)
      if (std::isnan(v)) v = 0;
    return out;
  }
  double s = 0;
  int n = 0;
  for (double v : rows)
    if (!std::isnan(v)) s += v, ++n;
  return {red == Reduction::kSum ? s : s / n};
}

const char* name(Reduction r) {
  return r == Reduction::kMean ? "mean" : r == Reduction::kSum ? "sum" : "none";
}

void check_values(const Tensor& actual, const std::vector<double>& expected, double tol = 1e-5) {
  BOOST_REQUIRE_EQUAL(actual.numel(), static_cast<int64_t>(expected.size()));
  for (int64_t i = 0; i < actual.numel(); ++i)
    BOOST_CHECK_MESSAGE(
        std::fabs(actual.data()[i] - expected[i]) <= tol * (1 + std::fabs(expected[i])),
        "element " << i << ": " << actual.data()[i] << " != expected " << expected[i]);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_nn)

// --- softmax / log_softmax ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(softmax_hand_values) {
  // softmax([0, ln 2, ln 5]) = [1, 2, 5] / 8
  Tensor x = from_vector({0.0f, std::log(2.0f), std::log(5.0f)});
  attend::test::check_close(softmax(x, 0), from_vector({0.125f, 0.25f, 0.625f}), 1e-6f, 1e-5f);
  attend::test::check_close(log_softmax(x, 0),
                            from_vector({std::log(0.125f), std::log(0.25f), std::log(0.625f)}),
                            1e-6f, 1e-5f);
}

BOOST_AUTO_TEST_CASE(softmax_every_dim_of_3d_forward) {
  Tensor x = param({3, 4, 5}, 1, -3.0f, 3.0f).detach();
  for (int dim : {0, 1, 2, -1}) {
    BOOST_TEST_CONTEXT("dim " << dim) {
      const int d = dim < 0 ? dim + 3 : dim;
      Tensor p = softmax(x, dim), lp = log_softmax(x, dim);
      BOOST_REQUIRE(p.shape() == x.shape());
      BOOST_REQUIRE(lp.shape() == x.shape());
      std::vector<double> ref = ref_log_softmax(x, d);
      for (int64_t i = 0; i < x.numel(); ++i) {
        BOOST_CHECK_GT(p.data()[i], 0.0f);
        BOOST_CHECK_LT(p.data()[i], 1.0f);
        BOOST_CHECK_SMALL(lp.data()[i] - ref[i], 1e-5);
        BOOST_CHECK_SMALL(p.data()[i] - std::exp(ref[i]), 1e-6);
        // log_softmax == log(softmax)
        BOOST_CHECK_SMALL(lp.data()[i] - std::log(p.data()[i]), 1e-5f);
      }
      // Every line along dim sums to 1.
      for_each_line(x.shape(), d, [&](const std::vector<int64_t>& offs) {
        double s = 0;
        for (int64_t o : offs) s += p.data()[o];
        BOOST_CHECK_SMALL(s - 1.0, 1e-6);
      });
    }
  }
}

BOOST_AUTO_TEST_CASE(softmax_last_axis_matches_the_strided_path_with_masks) {
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t n : {24, 37}) {
    BOOST_TEST_CONTEXT("keys " << n) {
      Tensor x = param({5, n}, 40 + n, -4.0f, 4.0f).detach().clone();
      for (int64_t j = 0; j < n; j += 3) x.data()[1 * n + j] = -inf;  // some keys masked
      for (int64_t j = 0; j < n; ++j) x.data()[3 * n + j] = -inf;     // every key masked
      Tensor fast = softmax(x, 1);
      Tensor strided = transpose(softmax(transpose(x, 0, 1), 0), 0, 1);  // dim 0: the strided path
      for (int64_t i = 0; i < x.numel(); ++i) {
        if (i / n == 3) {
          BOOST_CHECK(std::isnan(fast.data()[i]));
          continue;
        }
        BOOST_CHECK_SMALL(fast.data()[i] - strided.data()[i], 1e-7f);
        if (x.data()[i] == -inf) BOOST_CHECK_EQUAL(fast.data()[i], 0.0f);
      }
    }
  }
}

// kernels::row_max (vector lanes plus a scalar tail) against std::max_element for every length
// 0..40 with the maximum at every position, and its edge cases: all -inf, a NaN (skipped).
BOOST_AUTO_TEST_CASE(row_max_is_the_maximum_at_every_length_and_position) {
  const float inf = std::numeric_limits<float>::infinity();
  Generator g(3);
  for (int64_t n = 1; n <= 40; ++n)
    for (int64_t at = 0; at < n; ++at) {
      std::vector<float> v(static_cast<size_t>(n));
      for (float& x : v) x = g.uniform() * 2.0f - 1.0f;
      v[static_cast<size_t>(at)] = 5.0f;
      BOOST_TEST_CONTEXT("n " << n << ", max at " << at) {
        BOOST_TEST(kernels::row_max(v.data(), n) == 5.0f);
      }
    }
  BOOST_TEST(kernels::row_max(nullptr, 0) == -inf);
  std::vector<float> masked(19, -inf);
  BOOST_TEST(kernels::row_max(masked.data(), 19) == -inf);
  std::vector<float> with_nan = {1, 2, std::nanf(""), 3, 0, 0, 0, 0, 0, 0, -1};
  BOOST_TEST(kernels::row_max(with_nan.data(), 11) == 3.0f);
}

BOOST_AUTO_TEST_CASE(softmax_invariant_to_shift) {
  Tensor x = param({2, 6}, 30).detach();
  attend::test::check_close(softmax(x + 50.0f, 1), softmax(x, 1), 1e-6f, 1e-4f);
}

BOOST_AUTO_TEST_CASE(large_logits_stay_finite) {
  Tensor x = from_vector({1000.0f, 999.0f, 0.0f, -1000.0f}, {1, 4});
  Tensor p = softmax(x, 1), lp = log_softmax(x, 1);
  for (int64_t i = 0; i < 4; ++i) {
    BOOST_CHECK(std::isfinite(p.data()[i]));
    BOOST_CHECK(std::isfinite(lp.data()[i]));
  }
  const double lse = std::log1p(std::exp(-1.0));  // log(e^0 + e^-1) relative to the max
  BOOST_CHECK_CLOSE(p.data()[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-4);
  BOOST_CHECK_CLOSE(p.data()[1], std::exp(-1.0) / (1.0 + std::exp(-1.0)), 1e-4);
  BOOST_CHECK_EQUAL(p.data()[3], 0.0f);
  BOOST_CHECK_CLOSE(lp.data()[0], -lse, 0.05);  // float32 rounding of 1000 + lse
  BOOST_CHECK_CLOSE(lp.data()[1], -1.0 - lse, 0.05);
  BOOST_CHECK_CLOSE(lp.data()[2], -1000.0 - lse, 1e-4);
  BOOST_CHECK_CLOSE(lp.data()[3], -2000.0 - lse, 1e-4);

  // All logits large and equal: uniform.
  Tensor same = full({3}, 1000.0f);
  attend::test::check_close(softmax(same, 0), full({3}, 1.0f / 3.0f), 1e-6f, 1e-5f);
  // Along a non-last dim too.
  Tensor col = from_vector({1000.0f, -1000.0f, 1000.0f, 1000.0f}, {2, 2});
  attend::test::check_close(softmax(col, 0), from_vector({0.5f, 0.0f, 0.5f, 1.0f}, {2, 2}), 1e-6f,
                            1e-5f);

  // cross_entropy and its gradient with large logits.
  Tensor logits = from_vector({1000.0f, -1000.0f, 0.0f, 1000.0f, 999.0f, 1000.0f}, {2, 3});
  logits.requires_grad_();
  Tensor loss = cross_entropy(logits, from_indices({1, 0}, {2}));
  BOOST_CHECK(std::isfinite(loss.item()));
  // row 0: -log_softmax[1] = 2000 (+ tiny); row 1: log(e^0 + e^-1 + e^0) - 0 = log(2 + e^-1)
  BOOST_CHECK_CLOSE(loss.item(), (2000.0 + std::log(2.0 + std::exp(-1.0))) / 2.0, 1e-3);
  loss.backward();
  for (int64_t i = 0; i < 6; ++i) BOOST_CHECK(std::isfinite(grad_of(logits).data()[i]));
  // Large-logit backward through softmax / log_softmax as well.
  Tensor y = param({2, 3}, 31, 999.0f, 1001.0f);
  log_softmax(y, 1).backward(ones({2, 3}));
  for (int64_t i = 0; i < 6; ++i) BOOST_CHECK(std::isfinite(grad_of(y).data()[i]));
}

// --- cross_entropy -----------------------------------------------------------------------------

namespace {
struct LossCase {
  int64_t ignore_index;
  float smoothing;
  Reduction red;
};

std::vector<LossCase> loss_cases() {
  std::vector<LossCase> cs;
  for (Reduction r : {Reduction::kMean, Reduction::kSum, Reduction::kNone}) {
    cs.push_back({-100, 0.0f, r});  // plain
    cs.push_back({-100, 0.1f, r});  // label smoothing
    cs.push_back({2, 0.0f, r});     // ignore_index is a valid class (2)
    cs.push_back({-1, 0.1f, r});    // both: smoothing and ignored targets
  }
  return cs;
}

// Targets for [2, 3, 5] logits (6 rows): contain class 2 twice and -1 once; the -1 entry is
// replaced by a valid class unless ignore_index is -1.
std::vector<int64_t> targets_for(int64_t ignore_index) {
  std::vector<int64_t> t = {2, 0, 4, -1, 2, 1};
  if (ignore_index != -1) t[3] = 3;
  return t;
}
}  // namespace

BOOST_AUTO_TEST_CASE(cross_entropy_hand_values) {
  // Zero logits: every class has log-probability -log C, whatever the target or smoothing.
  Tensor z = zeros({4, 5});
  Tensor t = from_indices({0, 3, 4, 1}, {4});
  BOOST_CHECK_CLOSE(cross_entropy(z, t).item(), std::log(5.0), 1e-4);
  BOOST_CHECK_CLOSE(cross_entropy(z, t, -100, 0.3f).item(), std::log(5.0), 1e-4);
  BOOST_CHECK_CLOSE(cross_entropy(z, t, -100, 0.0f, Reduction::kSum).item(), 4 * std::log(5.0),
                    1e-4);
  // logits [0, ln 3] target 1: p = 3/4, loss = -ln(3/4)
  Tensor two = from_vector({0.0f, std::log(3.0f)}, {1, 2});
  BOOST_CHECK_CLOSE(cross_entropy(two, from_indices({1}, {1})).item(), -std::log(0.75), 1e-3);
  // with smoothing 0.2 over 2 classes: 0.9 * -ln(3/4) + 0.1 * -ln(1/4)
  BOOST_CHECK_CLOSE(cross_entropy(two, from_indices({1}, {1}), -100, 0.2f).item(),
                    0.9 * -std::log(0.75) + 0.1 * -std::log(0.25), 1e-3);
}

BOOST_AUTO_TEST_CASE(cross_entropy_values_every_option) {
  Tensor logits = param({2, 3, 5}, 40, -2.0f, 2.0f);
  for (const LossCase& c : loss_cases()) {
    BOOST_TEST_CONTEXT("ignore_index " << c.ignore_index << ", label_smoothing " << c.smoothing
                                       << ", reduction " << name(c.red)) {
      std::vector<int64_t> t = targets_for(c.ignore_index);
      Tensor target = from_indices(t, {2, 3});
      Tensor loss = cross_entropy(logits, target, c.ignore_index, c.smoothing, c.red);
      if (c.red == Reduction::kNone)
        BOOST_CHECK(loss.shape() == Shape({2, 3}));
      else
        BOOST_CHECK_EQUAL(loss.numel(), 1);
      check_values(
          loss, reduce_rows(ref_cross_entropy_rows(logits, t, c.ignore_index, c.smoothing), c.red));
    }
  }
}

BOOST_AUTO_TEST_CASE(cross_entropy_ignored_rows_get_zero_gradient) {
  Tensor logits = param({3, 4}, 60);
  cross_entropy(logits, from_indices({1, 0, 1}, {3}), /*ignore_index=*/0).backward();
  for (int64_t c = 0; c < 4; ++c) BOOST_CHECK_EQUAL(grad_of(logits).at({1, c}), 0.0f);
  // The mean is over the two kept rows: each kept row's gradient sums to 0 and has
  // (softmax - onehot) / 2 at the target.
  Tensor p = softmax(logits.detach(), 1);
  BOOST_CHECK_CLOSE(grad_of(logits).at({0, 1}), (p.at({0, 1}) - 1.0f) / 2.0f, 1e-3);
  BOOST_CHECK_CLOSE(grad_of(logits).at({2, 3}), p.at({2, 3}) / 2.0f, 1e-3);
}

BOOST_AUTO_TEST_CASE(cross_entropy_all_ignored_mean_is_nan) {
  // PyTorch: the mean over zero targets is 0/0.
  Tensor logits = param({2, 3}, 61);
  Tensor loss = cross_entropy(logits, from_vector({-100.0f, -100.0f}));
  BOOST_CHECK(std::isnan(loss.item()));
  BOOST_CHECK_EQUAL(
      cross_entropy(logits, from_vector({-100.0f, -100.0f}), -100, 0.0f, Reduction::kSum).item(),
      0.0f);
}

BOOST_AUTO_TEST_CASE(cross_entropy_unbatched_input) {
  // As torch: logits [C] with a 0-D target is one sample.
  Tensor logits = from_vector({0.5f, -1.0f, 2.0f, 0.0f});
  Tensor t = from_indices({2}, Shape{});
  const double lse = std::log(std::exp(0.5) + std::exp(-1.0) + std::exp(2.0) + 1.0);
  BOOST_CHECK_CLOSE(cross_entropy(logits, t).item(), lse - 2.0, 1e-4);
  BOOST_CHECK_CLOSE(nll_loss(log_softmax(logits, 0), t).item(), lse - 2.0, 1e-4);
}

BOOST_AUTO_TEST_CASE(cross_entropy_errors) {
  Tensor logits = zeros({2, 3});
  BOOST_CHECK_THROW(cross_entropy(logits, from_vector({0.0f, 3.0f})), ShapeError);  // class 3 of 3
  BOOST_CHECK_THROW(cross_entropy(logits, from_vector({0.0f, 0.5f})), ShapeError);  // not whole
  BOOST_CHECK_THROW(cross_entropy(logits, from_vector({0.0f, -1.0f})),
                    ShapeError);  // negative, not ignored
  BOOST_CHECK_THROW(cross_entropy(logits, from_vector({0.0f, 1.0f, 2.0f})), ShapeError);
  try {
    cross_entropy(logits, from_vector({0.0f, 7.0f}));
    BOOST_ERROR("no exception");
  } catch (const ShapeError& e) {
    BOOST_CHECK_MESSAGE(std::string(e.what()).find("cross_entropy") != std::string::npos, e.what());
  }
  BOOST_CHECK_THROW(cross_entropy(logits, from_vector({0.0f, 1.0f}), -100, 1.5f),
                    std::invalid_argument);
  BOOST_CHECK_THROW(cross_entropy(logits, from_vector({0.0f, 1.0f}), -100, -0.1f),
                    std::invalid_argument);
}

// --- nll_loss ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(nll_loss_values_every_option) {
  Tensor lp = param({2, 3, 5}, 70, -3.0f, 0.0f);
  for (const LossCase& c : loss_cases()) {
    if (c.smoothing != 0.0f) continue;  // nll_loss has no smoothing
    BOOST_TEST_CONTEXT("ignore_index " << c.ignore_index << ", reduction " << name(c.red)) {
      std::vector<int64_t> t = targets_for(c.ignore_index);
      Tensor loss = nll_loss(lp, from_indices(t, {2, 3}), c.ignore_index, c.red);
      std::vector<double> rows(6);
      for (int64_t r = 0; r < 6; ++r)
        rows[r] = t[r] == c.ignore_index ? NAN : -lp.data()[r * 5 + t[r]];
      if (c.red == Reduction::kNone) BOOST_CHECK(loss.shape() == Shape({2, 3}));
      check_values(loss, reduce_rows(rows, c.red));
    }
  }
  // Also with -1 ignored (the case list only ignores -1 with smoothing).
  std::vector<int64_t> t = targets_for(-1);
  Tensor loss = nll_loss(lp, from_indices(t, {2, 3}), -1, Reduction::kMean);
  double s = 0;
  for (int64_t r = 0; r < 6; ++r)
    if (r != 3) s -= lp.data()[r * 5 + t[r]];
  BOOST_CHECK_CLOSE(loss.item(), s / 5, 1e-4);
}

BOOST_AUTO_TEST_CASE(nll_loss_hand_values) {
  Tensor lp = from_vector({-1, -2, -3, -4, -5, -6}, {2, 3});
  BOOST_CHECK_CLOSE(nll_loss(lp, from_indices({2, 0}, {2})).item(), (3.0 + 4.0) / 2, 1e-5);
  BOOST_CHECK_CLOSE(nll_loss(lp, from_indices({2, 0}, {2}), -100, Reduction::kSum).item(), 7.0,
                    1e-5);
  BOOST_CHECK_CLOSE(nll_loss(lp, from_indices({2, 0}, {2}), 0).item(), 3.0, 1e-5);
  attend::test::check_close(nll_loss(lp, from_indices({1, 0}, {2}), 1, Reduction::kNone),
                            from_vector({0, 4}), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(nll_loss_errors) {
  BOOST_CHECK_THROW(nll_loss(zeros({2, 3}), from_vector({0.0f, 3.0f})), ShapeError);
  BOOST_CHECK_THROW(nll_loss(zeros({2, 3}), from_vector({0.0f, 1.0f}, {1, 2})), ShapeError);
  try {
    nll_loss(zeros({2, 3}), from_vector({0.0f, 2.5f}));
    BOOST_ERROR("no exception");
  } catch (const ShapeError& e) {
    BOOST_CHECK_MESSAGE(std::string(e.what()).find("nll_loss") != std::string::npos, e.what());
  }
}

// --- layer_norm --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(layer_norm_without_affine_normalises_rows) {
  Tensor x = param({2, 3, 8}, 100, -3.0f, 5.0f).detach();
  Tensor y = layer_norm(x, Tensor(), Tensor());
  BOOST_REQUIRE(y.shape() == x.shape());
  for (int64_t r = 0; r < 6; ++r) {
    double m = 0, v = 0;
    for (int64_t j = 0; j < 8; ++j) m += y.data()[r * 8 + j];
    m /= 8;
    for (int64_t j = 0; j < 8; ++j) v += (y.data()[r * 8 + j] - m) * (y.data()[r * 8 + j] - m);
    v /= 8;
    BOOST_CHECK_SMALL(m, 1e-5);
    BOOST_CHECK_CLOSE(v, 1.0, 0.1);  // 1 - eps/var
  }
}

BOOST_AUTO_TEST_CASE(layer_norm_forward_against_reference) {
  Tensor x = param({4, 6}, 101, -2.0f, 2.0f).detach();
  Tensor w = param({6}, 102).detach(), b = param({6}, 103).detach();
  const double eps = 1e-5;
  Tensor y = layer_norm(x, w, b), y_w = layer_norm(x, w, Tensor()),
         y_b = layer_norm(x, Tensor(), b);
  for (int64_t r = 0; r < 4; ++r) {
    double m = 0, v = 0;
    for (int64_t j = 0; j < 6; ++j) m += x.at({r, j});
    m /= 6;
    for (int64_t j = 0; j < 6; ++j) v += (x.at({r, j}) - m) * (x.at({r, j}) - m);
    v /= 6;  // biased, as torch
    for (int64_t j = 0; j < 6; ++j) {
      const double h = (x.at({r, j}) - m) / std::sqrt(v + eps);
      BOOST_CHECK_SMALL(y.at({r, j}) - (h * w.at({j}) + b.at({j})), 1e-5);
      BOOST_CHECK_SMALL(y_w.at({r, j}) - h * w.at({j}), 1e-5);
      BOOST_CHECK_SMALL(y_b.at({r, j}) - (h + b.at({j})), 1e-5);
    }
  }
  // A constant row normalises to 0 (variance 0, eps keeps it finite), then + bias.
  Tensor c = full({1, 4}, 3.0f);
  attend::test::check_close(layer_norm(c, Tensor(), Tensor()), zeros({1, 4}), 1e-6f, 0.0f);
  // A large eps is used as given: [-1, 1] has variance 1 -> / sqrt(1 + 3) = [-0.5, 0.5]
  attend::test::check_close(layer_norm(from_vector({-1, 1}, {1, 2}), Tensor(), Tensor(), 3.0f),
                            from_vector({-0.5f, 0.5f}, {1, 2}), 1e-6f, 1e-5f);
}

BOOST_AUTO_TEST_CASE(layer_norm_affine_gradients_hand_values) {
  // d sum(y * G) / d bias = sum of G over rows; / d weight = sum of G * xhat over rows.
  Tensor x = param({4, 5}, 130).detach();
  Tensor w = param({5}, 131), b = param({5}, 132);
  Tensor G = param({4, 5}, 133).detach();
  layer_norm(x, w, b).backward(G);
  Tensor xhat = layer_norm(x, Tensor(), Tensor());
  for (int64_t j = 0; j < 5; ++j) {
    double gb = 0, gw = 0;
    for (int64_t r = 0; r < 4; ++r) {
      gb += G.at({r, j});
      gw += G.at({r, j}) * xhat.at({r, j});
    }
    BOOST_CHECK_SMALL(grad_of(b).data()[j] - gb, 1e-5);
    BOOST_CHECK_SMALL(grad_of(w).data()[j] - gw, 1e-5);
  }
}

BOOST_AUTO_TEST_CASE(layer_norm_shape_errors) {
  BOOST_CHECK_THROW(layer_norm(zeros({2, 4}), zeros({3}), Tensor()), ShapeError);
  BOOST_CHECK_THROW(layer_norm(zeros({2, 4}), Tensor(), zeros({2, 4})), ShapeError);
}

// --- dropout -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(dropout_eval_returns_input_unchanged) {
  Tensor x = param({4, 5}, 140);
  Generator gen(1);
  Tensor y = dropout(x, 0.5f, /*training=*/false, gen);
  attend::test::check_close(y, x, 0.0f, 0.0f);
  // Training with p = 0 is the identity too.
  attend::test::check_close(dropout(x, 0.0f, true, gen), x, 0.0f, 0.0f);
  // The gradient passes straight through.
  y.sum().backward();
  attend::test::check_close(grad_of(x), ones({4, 5}), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(dropout_training_is_reproducible_with_a_seed) {
  Tensor x = param({50, 40}, 141).detach();
  Generator g1(42), g2(42), g3(43);
  Tensor a = dropout(x, 0.3f, true, g1), b = dropout(x, 0.3f, true, g2),
         c = dropout(x, 0.3f, true, g3);
  attend::test::check_close(a, b, 0.0f, 0.0f);
  int differ = 0;
  for (int64_t i = 0; i < x.numel(); ++i) differ += a.data()[i] != c.data()[i];
  BOOST_CHECK_GT(differ, 100);  // another seed, another mask
  // The generator advances: a second call with the same generator gives a new mask.
  Tensor a2 = dropout(x, 0.3f, true, g1);
  differ = 0;
  for (int64_t i = 0; i < x.numel(); ++i) differ += a.data()[i] != a2.data()[i];
  BOOST_CHECK_GT(differ, 100);
}

BOOST_AUTO_TEST_CASE(dropout_drops_fraction_p_and_scales_the_rest) {
  const int64_t n = 100000;
  for (float p : {0.1f, 0.3f, 0.5f, 0.9f}) {
    BOOST_TEST_CONTEXT("p " << p) {
      Generator gen(7);
      Tensor x = param({n}, 150, 0.5f, 1.5f).detach();  // no zeros in the input
      Tensor y = dropout(x, p, true, gen);
      int64_t dropped = 0;
      bool scaled_ok = true;
      for (int64_t i = 0; i < n; ++i) {
        if (y.data()[i] == 0.0f) {
          ++dropped;
        } else if (std::fabs(y.data()[i] - x.data()[i] / (1.0f - p)) >
                   1e-5f * std::fabs(y.data()[i])) {
          if (scaled_ok)
            BOOST_ERROR("element " << i << ": " << y.data()[i] << " != " << x.data()[i]
                                   << " / (1 - p)");
          scaled_ok = false;
        }
      }
      // Binomial(n, p): standard deviation at most 0.0016 of n; allow ~6 sigma.
      BOOST_CHECK_SMALL(static_cast<double>(dropped) / n - p, 0.01);
      // The expectation is preserved: mean(y) ~ mean(x).
      BOOST_CHECK_CLOSE(mean(y).item(), mean(x).item(), p < 0.6f ? 1.5 : 5.0);
    }
  }
}

// The coin rule, written out: element i is dropped exactly when the i-th uniform() of a
// generator with the same seed is below p, for dropout and for attention's weight masks alike
// (p 0.5 puts the cut on a whole number of 2^-24 steps, 0.3 and 0.77 between two).
BOOST_AUTO_TEST_CASE(dropout_drops_exactly_where_uniform_is_below_p) {
  const int64_t n = 5000;  // several blocks of draws, the last one partial
  for (float p : {0.3f, 0.5f, 0.77f}) {
    BOOST_TEST_CONTEXT("p " << p) {
      Generator gen(21), again(21), reference(21);
      Tensor x = param({n}, 152, 0.5f, 1.5f).detach();
      Tensor y = dropout(x, p, true, gen);
      Tensor keep = attend::kernels::attention_keep_mask({n}, p, again);
      for (int64_t i = 0; i < n; ++i) {
        const bool dropped = reference.uniform() < p;
        BOOST_REQUIRE_EQUAL(y.data()[i] == 0.0f, dropped);
        BOOST_REQUIRE_EQUAL(keep.data()[i], dropped ? 0.0f : 1.0f / (1.0f - p));
      }
      BOOST_CHECK_EQUAL(gen.next_u64(), reference.next_u64());  // one draw per element
    }
  }
}

BOOST_AUTO_TEST_CASE(dropout_p_one_zeroes_everything) {
  Generator gen(8);
  Tensor x = param({100}, 160);
  Tensor y = dropout(x, 1.0f, true, gen);
  for (int64_t i = 0; i < 100; ++i) BOOST_CHECK_EQUAL(y.data()[i], 0.0f);
  y.sum().backward();
  for (int64_t i = 0; i < 100; ++i) BOOST_CHECK_EQUAL(grad_of(x).data()[i], 0.0f);
}

BOOST_AUTO_TEST_CASE(dropout_gradient_uses_the_same_mask) {
  Generator gen(9);
  Tensor x = param({1000}, 170, 0.5f, 1.5f);
  Tensor y = dropout(x, 0.4f, true, gen);
  y.sum().backward();
  for (int64_t i = 0; i < 1000; ++i) {
    const float expected = y.data()[i] == 0.0f ? 0.0f : 1.0f / 0.6f;
    BOOST_CHECK_CLOSE(grad_of(x).data()[i] + 1.0f, expected + 1.0f, 1e-4);
  }
}

BOOST_AUTO_TEST_CASE(dropout_probability_outside_unit_interval_throws) {
  Generator gen(10);
  Tensor x = ones({4});
  for (float p : {-0.1f, 1.01f, 2.0f}) {
    BOOST_TEST_CONTEXT("p " << p) {
      BOOST_CHECK_THROW(dropout(x, p, true, gen), std::invalid_argument);
      BOOST_CHECK_THROW(dropout(x, p, false, gen),
                        std::invalid_argument);  // as torch: checked in eval too
    }
  }
  BOOST_CHECK_NO_THROW(dropout(x, 1.0f, true, gen));
  BOOST_CHECK_NO_THROW(dropout(x, 0.0f, true, gen));
}

BOOST_AUTO_TEST_SUITE_END()
