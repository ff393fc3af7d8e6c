// conv1d: against a direct loop over the definition and against finite differences; shape and
// option errors. Its comparison with torch.nn.functional.conv1d is in its descriptor
// (autograd/ops_conv.cpp, fixtures of tests/fixtures/speech.txt).
#include <boost/test/unit_test.hpp>

#include "test_util.h"

using namespace attend;
using attend::test::check_close;
using attend::test::param;

namespace {

// out[b, o, u] = bias[o] + sum_{c, k} w[o, c, k] x[b, c, u + k - P] (zero outside x).
Tensor conv1d_by_definition(const Tensor& x, const Tensor& w, const Tensor& bias, int64_t P) {
  const int64_t B = x.size(0), C = x.size(1), T = x.size(2), O = w.size(0), K = w.size(2);
  const int64_t U = T + 2 * P - K + 1;
  Tensor out = zeros({B, O, U});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t u = 0; u < U; ++u) {
        double s = bias.defined() ? bias.data()[o] : 0.0;
        for (int64_t c = 0; c < C; ++c)
          for (int64_t k = 0; k < K; ++k) {
            const int64_t t = u + k - P;
            if (t >= 0 && t < T) s += w.at({o, c, k}) * x.at({b, c, t});
          }
        out.data()[(b * O + o) * U + u] = static_cast<float>(s);
      }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_conv)

BOOST_AUTO_TEST_CASE(conv1d_matches_the_definition) {
  for (int64_t P : {0, 1, 3}) {
    Tensor x = param({2, 3, 6}, 1), w = param({4, 3, 3}, 2), b = param({4}, 3);
    check_close(conv1d(x, w, b, P), conv1d_by_definition(x, w, b, P), 1e-5f, 1e-5f);
    check_close(conv1d(x, w, Tensor(), P), conv1d_by_definition(x, w, Tensor(), P), 1e-5f, 1e-5f);
  }
  // A kernel as wide as the padded input gives one position.
  Tensor y = conv1d(param({1, 1, 3}, 4), param({2, 1, 5}, 5), Tensor(), 1);
  BOOST_CHECK(y.shape() == Shape({1, 2, 1}));
}

BOOST_AUTO_TEST_CASE(conv1d_gradcheck_every_input) {
  ATTEND_CHECK_GRAD([](const std::vector<Tensor>& x) { return conv1d(x[0], x[1], x[2], 2); },
                    std::vector<Tensor>({param({2, 2, 5}, 6), param({3, 2, 4}, 7), param({3}, 8)}));
  ATTEND_CHECK_GRAD([](const std::vector<Tensor>& x) { return conv1d(x[0], x[1]); },
                    std::vector<Tensor>({param({1, 3, 7}, 9), param({2, 3, 7}, 10)}));
  // Only some inputs require grad: the others get none.
  Tensor x = param({1, 1, 4}, 11), w = param({1, 1, 3}, 12);
  Tensor xc = x.detach();
  sum(conv1d(xc, w, Tensor(), 1)).backward();
  BOOST_CHECK(w.grad().defined());
  BOOST_CHECK(!xc.grad().defined());
}

BOOST_AUTO_TEST_CASE(conv1d_errors_name_the_op_and_shapes) {
  attend::test::check_mentions(attend::test::shape_error_message([] {
                                 conv1d(zeros({2, 3, 5}), zeros({4, 2, 3}));
                               }),
                               {"conv1d", "[2, 3, 5]", "[4, 2, 3]"});
  attend::test::check_mentions(attend::test::shape_error_message([] {
                                 conv1d(zeros({2, 3, 5}), zeros({4, 3, 3}), zeros({3}));
                               }),
                               {"conv1d", "bias", "[3]"});
  attend::test::check_mentions(attend::test::shape_error_message([] {
                                 conv1d(zeros({1, 1, 2}), zeros({1, 1, 4}));
                               }),
                               {"conv1d", "kernel width 4"});
  BOOST_CHECK_THROW(conv1d(zeros({1, 1, 4}), zeros({1, 1, 3}), Tensor(), -1),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
