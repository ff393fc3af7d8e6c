// Fused attention ops: scaled dot-product attention and the additive (Bahdanau) score. What
// the masks do to the weights, dropout's seeding, and the shape errors. The finite-difference
// checks and the comparisons with compositions of basic ops are the ops' descriptors
// (autograd/ops_attention.cpp).
#include <boost/test/unit_test.hpp>

#include "test_util.h"

using namespace attend;
using attend::test::check_close;
using attend::test::param;

BOOST_AUTO_TEST_SUITE(test_ops_attention)

BOOST_AUTO_TEST_CASE(sdpa_gives_masked_keys_exactly_zero_weight) {
  Tensor q = param({2, 3, 4, 5}, 1), k = param({2, 3, 4, 5}, 2), v = param({2, 3, 4, 6}, 3);
  Tensor kpm = from_vector({0, 0, 0, 1, 0, 0, 1, 1}, {2, 4});  // batch 1 pads its last two keys
  Tensor mask = padding_mask(kpm) + causal_mask(4);            // [2, 1, 4, 4]
  auto fused = scaled_dot_product_attention(q, k, v, mask);
  BOOST_CHECK_EQUAL(fused[1].at({0, 0, 0, 1}), 0.0f);  // causal
  BOOST_CHECK_EQUAL(fused[1].at({1, 2, 3, 2}), 0.0f);  // padding
}

BOOST_AUTO_TEST_CASE(sdpa_dropout_is_seeded) {
  Tensor q = param({2, 4, 4}, 7), k = param({2, 4, 4}, 8), v = param({2, 4, 4}, 9);
  auto f = [](const std::vector<Tensor>& x) {
    Generator g(42);
    return scaled_dot_product_attention(x[0], x[1], x[2], Tensor(), 0.3f, &g)[0];
  };
  check_close(f({q, k, v}), f({q, k, v}), 0, 0);
  BOOST_CHECK_THROW(scaled_dot_product_attention(q, k, v, Tensor(), 0.3f, nullptr),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(sdpa_rejects_mismatched_shapes) {
  try {
    scaled_dot_product_attention(zeros({2, 3, 4}), zeros({2, 5, 3}), zeros({2, 5, 3}));
    BOOST_FAIL("no error");
  } catch (const ShapeError& e) {
    BOOST_CHECK(std::string(e.what()).find("scaled_dot_product_attention") != std::string::npos);
    BOOST_CHECK(std::string(e.what()).find("[2, 5, 3]") != std::string::npos);
  }
  BOOST_CHECK_THROW(scaled_dot_product_attention(zeros({2, 3, 4}), zeros({2, 5, 4}),
                                                 zeros({2, 5, 3}), zeros({3, 3})),
                    ShapeError);
}

BOOST_AUTO_TEST_CASE(additive_score_rejects_a_vector_of_the_wrong_size) {
  Tensor qp = param({2, 3, 4}, 10), kp = param({2, 5, 4}, 11);
  BOOST_CHECK_THROW(additive_attention_score(qp, kp, param({3}, 1)), ShapeError);
}

BOOST_AUTO_TEST_CASE(causal_and_padding_masks) {
  Tensor c = causal_mask(3);
  BOOST_CHECK_EQUAL(c.at({1, 1}), 0.0f);
  BOOST_CHECK(std::isinf(c.at({1, 2})) && c.at({1, 2}) < 0);
  Tensor p = padding_mask(from_vector({0, 1}, {1, 2}));
  BOOST_CHECK_EQUAL(p.shape(), Shape({1, 1, 1, 2}));
  BOOST_CHECK_EQUAL(p.data()[0], 0.0f);
  BOOST_CHECK(std::isinf(p.data()[1]));
}

BOOST_AUTO_TEST_SUITE_END()
