// Pointwise ops: the four broadcasting binary ops in every broadcasting case and both operand
// orders, their scalar and operator forms, and every unary op. Forward values are compared with
// references computed here in double precision with <cmath>, and for a few ops the gradients
// with derivatives written out by hand. The finite-difference checks of every op are its
// descriptor's samples (autograd/ops_pointwise.cpp), run by tests/study/test_descriptors.cpp.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "test_util.h"

using namespace attend;
using attend::test::param;
using attend::test::unravel;

namespace {

// The element of t that NumPy broadcasting pairs with the output multi-index idx: dimensions are
// aligned on the right and a size-1 dimension repeats its only element.
double broadcast_at(const Tensor& t, const std::vector<int64_t>& idx) {
  const int off = static_cast<int>(idx.size()) - t.ndim();
  int64_t flat = 0;
  for (int d = 0; d < t.ndim(); ++d) {
    const int64_t n = t.shape()[d];
    flat = flat * n + (n == 1 ? 0 : idx[d + off]);
  }
  return t.data()[flat];
}

struct BinaryOp {
  const char* name;
  Tensor (*op)(const Tensor&, const Tensor&);
  double (*ref)(double, double);
};

const BinaryOp kBinaryOps[] = {
    {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); },
     [](double a, double b) { return a + b; }},
    {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); },
     [](double a, double b) { return a - b; }},
    {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); },
     [](double a, double b) { return a * b; }},
    {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); },
     [](double a, double b) { return a / b; }},
};

const BinaryOp& binary(const std::string& name) {
  for (const BinaryOp& op : kBinaryOps)
    if (name == op.name) return op;
  throw std::logic_error("no binary op " + name);
}

// One broadcasting case: operand shapes and the broadcast result shape (worked out by hand).
struct BroadcastCase {
  Shape a, b, out;
};

const BroadcastCase kBroadcastCases[] = {
    {{2, 3}, {2, 3}, {2, 3}},                 // same shape
    {{1, 3}, {1, 3}, {1, 3}},                 // same shape with a size-1 dimension
    {{2, 3}, {}, {2, 3}},                     // 0-d scalar tensor
    {{2, 3}, {1}, {2, 3}},                    // one-element 1-d tensor
    {{}, {}, {}},                             // both 0-d
    {{1}, {}, {1}},                           // {1} with {} is {1}
    {{1}, {1}, {1}},                          // one element on both sides
    {{2, 3, 4}, {4}, {2, 3, 4}},              // trailing dimension
    {{2, 3, 4}, {3, 4}, {2, 3, 4}},           // rank difference, trailing dims equal
    {{2, 3, 4}, {3, 1}, {2, 3, 4}},           // rank difference and a size-1 dimension
    {{2, 3, 4}, {1, 3, 1}, {2, 3, 4}},        // outer and inner broadcast, middle kept
    {{2, 3, 4}, {2, 1, 4}, {2, 3, 4}},        // middle dimension
    {{2, 1, 4}, {3, 1}, {2, 3, 4}},           // middle dims, both sides broadcast
    {{2, 1, 3}, {1, 4, 1}, {2, 4, 3}},        // both sides broadcast in alternating dims
    {{5, 1}, {1, 6}, {5, 6}},                 // outer product
    {{2, 3}, {1, 1}, {2, 3}},                 // all-ones shape of the same rank
    {{1, 1, 1}, {2, 3}, {1, 2, 3}},           // the lower-rank operand is the bigger one
    {{2, 1, 3, 1}, {4, 1, 5}, {2, 4, 3, 5}},  // rank 4 with every kind of dimension
};

// The forward value of op on a and b against the double-precision reference, element by element.
void check_binary_forward(const BinaryOp& op, const Tensor& a, const Tensor& b,
                          const Shape& out_shape) {
  Tensor out = op.op(a.detach(), b.detach());
  BOOST_REQUIRE_MESSAGE(out.shape() == out_shape, op.name << " result shape " << out.shape().str()
                                                          << " != " << out_shape.str());
  for (int64_t i = 0; i < out.numel(); ++i) {
    const std::vector<int64_t> idx = unravel(i, out_shape);
    const double expected = op.ref(broadcast_at(a, idx), broadcast_at(b, idx));
    if (std::fabs(out.data()[i] - expected) > 1e-6 * (1 + std::fabs(expected))) {
      BOOST_ERROR(op.name << " element " << i << ": " << out.data()[i] << " != expected "
                          << expected);
      return;
    }
  }
}

