// Fused attention ops: scaled dot-product attention and the additive (Bahdanau) score, against
// compositions of basic ops and against finite differences, masks and dropout included.
#include <boost/test/unit_test.hpp>

#include "test_util.h"

using namespace attend;
using attend::test::check_close;
using attend::test::param;

namespace {
// The unfused reference: softmax(q k^T * scale + mask) v from basic ops.
std::vector<Tensor> sdpa_reference(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask) {
  Tensor s = matmul(q, k, false, true) * (1.0f / std::sqrt(static_cast<float>(q.size(-1))));
  if (mask.defined()) s = s + mask;
  Tensor w = softmax(s, -1);
  return {matmul(w, v), w};
}
}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_attention)

BOOST_AUTO_TEST_CASE(sdpa_matches_composition_with_causal_and_padding_masks) {
  Tensor q = param({2, 3, 4, 5}, 1), k = param({2, 3, 4, 5}, 2), v = param({2, 3, 4, 6}, 3);
  Tensor kpm = from_vector({0, 0, 0, 1, 0, 0, 1, 1}, {2, 4});  // batch 1 pads its last two keys
  Tensor mask = padding_mask(kpm) + causal_mask(4);             // [2, 1, 4, 4]
  auto fused = scaled_dot_product_attention(q, k, v, mask);
  auto ref = sdpa_reference(q, k, v, mask);
  check_close(fused[0], ref[0], 1e-6f, 1e-5f);
  check_close(fused[1], ref[1], 1e-6f, 1e-5f);
  // Masked positions get exactly zero weight.
  BOOST_CHECK_EQUAL(fused[1].at({0, 0, 0, 1}), 0.0f);  // causal
  BOOST_CHECK_EQUAL(fused[1].at({1, 2, 3, 2}), 0.0f);  // padding
}

BOOST_AUTO_TEST_CASE(sdpa_gradcheck_with_mask_and_both_outputs) {
  Tensor q = param({2, 3, 4}, 4), k = param({2, 5, 4}, 5), v = param({2, 5, 3}, 6);
  Tensor mask = padding_mask(from_vector({0, 0, 0, 0, 1, 0, 0, 1, 1, 1}, {2, 5}));
  Tensor mask3 = reshape(mask, {2, 1, 5});
  ATTEND_CHECK_GRAD([&](const std::vector<Tensor>& x) {
    auto r = scaled_dot_product_attention(x[0], x[1], x[2], mask3);
    return r[0] + sum(r[1] * r[1]);  // the weights output carries gradient too
  }, std::vector<Tensor>({q, k, v}));
}

BOOST_AUTO_TEST_CASE(sdpa_dropout_is_seeded_and_differentiable) {
  Tensor q = param({2, 4, 4}, 7), k = param({2, 4, 4}, 8), v = param({2, 4, 4}, 9);
  auto f = [](const std::vector<Tensor>& x) {
    Generator g(42);
    return scaled_dot_product_attention(x[0], x[1], x[2], Tensor(), 0.3f, &g)[0];
  };
  check_close(f({q, k, v}), f({q, k, v}), 0, 0);
  ATTEND_CHECK_GRAD(f, std::vector<Tensor>({q, k, v}));
  Generator g(1);
  BOOST_CHECK_THROW(scaled_dot_product_attention(q, k, v, Tensor(), 0.3f, nullptr), std::invalid_argument);
  (void)g;
}

BOOST_AUTO_TEST_CASE(sdpa_rejects_mismatched_shapes) {
  try {
    scaled_dot_product_attention(zeros({2, 3, 4}), zeros({2, 5, 3}), zeros({2, 5, 3}));
    BOOST_FAIL("no error");
  } catch (const ShapeError& e) {
    BOOST_CHECK(std::string(e.what()).find("scaled_dot_product_attention") != std::string::npos);
    BOOST_CHECK(std::string(e.what()).find("[2, 5, 3]") != std::string::npos);
  }
  BOOST_CHECK_THROW(scaled_dot_product_attention(zeros({2, 3, 4}), zeros({2, 5, 4}), zeros({2, 5, 3}), zeros({3, 3})),
                    ShapeError);
}

BOOST_AUTO_TEST_CASE(additive_score_matches_composition_and_gradcheck) {
  Tensor qp = param({2, 3, 4}, 10), kp = param({2, 5, 4}, 11), v = param({4}, 12);
  // v^T tanh(qp_i + kp_j) via broadcasting: [2,3,1,4] + [2,1,5,4] -> [2,3,5,4] -> sum over A
  Tensor ref = sum(tanh(unsqueeze(qp, 2) + unsqueeze(kp, 1)) * v, -1);
  check_close(additive_attention_score(qp, kp, v), ref, 1e-6f, 1e-5f);
  ATTEND_CHECK_GRAD([](const std::vector<Tensor>& x) { return additive_attention_score(x[0], x[1], x[2]); },
                    std::vector<Tensor>({qp, kp, v}));
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
