// gradcheck itself: correct ops pass; ops with deliberately wrong backwards (scaled, sign flipped,
// one element wrong, a gradient missing) fail with a message naming the input, the element and
// both values; and custom ops written with attend::record() -- the "users' own ops" use case --
// pass when their backward is right.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/node.h"
#include "test_util.h"

using namespace attend;
using attend::test::param;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

enum class Bug { kNone, kScale, kSignFlip, kOneElement, kMissing };

constexpr int64_t kWrongElement = 2;  // flat index of the element kOneElement gets wrong
constexpr float kWrongValue = 42.0f;  // the value it reports there

// A user's op built with record(): out = a * b + sin(a) elementwise (a, b of one shape), with
// da = g * (b + cos a), db = g * a. `bug` breaks the backward on purpose; `seen_grad`, if given,
// receives the gradient of the output that backward was called with.
Tensor my_op(const Tensor& a, const Tensor& b, Bug bug = Bug::kNone,
             std::shared_ptr<Tensor> seen_grad = nullptr) {
  Tensor out = Tensor::empty(a.shape());
  for (int64_t i = 0; i < a.numel(); ++i)
    out.data()[i] = a.data()[i] * b.data()[i] + std::sin(a.data()[i]);
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record(attend::test::test_op("my_op"), out, {&a, &b},
                [sa = a.detach(), sb = b.detach(), ga, gb, bug, seen_grad](const Tensor& g) {
                  if (seen_grad) *seen_grad = g.detach().clone();
                  Tensor da, db;
                  if (ga) {
                    da = Tensor::empty(sa.shape());
                    for (int64_t i = 0; i < sa.numel(); ++i)
                      da.data()[i] = g.data()[i] * (sb.data()[i] + std::cos(sa.data()[i]));
                    if (bug == Bug::kScale)
                      for (int64_t i = 0; i < da.numel(); ++i) da.data()[i] *= 1.05f;
                    if (bug == Bug::kOneElement) da.data()[kWrongElement] = kWrongValue;
                  }
                  if (gb && bug != Bug::kMissing) {
                    db = Tensor::empty(sb.shape());
                    for (int64_t i = 0; i < sb.numel(); ++i)
                      db.data()[i] = g.data()[i] * sa.data()[i];
                    if (bug == Bug::kSignFlip)
                      for (int64_t i = 0; i < db.numel(); ++i) db.data()[i] = -db.data()[i];
                  }
                  return std::vector<Tensor>{da, db};
                });
}

Fn my_op_fn(Bug bug, std::shared_ptr<Tensor> seen = nullptr) {
  return [bug, seen](const std::vector<Tensor>& in) { return my_op(in[0], in[1], bug, seen); };
}

// Two inputs of shape [2, 3].
std::vector<Tensor> two_inputs(uint64_t seed) {
  return {param({2, 3}, seed), param({2, 3}, seed + 1)};
}