// Every broadcasting case in both operand orders: the result's shape and values.
void check_binary_all_cases(const std::string& name) {
  const BinaryOp& op = binary(name);
  uint64_t seed = 100;
  for (const BroadcastCase& c : kBroadcastCases) {
    for (int order = 0; order < 2; ++order) {
      const Shape& sa = order == 0 ? c.a : c.b;
      const Shape& sb = order == 0 ? c.b : c.a;
      BOOST_TEST_CONTEXT(name << "(" << sa.str() << ", " << sb.str() << ")") {
        // Bounded away from zero so div's denominator stays well conditioned.
        Tensor a = away_from_zero(sa, ++seed), b = away_from_zero(sb, ++seed);
        check_binary_forward(op, a, b, c.out);
      }
    }
  }
}

// The message of the ShapeError that f throws, or a failed check when it throws nothing.
using attend::test::check_mentions;
using attend::test::shape_error_message;

// Compares each element of out with ref applied to the matching element of in.
void check_unary_forward(const char* name, const Tensor& in, const Tensor& out,
                         const std::function<double(double)>& ref, double tol = 1e-6) {
  BOOST_REQUIRE_MESSAGE(out.shape() == in.shape(),
                        name << ": shape " << out.shape().str() << " != " << in.shape().str());
  for (int64_t i = 0; i < in.numel(); ++i) {
    const double expected = ref(in.data()[i]);
    if (!(std::fabs(out.data()[i] - expected) <= tol * (1 + std::fabs(expected)))) {
      BOOST_ERROR(name << "(" << in.data()[i] << ") = " << out.data()[i] << ", expected "
                       << expected);
      return;
    }
  }
}

// The gradient backward gives x for sum(f(x)), against d/dx f written by hand.
void check_derivative(const char* name, const Tensor& x_in,
                      const std::function<Tensor(const Tensor&)>& f,
                      const std::function<double(double)>& df, double tol = 1e-5) {
  Tensor x = x_in.detach().clone();
  x.requires_grad_();
  sum(f(x)).backward();
  BOOST_REQUIRE_MESSAGE(x.grad().defined(), name << ": no gradient");
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double expected = df(x.data()[i]);
    if (!(std::fabs(x.grad().data()[i] - expected) <= tol * (1 + std::fabs(expected)))) {
      BOOST_ERROR(name << "'(" << x.data()[i] << ") = " << x.grad().data()[i] << ", expected "
                       << expected);
      return;
    }
  }
}

