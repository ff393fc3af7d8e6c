// Fused recurrent cells and the multi-output machinery they use (record_multi, unbind): values
// against the formulas, hooks per output, shape errors. The finite-difference checks and the
// comparison of lstm_sequence with lstm_cell step by step are the ops' descriptors
// (autograd/ops_rnn.cpp, autograd/ops_shape.cpp).
#include <boost/test/unit_test.hpp>

#include "autograd/node.h"
#include "test_util.h"

using namespace attend;
using attend::test::param;

namespace {
float sigm(float v) {
  return 1.0f / (1.0f + std::exp(-v));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_rnn)

BOOST_AUTO_TEST_CASE(lstm_cell_forward_matches_formula) {
  const int64_t B = 2, H = 3;
  Tensor gx = param({B, 4 * H}, 1), gh = param({B, 4 * H}, 2), c = param({B, H}, 3);
  auto hc = lstm_cell(gx, gh, c);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < H; ++j) {
      auto gate = [&](int k) { return gx.at({b, k * H + j}) + gh.at({b, k * H + j}); };
      const float i = sigm(gate(0)), f = sigm(gate(1)), g = std::tanh(gate(2)), o = sigm(gate(3));
      const float cn = f * c.at({b, j}) + i * g;
      BOOST_CHECK_CLOSE(hc[1].at({b, j}), cn, 1e-3);
      BOOST_CHECK_CLOSE(hc[0].at({b, j}), o * std::tanh(cn), 1e-3);
    }
}

BOOST_AUTO_TEST_CASE(gru_cell_forward_matches_formula) {
  const int64_t B = 2, H = 3;
  Tensor gx = param({B, 3 * H}, 7), gh = param({B, 3 * H}, 8), h = param({B, H}, 9);
  Tensor out = gru_cell(gx, gh, h);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < H; ++j) {
      const float r = sigm(gx.at({b, j}) + gh.at({b, j})),
                  z = sigm(gx.at({b, H + j}) + gh.at({b, H + j}));
      const float n = std::tanh(gx.at({b, 2 * H + j}) + r * gh.at({b, 2 * H + j}));
      BOOST_CHECK_CLOSE(out.at({b, j}), (1 - z) * n + z * h.at({b, j}), 1e-3);
    }
}

BOOST_AUTO_TEST_CASE(cells_reject_bad_shapes_naming_the_op) {
  try {
    lstm_cell(zeros({2, 12}), zeros({2, 12}), zeros({2, 4}));
    BOOST_FAIL("no error");
  } catch (const ShapeError& e) {
    BOOST_CHECK(std::string(e.what()).find("lstm_cell") != std::string::npos);
    BOOST_CHECK(std::string(e.what()).find("[2, 4]") != std::string::npos);
  }
  BOOST_CHECK_THROW(gru_cell(zeros({2, 9}), zeros({2, 6}), zeros({2, 3})), ShapeError);
}

BOOST_AUTO_TEST_CASE(unbind_slices) {
  Tensor x = param({3, 2, 4}, 12);
  for (int dim : {0, 1, 2, -1}) {
    auto parts = unbind(x, dim);
    const int d = dim < 0 ? dim + 3 : dim;
    BOOST_REQUIRE_EQUAL(static_cast<int64_t>(parts.size()), x.size(d));
    // Slice 1's first element.
    const float expect = d == 0 ? x.at({1, 0, 0}) : d == 1 ? x.at({0, 1, 0}) : x.at({0, 0, 1});
    BOOST_CHECK_EQUAL(parts[1].data()[0], expect);
  }
}

BOOST_AUTO_TEST_CASE(multi_output_hooks_and_retain_grad_are_per_output) {
  Tensor x = param({4, 2}, 13);
  auto parts = unbind(x, 0);
  parts[1].retain_grad();
  int calls = 0;
  parts[2].register_hook([&calls](const Tensor& g) {
    ++calls;
    return g * 3.0f;
  });
  (parts[1] * 5.0f + parts[2]).sum().backward();
  BOOST_CHECK_EQUAL(calls, 1);
  BOOST_CHECK_EQUAL(parts[1].grad().data()[0], 5.0f);
  BOOST_CHECK(!parts[2].grad().defined());
  BOOST_CHECK_EQUAL(x.grad().at({1, 0}), 5.0f);
  BOOST_CHECK_EQUAL(x.grad().at({2, 1}), 3.0f);
  BOOST_CHECK_EQUAL(x.grad().at({0, 0}), 0.0f);
}

BOOST_AUTO_TEST_CASE(lstm_sequence_without_steps_and_its_shape_errors) {
  // No steps: the states pass through; every gradient is defined and exact.
  Tensor w = param({8, 2}, 34), h0 = param({3, 2}, 35), c0 = param({3, 2}, 36);
  auto empty = lstm_sequence(zeros({0, 3, 8}), w, Tensor(), h0, c0);
  BOOST_TEST((empty[0].shape() == Shape{0, 3, 2}));
  sum(empty[1]).backward();
  BOOST_TEST(c0.grad().data()[0] == 1.0f);
  BOOST_TEST(sum(abs(w.grad())).item() == 0.0f);
  const std::string msg = attend::test::shape_error_message([] {
    lstm_sequence(zeros({3, 2, 12}), zeros({12, 4}), Tensor(), zeros({2, 3}), zeros({2, 3}));
  });
  attend::test::check_mentions(msg, {"lstm_sequence", "[3, 2, 12]", "[12, 4]", "[T, B, 4H]"});
}

BOOST_AUTO_TEST_SUITE_END()
