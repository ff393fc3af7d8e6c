// multi_head_attention (heads read in place from projected rows): the shapes it returns, what
// the causal and padding masks do, that it draws as many dropout numbers as
// scaled_dot_product_attention does on the same heads, and the shape errors. Its agreement with
// the composition it replaces (split the columns, permute to [B, H, T, hd],
// scaled_dot_product_attention, permute back: values, gradients and dropout masks) and its
// finite-difference checks are its descriptor's samples (autograd/ops_multi_head.cpp).
#include <boost/test/unit_test.hpp>

#include "test_util.h"

using namespace attend;
using attend::test::check_mentions;
using attend::test::param;
using attend::test::shape_error_message;

BOOST_AUTO_TEST_SUITE(test_ops_multi_head)

BOOST_AUTO_TEST_CASE(fused_qkv_shapes_and_the_causal_mask) {
  const int64_t B = 2, T = 5, E = 6, H = 2;
  Tensor qkv = param({B, T, 3 * E}, 1);  // queries, keys, values in columns 0, E, 2E
  auto fused = multi_head_attention(qkv, 0, qkv, E, qkv, 2 * E, H, E, causal_mask(T));
  BOOST_TEST((fused[0].shape() == Shape{B, T, E}));
  BOOST_TEST((fused[1].shape() == Shape{B, H, T, T}));
  BOOST_TEST(fused[1].at({1, 1, 2, 3}) == 0.0f);  // above the diagonal
}

BOOST_AUTO_TEST_CASE(padded_keys_and_columns_outside_the_blocks) {
  const int64_t B = 2, Tq = 3, Tk = 4, E = 8, H = 4;
  Tensor kpm = from_vector({0, 0, 0, 1, 0, 1, 1, 1}, {B, Tk});  // batch 1 has one real key
  Tensor mask = padding_mask(kpm);                              // [B, 1, 1, Tk]
  Tensor q = param({B, Tq, E}, 2), kv = param({B, Tk, 2 * E}, 3);
  auto fused = multi_head_attention(q, 0, kv, 0, kv, E, H, E, mask);
  BOOST_TEST(fused[1].at({1, 3, 2, 1}) == 0.0f);  // a padded key
  // Three distinct tensors, wider than E, the blocks at offsets; the key needs no gradient.
  Tensor q3 = param({B, Tq, E + 2}, 4), k3 = param({B, Tk, E + 1}, 5).detach(),
         v3 = param({B, Tk, E + 3}, 6);
  auto f3 = multi_head_attention(q3, 2, k3, 1, v3, 0, H, E, mask);
  sum(f3[0]).backward();
  BOOST_TEST(q3.grad().at({0, 0, 0}) == 0.0f);  // columns outside the query block get nothing
  BOOST_TEST(!k3.grad().defined());
}

BOOST_AUTO_TEST_CASE(dropout_draws_as_many_numbers_as_scaled_dot_product_attention) {
  const int64_t B = 2, T = 4, E = 6, H = 3;
  Tensor qkv = param({B, T, 3 * E}, 7);
  Generator g1(5), g2(5);
  multi_head_attention(qkv, 0, qkv, E, qkv, 2 * E, H, E, Tensor(), 0.4f, &g1);
  const Tensor heads = zeros({B, H, T, E / H});
  scaled_dot_product_attention(heads, heads, heads, Tensor(), 0.4f, &g2);
  BOOST_TEST(g1.uniform() == g2.uniform());  // the same number of draws
}

BOOST_AUTO_TEST_CASE(bad_shapes_name_what_does_not_fit) {
  Tensor qkv = zeros({2, 3, 12});
  check_mentions(shape_error_message([&] { multi_head_attention(qkv, 0, qkv, 4, qkv, 9, 2, 4); }),
                 {"multi_head_attention", "value", "[9, 13)", "12"});
  check_mentions(shape_error_message([&] { multi_head_attention(qkv, 0, qkv, 4, qkv, 8, 3, 4); }),
                 {"4 features", "3 heads"});
  check_mentions(shape_error_message([&] {
                   multi_head_attention(qkv, 0, zeros({3, 3, 8}), 0, zeros({3, 3, 8}), 4, 2, 4);
                 }),
                 {"[2, 3, 12]", "[3, 3, 8]"});
  check_mentions(shape_error_message([&] {
                   multi_head_attention(qkv, 0, qkv, 4, qkv, 8, 2, 4, zeros({4, 4}));
                 }),
                 {"mask", "[4, 4]", "[2, 2, 3, 3]"});
  BOOST_CHECK_THROW(multi_head_attention(qkv, 0, qkv, 4, qkv, 8, 2, 4, Tensor(), 0.5f, nullptr),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