double gelu_exact_ref(double x) {
  return 0.5 * x * (1 + std::erf(x / std::numbers::sqrt2));
}
double gelu_tanh_ref(double x) {
  const double c = std::sqrt(2 / std::numbers::pi);
  return 0.5 * x * (1 + std::tanh(c * (x + 0.044715 * x * x * x)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_pointwise)

// --- binary ops with broadcasting --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(add_every_broadcast_case) {
  check_binary_all_cases("add");
}
BOOST_AUTO_TEST_CASE(sub_every_broadcast_case) {
  check_binary_all_cases("sub");
}
BOOST_AUTO_TEST_CASE(mul_every_broadcast_case) {
  check_binary_all_cases("mul");
}
BOOST_AUTO_TEST_CASE(div_every_broadcast_case) {
  check_binary_all_cases("div");
}

BOOST_AUTO_TEST_CASE(binary_forward_values_by_hand) {
  Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = from_vector({10, 20, 30}, {3});
  Tensor col = from_vector({2, 4}, {2, 1});
  attend::test::check_close(add(a, b), from_vector({11, 22, 33, 14, 25, 36}, {2, 3}));
  attend::test::check_close(sub(b, a), from_vector({9, 18, 27, 6, 15, 24}, {2, 3}));
  attend::test::check_close(mul(a, col), from_vector({2, 4, 6, 16, 20, 24}, {2, 3}));
  attend::test::check_close(div(a, col), from_vector({0.5f, 1, 1.5f, 1, 1.25f, 1.5f}, {2, 3}));
  // [2,1] with [3] is an outer operation: [2, 3].
  attend::test::check_close(mul(col, b), from_vector({20, 40, 60, 40, 80, 120}, {2, 3}));
  attend::test::check_close(div(full({}, 6.0f), b), from_vector({0.6f, 0.3f, 0.2f}, {3}));
}

BOOST_AUTO_TEST_CASE(broadcast_gradients_sum_over_broadcast_dims_by_hand) {
  // out[i, j] = a[i, j] * b[j]: d sum / d b[j] = sum_i a[i, j], d sum / d a[i, j] = b[j].
  Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = from_vector({0.5f, -1, 2}, {3});
  a.requires_grad_();
  b.requires_grad_();
  sum(mul(a, b)).backward();
  attend::test::check_close(b.grad(), from_vector({5, 7, 9}, {3}));
  attend::test::check_close(a.grad(), from_vector({0.5f, -1, 2, 0.5f, -1, 2}, {2, 3}));

  // A 0-d scalar divisor: d sum(a / s) / d s = -sum(a) / s^2.
  Tensor s = full({}, 2.0f);
  s.requires_grad_();
  sum(div(a.detach(), s)).backward();
  BOOST_REQUIRE(s.grad().defined());
  BOOST_CHECK(s.grad().shape() == Shape{});
  BOOST_CHECK_CLOSE(s.grad().item(), -21.0f / 4.0f, 1e-4);

  // sub sends the negated gradient to the right operand, summed over the broadcast dims.
  Tensor c = from_vector({1, 2}, {2, 1});
  c.requires_grad_();
  sum(sub(a.detach(), c)).backward();
  attend::test::check_close(c.grad(), from_vector({-3, -3}, {2, 1}));
}

BOOST_AUTO_TEST_CASE(only_the_operand_requiring_grad_gets_a_gradient) {
  for (const BinaryOp& op : kBinaryOps) {
    BOOST_TEST_CONTEXT(op.name) {
      Tensor a = away_from_zero({2, 3}, 1);
      Tensor b = away_from_zero({3}, 2).detach();  // constant
      Tensor y = op.op(a, b);
      BOOST_CHECK(y.requires_grad());
      sum(y).backward();
      BOOST_CHECK(a.grad().defined());
      BOOST_CHECK(!b.grad().defined());
    }
  }
}

BOOST_AUTO_TEST_CASE(same_tensor_on_both_sides) {
  // The two gradients of one input must add up: x+x -> 2, x-x -> 0, x*x -> 2x, x/x -> 0.
  Tensor x = away_from_zero({5}, 5);
  const Tensor xv = x.detach().clone();
  auto grad_of = [&x](Tensor (*f)(const Tensor&, const Tensor&)) {
    Tensor leaf = x.detach().clone();
    leaf.requires_grad_();
    sum(f(leaf, leaf)).backward();
    return leaf.grad();
  };
  attend::test::check_close(grad_of(binary("add").op), full({5}, 2.0f));
  attend::test::check_close(grad_of(binary("sub").op), zeros({5}));
  attend::test::check_close(grad_of(binary("mul").op), mul(xv, 2.0f));
  attend::test::check_close(grad_of(binary("div").op), zeros({5}), 1e-5f);
}

BOOST_AUTO_TEST_CASE(shape_mismatch_names_op_and_both_shapes) {
  for (const BinaryOp& op : kBinaryOps) {
    BOOST_TEST_CONTEXT(op.name) {
      Tensor a = ones({2, 3}), b = ones({4});
      check_mentions(shape_error_message([&] { op.op(a, b); }), {op.name, "[2, 3]", "[4]"});
      check_mentions(shape_error_message([&] { op.op(b, a); }), {op.name, "[4]", "[2, 3]"});
      Tensor c = ones({2, 3, 4}), d = ones({2, 2, 4});
      check_mentions(shape_error_message([&] { op.op(c, d); }),
                     {op.name, "[2, 3, 4]", "[2, 2, 4]"});
      Tensor e = ones({3, 2});
      check_mentions(shape_error_message([&] { op.op(a, e); }), {op.name, "[2, 3]", "[3, 2]"});
    }
  }
  Tensor a = ones({2, 3}), b = ones({4});
  BOOST_CHECK_THROW(a + b, ShapeError);
  BOOST_CHECK_THROW(a - b, ShapeError);
  BOOST_CHECK_THROW(a * b, ShapeError);
  BOOST_CHECK_THROW(a / b, ShapeError);
}

BOOST_AUTO_TEST_CASE(no_graph_without_requires_grad_or_under_no_grad) {
  Tensor a = away_from_zero({2, 3}, 6).detach(), b = away_from_zero({3}, 7).detach();
  for (const BinaryOp& op : kBinaryOps) {
    Tensor y = op.op(a, b);
    BOOST_CHECK(!y.requires_grad());
    BOOST_CHECK(!y.grad_fn());
  }
  Tensor p = away_from_zero({3}, 8);
  NoGradGuard guard;
  for (const BinaryOp& op : kBinaryOps) BOOST_CHECK(!op.op(a, p).requires_grad());
  BOOST_CHECK(!exp(p).requires_grad());
}

// --- scalar forms and operators ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(scalar_forms) {
  const float s = 1.7f;
  Tensor x = away_from_zero({2, 3}, 9);
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    std::function<double(double)> ref;
  };
  const std::vector<Case> cases = {
      {"add", [s](const Tensor& t) { return add(t, s); }, [s](double v) { return v + s; }},
      {"sub", [s](const Tensor& t) { return sub(t, s); }, [s](double v) { return v - s; }},
      {"rsub", [s](const Tensor& t) { return rsub(s, t); }, [s](double v) { return s - v; }},
      {"mul", [s](const Tensor& t) { return mul(t, s); }, [s](double v) { return v * s; }},
      {"div", [s](const Tensor& t) { return div(t, s); }, [s](double v) { return v / s; }},
      {"rdiv", [s](const Tensor& t) { return rdiv(s, t); }, [s](double v) { return s / v; }},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.name << " with scalar " << s) {
      check_unary_forward(c.name, x, c.f(x.detach()), c.ref);
    }
  }
  // Hand derivatives: d(s - x) = -1, d(x / s) = 1/s, d(s / x) = -s / x^2.
  check_derivative(
      "rsub", x, [s](const Tensor& t) { return rsub(s, t); }, [](double) { return -1.0; });
  check_derivative(
      "sub", x, [s](const Tensor& t) { return sub(t, s); }, [](double) { return 1.0; });
  check_derivative(
      "div", x, [s](const Tensor& t) { return div(t, s); }, [s](double) { return 1.0 / s; });
  check_derivative(
      "rdiv", x, [s](const Tensor& t) { return rdiv(s, t); },
      [s](double v) { return -s / (v * v); });
  check_derivative(
      "mul", x, [](const Tensor& t) { return mul(t, -3.0f); }, [](double) { return -3.0; });
}