// The number that follows `key` in the message (e.g. "analytic 1.25").
double number_after(const std::string& msg, const std::string& key) {
  const size_t p = msg.find(key);
  BOOST_REQUIRE_MESSAGE(p != std::string::npos, "'" << key << "' not in message: " << msg);
  const char* start = msg.c_str() + p + key.size();
  char* end = nullptr;
  const double v = std::strtod(start, &end);
  BOOST_REQUIRE_MESSAGE(end != start, "no number after '" << key << "' in: " << msg);
  return v;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A failed result must name the input and the element in its message, and give both values (and
// agree with the result's fields).
void check_failure_report(const GradcheckResult& r, int input, const std::vector<int64_t>& index) {
  BOOST_CHECK(!r.ok);
  BOOST_CHECK_EQUAL(r.input, input);
  BOOST_CHECK(r.index == index);
  BOOST_CHECK_GT(r.worst_ratio, 1.0);
  BOOST_TEST_MESSAGE("gradcheck report: " << r.message);
  BOOST_CHECK_MESSAGE(contains(r.message, "fail"), r.message);
  BOOST_CHECK_MESSAGE(contains(r.message, "input " + std::to_string(input)), r.message);
  std::string idx = "[";
  for (size_t i = 0; i < index.size(); ++i) idx += (i ? ", " : "") + std::to_string(index[i]);
  idx += "]";
  BOOST_CHECK_MESSAGE(contains(r.message, idx),
                      "element " << idx << " not named in: " << r.message);
  const double analytic = number_after(r.message, "analytic ");
  const double numeric = number_after(r.message, "numeric ");
  BOOST_CHECK_SMALL(analytic - r.analytic, 1e-4 * (1 + std::fabs(r.analytic)));
  BOOST_CHECK_SMALL(numeric - r.numeric, 1e-4 * (1 + std::fabs(r.numeric)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_gradcheck)

BOOST_AUTO_TEST_CASE(correct_composite_user_function_passes) {
  // A user's function composed of library ops.
  Fn f = [](const std::vector<Tensor>& in) {
    Tensor h = tanh(matmul(in[0], in[1]));
    return sum(h * h, 1) + exp(in[2]) * 0.5f;
  };
  GradcheckResult r = gradcheck(f, {param({3, 4}, 1), param({4, 5}, 2), param({3}, 3)});
  BOOST_CHECK_MESSAGE(r.ok, r.message);
  BOOST_CHECK_LE(r.worst_ratio, 1.0);
  BOOST_CHECK(contains(r.message, "passed"));
}

BOOST_AUTO_TEST_CASE(correct_record_op_passes) {
  ATTEND_CHECK_GRAD(my_op_fn(Bug::kNone), two_inputs(10));
  // Larger tensors, and through further ops.
  ATTEND_CHECK_GRAD(my_op_fn(Bug::kNone),
                    (std::vector<Tensor>{param({4, 5, 3}, 12), param({4, 5, 3}, 13)}));
  Fn chained = [](const std::vector<Tensor>& in) {
    return sum(my_op(tanh(in[0]), in[1] * in[1]), 0);
  };
  ATTEND_CHECK_GRAD(chained, two_inputs(14));
}

BOOST_AUTO_TEST_CASE(correct_record_op_with_one_input_requiring_grad) {
  // b is a constant: its backward slot is skipped, and gradcheck checks only a.
  Tensor b = param({2, 3}, 21).detach();
  ATTEND_CHECK_GRAD(my_op_fn(Bug::kNone), (std::vector<Tensor>{param({2, 3}, 20), b}));
  // Even a "missing gradient" bug for b is invisible when b needs no gradient.
  ATTEND_CHECK_GRAD(my_op_fn(Bug::kMissing), (std::vector<Tensor>{param({2, 3}, 20), b}));
}

BOOST_AUTO_TEST_CASE(custom_record_op_changing_shape_passes) {
  // A user's row-wise op [R, C] -> [R]: out[r] = sum_c w[c] * x[r, c]^2 / (1 + x[r, c]^2).
  auto my_rowop = [](const Tensor& x, const Tensor& w) {
    const int64_t R = x.size(0), C = x.size(1);
    Tensor out = zeros({R});
    for (int64_t r = 0; r < R; ++r)
      for (int64_t c = 0; c < C; ++c) {
        const float v = x.data()[r * C + c];
        out.data()[r] += w.data()[c] * v * v / (1 + v * v);
      }
    const bool gx = x.requires_grad(), gw = w.requires_grad();
    return record(attend::test::test_op("my_rowop"), out, {&x, &w},
                  [sx = x.detach(), sw = w.detach(), gx, gw, R, C](const Tensor& g) {
                    Tensor dx = gx ? zeros({R, C}) : Tensor(), dw = gw ? zeros({C}) : Tensor();
                    for (int64_t r = 0; r < R; ++r)
                      for (int64_t c = 0; c < C; ++c) {
                        const float v = sx.data()[r * C + c], q = 1 + v * v;
                        if (gx) dx.data()[r * C + c] = g.data()[r] * sw.data()[c] * 2 * v / (q * q);
                        if (gw) dw.data()[c] += g.data()[r] * v * v / q;
                      }
                    return std::vector<Tensor>{dx, dw};
                  });
  };
  Fn f = [my_rowop](const std::vector<Tensor>& in) { return my_rowop(in[0], in[1]); };
  ATTEND_CHECK_GRAD(f, (std::vector<Tensor>{param({4, 3}, 30), param({3}, 31)}));
  // The op's node carries its name, so the graph and error messages can name it.
  Tensor x = param({4, 3}, 32), w = param({3}, 33);
  Tensor y = my_rowop(x, w);
  BOOST_REQUIRE(y.grad_fn());
  BOOST_CHECK_EQUAL(std::string(y.grad_fn()->name), "my_rowop");
}

BOOST_AUTO_TEST_CASE(gradient_scaled_by_five_percent_fails) {
  GradcheckResult r = gradcheck(my_op_fn(Bug::kScale), two_inputs(40));
  BOOST_CHECK_MESSAGE(!r.ok, r.message);
  BOOST_CHECK_EQUAL(r.input, 0);
  // The worst element's analytic value is 1.05 times the numeric one.
  BOOST_CHECK_CLOSE(r.analytic, 1.05 * r.numeric, 1.0);
  check_failure_report(r, 0, r.index);
}

BOOST_AUTO_TEST_CASE(sign_flipped_gradient_fails) {
  GradcheckResult r = gradcheck(my_op_fn(Bug::kSignFlip), two_inputs(50));
  BOOST_CHECK_MESSAGE(!r.ok, r.message);
  BOOST_CHECK_EQUAL(r.input, 1);
  BOOST_CHECK_CLOSE(r.analytic, -r.numeric, 2.0);
  check_failure_report(r, 1, r.index);
}

BOOST_AUTO_TEST_CASE(one_wrong_element_is_named_with_both_values) {
  auto seen = std::make_shared<Tensor>();
  std::vector<Tensor> in = two_inputs(60);
  GradcheckResult r = gradcheck(my_op_fn(Bug::kOneElement, seen), in);
  // Element 2 of [2, 3] is [0, 2] of input 0.
  check_failure_report(r, 0, {0, 2});
  BOOST_CHECK_EQUAL(r.analytic, kWrongValue);
  // The true gradient there, from the cotangent backward received: g * (b + cos a).
  BOOST_REQUIRE(seen->defined());
  const double a = in[0].data()[kWrongElement], b = in[1].data()[kWrongElement];
  const double truth = seen->data()[kWrongElement] * (b + std::cos(a));
  BOOST_CHECK_SMALL(r.numeric - truth, 2e-3 + 1e-2 * std::fabs(truth));
  BOOST_CHECK_MESSAGE(contains(r.message, "42"), r.message);
}

BOOST_AUTO_TEST_CASE(missing_gradient_for_one_input_fails) {
  GradcheckResult r = gradcheck(my_op_fn(Bug::kMissing), two_inputs(70));
  check_failure_report(r, 1, r.index);
  BOOST_CHECK_EQUAL(r.analytic, 0.0);  // no gradient reached input 1
  BOOST_CHECK_GT(std::fabs(r.numeric), 0.01);
}

BOOST_AUTO_TEST_CASE(wrong_backward_of_a_single_input_op_fails) {
  // A one-input user op whose backward forgets the chain rule (ignores g).
  auto bad_square = [](const Tensor& x) {
    Tensor out = Tensor::empty(x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) out.data()[i] = x.data()[i] * x.data()[i];
    return record(attend::test::test_op("bad_square"), out, {&x}, [sx = x.detach()](const Tensor&) {
      Tensor dx = Tensor::empty(sx.shape());
      for (int64_t i = 0; i < sx.numel(); ++i) dx.data()[i] = 2 * sx.data()[i];
      return std::vector<Tensor>{dx};
    });
  };
  Fn f = [bad_square](const std::vector<Tensor>& in) { return bad_square(in[0]); };
  GradcheckResult r = gradcheck(f, {param({3, 4}, 80)});
  BOOST_CHECK_MESSAGE(!r.ok, r.message);
  BOOST_CHECK_EQUAL(r.input, 0);
  BOOST_CHECK_EQUAL(r.index.size(), 2u);
}

BOOST_AUTO_TEST_CASE(options_tolerances_are_applied) {
  // A 5% error passes once rtol allows 10%, and fails again when it is tightened.
  GradcheckOptions loose;
  loose.rtol = 0.1;
  GradcheckResult r = gradcheck(my_op_fn(Bug::kScale), two_inputs(90), loose);
  BOOST_CHECK_MESSAGE(r.ok, r.message);
  GradcheckOptions tight;
  tight.rtol = 0.01;
  tight.atol = 1e-4;
  BOOST_CHECK(!gradcheck(my_op_fn(Bug::kScale), two_inputs(90), tight).ok);
  // A different cotangent seed still passes a correct op.
  GradcheckOptions other_seed;
  other_seed.seed = 7;
  BOOST_CHECK(gradcheck(my_op_fn(Bug::kNone), two_inputs(90), other_seed).ok);
}

BOOST_AUTO_TEST_CASE(inputs_are_left_untouched) {
  std::vector<Tensor> in = two_inputs(100);
  const std::vector<float> before(in[0].data(), in[0].data() + in[0].numel());
  gradcheck(my_op_fn(Bug::kNone), in);
  for (int64_t i = 0; i < in[0].numel(); ++i) BOOST_CHECK_EQUAL(in[0].data()[i], before[i]);
  BOOST_CHECK(!in[0].grad().defined());
  BOOST_CHECK(!in[1].grad().defined());
}

BOOST_AUTO_TEST_CASE(output_not_requiring_grad_is_reported) {
  Fn f = [](const std::vector<Tensor>& in) { return in[0].detach() * 2.0f; };
  GradcheckResult r = gradcheck(f, {param({3}, 110)});
  BOOST_CHECK(!r.ok);
  BOOST_CHECK_MESSAGE(contains(r.message, "require"), r.message);
}

BOOST_AUTO_TEST_SUITE_END()