BOOST_AUTO_TEST_CASE(operators_match_the_named_ops) {
  Tensor a = away_from_zero({2, 3}, 10), b = away_from_zero({3}, 11);
  Tensor av = a.detach(), bv = b.detach();
  auto each = [&](const char* name, const Tensor& out,
                  const std::function<double(double, double)>& ref) {
    BOOST_TEST_CONTEXT("operator " << name) {
      BOOST_REQUIRE(out.shape() == Shape({2, 3}));
      for (int64_t i = 0; i < 6; ++i) {
        const double expected = ref(av.data()[i], bv.data()[i % 3]);
        BOOST_CHECK_SMALL(out.data()[i] - expected, 1e-6 * (1 + std::fabs(expected)));
      }
    }
  };
  each("a+b", av + bv, [](double x, double y) { return x + y; });
  each("a-b", av - bv, [](double x, double y) { return x - y; });
  each("a*b", av * bv, [](double x, double y) { return x * y; });
  each("a/b", av / bv, [](double x, double y) { return x / y; });
  each("a+2.5", av + 2.5f, [](double x, double) { return x + 2.5f; });
  each("2.5+a", 2.5f + av, [](double x, double) { return 2.5f + x; });
  each("a-2.5", av - 2.5f, [](double x, double) { return x - 2.5f; });
  each("2.5-a", 2.5f - av, [](double x, double) { return 2.5f - x; });
  each("a*2.5", av * 2.5f, [](double x, double) { return x * 2.5f; });
  each("2.5*a", 2.5f * av, [](double x, double) { return 2.5f * x; });
  each("a/2.5", av / 2.5f, [](double x, double) { return x / 2.5f; });
  each("2.5/a", 2.5f / av, [](double x, double) { return 2.5f / x; });
  each("-a", -av, [](double x, double) { return -x; });

  // Every operator in one expression, differentiated with respect to both tensors.
  using Inputs = std::vector<Tensor>;
  ATTEND_CHECK_GRAD(
      [](const Inputs& v) {
        const Tensor& x = v[0];
        const Tensor& y = v[1];
        return (x + y) * (x - y) / y + 2.0f * x - 1.5f / y + (x + 0.5f) - (3.0f - x) * 0.5f / 2.0f +
               (0.25f + x) + (-x) * (y * 3.0f) - (y - 1.0f);
      },
      (Inputs{a, b}));
}

// --- unary ops ---------------------------------------------------------------------------------

namespace {
struct UnaryCase {
  const char* name;
  std::function<Tensor(const Tensor&)> f;
  std::function<double(double)> ref;
  enum { kAny, kAwayFromZero, kPositive } domain;
};
}  // namespace

BOOST_AUTO_TEST_CASE(unary_forward_values) {
  const std::vector<UnaryCase> cases = {
      {"neg", [](const Tensor& t) { return neg(t); }, [](double v) { return -v; }, UnaryCase::kAny},
      {"exp", [](const Tensor& t) { return exp(t); }, [](double v) { return std::exp(v); },
       UnaryCase::kAny},
      {"log", [](const Tensor& t) { return log(t); }, [](double v) { return std::log(v); },
       UnaryCase::kPositive},
      {"sqrt", [](const Tensor& t) { return sqrt(t); }, [](double v) { return std::sqrt(v); },
       UnaryCase::kPositive},
      {"abs", [](const Tensor& t) { return abs(t); }, [](double v) { return std::fabs(v); },
       UnaryCase::kAwayFromZero},
      {"tanh", [](const Tensor& t) { return tanh(t); }, [](double v) { return std::tanh(v); },
       UnaryCase::kAny},
      {"sigmoid", [](const Tensor& t) { return sigmoid(t); },
       [](double v) { return 1 / (1 + std::exp(-v)); }, UnaryCase::kAny},
      {"relu", [](const Tensor& t) { return relu(t); }, [](double v) { return v > 0 ? v : 0.0; },
       UnaryCase::kAwayFromZero},
      {"leaky_relu(0.01)", [](const Tensor& t) { return leaky_relu(t); },
       [](double v) { return v > 0 ? v : 0.01f * v; }, UnaryCase::kAwayFromZero},
      {"leaky_relu(0.2)", [](const Tensor& t) { return leaky_relu(t, 0.2f); },
       [](double v) { return v > 0 ? v : 0.2f * v; }, UnaryCase::kAwayFromZero},
      {"elu(1)", [](const Tensor& t) { return elu(t); },
       [](double v) { return v > 0 ? v : std::exp(v) - 1; }, UnaryCase::kAwayFromZero},
      {"elu(0.5)", [](const Tensor& t) { return elu(t, 0.5f); },
       [](double v) { return v > 0 ? v : 0.5 * (std::exp(v) - 1); }, UnaryCase::kAwayFromZero},
      {"gelu", [](const Tensor& t) { return gelu(t); }, gelu_exact_ref, UnaryCase::kAny},
      {"gelu(approximate)", [](const Tensor& t) { return gelu(t, true); }, gelu_tanh_ref,
       UnaryCase::kAny},
      {"clone", [](const Tensor& t) { return clone(t); }, [](double v) { return v; },
       UnaryCase::kAny},
      {"Tensor::clone", [](const Tensor& t) { return t.clone(); }, [](double v) { return v; },
       UnaryCase::kAny},
  };
  uint64_t seed = 200;
  for (const UnaryCase& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      // [3, 4] with both signs; elu's x <= 0 branch and leaky_relu's slope need negative inputs.
      Tensor x = c.domain == UnaryCase::kAny        ? param({3, 4}, ++seed, -2.0f, 2.0f)
                 : c.domain == UnaryCase::kPositive ? param({3, 4}, ++seed, 0.2f, 2.0f)
                                                    : away_from_zero({3, 4}, ++seed);
      check_unary_forward(c.name, x, c.f(x.detach()), c.ref, 2e-6);
      // And on a 0-d tensor.
      Tensor s = c.domain == UnaryCase::kAny
                     ? param({}, ++seed, -2.0f, 2.0f)
                     : away_from_zero({}, ++seed, c.domain == UnaryCase::kPositive);
      check_unary_forward(c.name, s, c.f(s.detach()), c.ref, 2e-6);
    }
  }
}

BOOST_AUTO_TEST_CASE(unary_values_at_chosen_points) {
  // A few values worked out independently of the implementation.
  Tensor x = from_vector({-2.0f, -0.5f, 0.5f, 3.0f});
  const double v[] = {-2.0, -0.5, 0.5, 3.0};
  auto check = [&](const char* name, const Tensor& out, const std::function<double(double)>& ref) {
    for (int i = 0; i < 4; ++i)
      BOOST_CHECK_MESSAGE(
          std::fabs(out.data()[i] - ref(v[i])) <= 2e-6 * (1 + std::fabs(ref(v[i]))),
          name << "(" << v[i] << ") = " << out.data()[i] << ", expected " << ref(v[i]));
  };
  check("relu", relu(x), [](double t) { return std::max(t, 0.0); });
  check("abs", abs(x), [](double t) { return std::fabs(t); });
  check("elu", elu(x), [](double t) { return t > 0 ? t : std::expm1(t); });
  check("leaky_relu", leaky_relu(x, 0.1f), [](double t) { return t > 0 ? t : 0.1f * t; });
  check("gelu", gelu(x), gelu_exact_ref);
  check("gelu_tanh", gelu(x, true), gelu_tanh_ref);
  // Reference points from tables: Phi(1) = 0.841344746..., so gelu(1) = 0.841344746.
  BOOST_CHECK_CLOSE(gelu(full({}, 1.0f)).item(), 0.8413447f, 1e-4);
  BOOST_CHECK_CLOSE(sigmoid(full({}, 0.0f)).item(), 0.5f, 1e-5);
  BOOST_CHECK_CLOSE(tanh(full({}, 1.0f)).item(), 0.7615942f, 1e-4);
  BOOST_CHECK_CLOSE(exp(full({}, 1.0f)).item(), 2.7182818f, 1e-4);
  BOOST_CHECK_CLOSE(log(full({}, 10.0f)).item(), 2.3025851f, 1e-4);
  BOOST_CHECK_CLOSE(sqrt(full({}, 2.0f)).item(), 1.4142135f, 1e-4);
  BOOST_CHECK_CLOSE(pow(full({}, 2.0f), 10.0f).item(), 1024.0f, 1e-4);
  BOOST_CHECK_CLOSE(pow(full({}, 4.0f), -0.5f).item(), 0.5f, 1e-4);
  BOOST_CHECK_CLOSE(pow(full({}, -2.0f), 3.0f).item(), -8.0f, 1e-4);
  BOOST_CHECK_EQUAL(pow(full({}, 5.0f), 0.0f).item(), 1.0f);
}

BOOST_AUTO_TEST_CASE(pow_exponents) {
  // Fractional and negative exponents on positive inputs; integer exponents on either sign.
  const float fractional[] = {0.5f, 1.5f, -0.5f, -1.0f, -2.5f, 1.0f / 3.0f, 2.0f, 0.0f, 1.0f};
  uint64_t seed = 300;
  for (float e : fractional) {
    BOOST_TEST_CONTEXT("pow(x, " << e << "), x > 0") {
      Tensor x = param({2, 3}, ++seed, 0.5f, 1.5f);
      check_unary_forward(
          "pow", x, pow(x.detach(), e),
          [e](double v) { return std::pow(v, static_cast<double>(e)); }, 2e-6);
      check_derivative(
          "pow", x, [e](const Tensor& t) { return pow(t, e); },
          [e](double v) { return e * std::pow(v, e - 1.0); }, 1e-5);
    }
  }
  const float integral[] = {2.0f, 3.0f, -1.0f, -2.0f, 4.0f};
  for (float e : integral) {
    BOOST_TEST_CONTEXT("pow(x, " << e << "), x of either sign") {
      Tensor x = away_from_zero({2, 3}, ++seed);
      check_unary_forward(
          "pow", x, pow(x.detach(), e),
          [e](double v) { return std::pow(v, static_cast<double>(e)); }, 2e-6);
    }
  }
}

BOOST_AUTO_TEST_CASE(unary_derivatives_by_hand) {
  Tensor x = away_from_zero({8}, 400);
  check_derivative(
      "neg", x, [](const Tensor& t) { return neg(t); }, [](double) { return -1.0; });
  check_derivative(
      "exp", x, [](const Tensor& t) { return exp(t); }, [](double v) { return std::exp(v); });
  check_derivative(
      "abs", x, [](const Tensor& t) { return abs(t); },
      [](double v) { return v > 0 ? 1.0 : -1.0; });
  check_derivative(
      "tanh", x, [](const Tensor& t) { return tanh(t); },
      [](double v) { return 1 - std::tanh(v) * std::tanh(v); });
  check_derivative(
      "sigmoid", x, [](const Tensor& t) { return sigmoid(t); },
      [](double v) {
        const double s = 1 / (1 + std::exp(-v));
        return s * (1 - s);
      });
  check_derivative(
      "relu", x, [](const Tensor& t) { return relu(t); },
      [](double v) { return v > 0 ? 1.0 : 0.0; });
  check_derivative(
      "leaky_relu", x, [](const Tensor& t) { return leaky_relu(t, 0.2f); },
      [](double v) { return v > 0 ? 1.0 : 0.2f; });
  check_derivative(
      "elu", x, [](const Tensor& t) { return elu(t, 0.7f); },
      [](double v) { return v > 0 ? 1.0 : 0.7f * std::exp(v); });
  check_derivative(
      "gelu", x, [](const Tensor& t) { return gelu(t); },
      [](double v) {
        // Phi(v) + v * phi(v)
        return 0.5 * (1 + std::erf(v / std::numbers::sqrt2)) +
               v * std::exp(-0.5 * v * v) / std::sqrt(2 * std::numbers::pi);
      });
  check_derivative(
      "gelu_tanh", x, [](const Tensor& t) { return gelu(t, true); },
      [](double v) {
        const double c = std::sqrt(2 / std::numbers::pi), u = c * (v + 0.044715 * v * v * v),
                     t = std::tanh(u);
        return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v);
      });
  Tensor pos = away_from_zero({8}, 401, true);
  check_derivative(
      "log", pos, [](const Tensor& t) { return log(t); }, [](double v) { return 1 / v; });
  check_derivative(
      "sqrt", pos, [](const Tensor& t) { return sqrt(t); },
      [](double v) { return 0.5 / std::sqrt(v); });
  check_derivative(
      "clone", x, [](const Tensor& t) { return clone(t) * 3.0f; }, [](double) { return 3.0; });
}

BOOST_AUTO_TEST_CASE(clone_copies_data_and_keeps_graph) {
  Tensor x = param({2, 3}, 500);
  Tensor c = clone(x);
  BOOST_CHECK(c.data() != x.data());
  BOOST_CHECK(c.requires_grad());
  BOOST_CHECK(c.grad_fn());
  attend::test::check_close(c.detach(), x.detach(), 0, 0);
  // Writing to the clone leaves the original alone.
  const float before = x.data()[0];
  c.data()[0] = 42.0f;
  BOOST_CHECK_EQUAL(x.data()[0], before);
}

BOOST_AUTO_TEST_CASE(extreme_inputs_stay_finite) {
  Tensor x = from_vector({-100.0f, -30.0f, 30.0f, 100.0f});
  x.requires_grad_();
  Tensor s = sigmoid(x), t = tanh(x), g = gelu(x), ga = gelu(x, true), e = elu(x);
  for (int i = 0; i < 4; ++i) {
    const double v = x.data()[i];
    BOOST_CHECK_SMALL(s.data()[i] - 1 / (1 + std::exp(-v)), 1e-6);
    BOOST_CHECK_SMALL(t.data()[i] - std::tanh(v), 1e-6);
    BOOST_CHECK_SMALL(g.data()[i] - gelu_exact_ref(v), 1e-5);
    BOOST_CHECK_SMALL(ga.data()[i] - gelu_tanh_ref(v), 1e-5);
    BOOST_CHECK_SMALL(e.data()[i] - (v > 0 ? v : std::expm1(v)), 1e-5);
  }
  sum(s + t + g + ga + e).backward();
  for (int i = 0; i < 4; ++i)
    BOOST_CHECK_MESSAGE(std::isfinite(x.grad().data()[i]), "gradient " << i << " not finite");
  // Far from 0 every one of these is flat (derivative 0) or the identity (derivative 1).
  BOOST_CHECK_SMALL(x.grad().data()[0] - 0.0f, 1e-5f);
  BOOST_CHECK_CLOSE(x.grad().data()[3], 3.0f,
                    1e-3);  // sigmoid' = tanh' = 0, gelu' = gelu_tanh' = elu' = 1
}

BOOST_AUTO_TEST_SUITE_END()
