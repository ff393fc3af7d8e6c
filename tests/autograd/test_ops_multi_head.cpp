// multi_head_attention (heads read in place from projected rows) against the composition it
// replaces -- split the columns, permute to [B, H, T, hd], scaled_dot_product_attention, permute
// back -- in values, gradients and dropout draws, and against finite differences.
#include <boost/test/unit_test.hpp>

#include "test_util.h"

using namespace attend;
using attend::test::check_close;
using attend::test::check_mentions;
using attend::test::param;
using attend::test::shape_error_message;

namespace {

// Columns [col, col + dim) of x [B, T, W] as heads [B, H, T, dim / H].
Tensor heads_of(const Tensor& x, int64_t col, int64_t dim, int64_t H) {
  const int64_t B = x.size(0), T = x.size(1);
  Tensor cols = narrow(x, 2, col, dim);
  return permute(reshape(cols, {B, T, H, dim / H}), {0, 2, 1, 3});
}

// The composition: {output [B, Tq, dim], weights [B, H, Tq, Tk]}.
std::vector<Tensor> reference(const Tensor& q, int64_t qc, const Tensor& k, int64_t kc,
                              const Tensor& v, int64_t vc, int64_t H, int64_t dim,
                              const Tensor& mask, float p = 0.0f, Generator* gen = nullptr) {
  auto r = scaled_dot_product_attention(heads_of(q, qc, dim, H), heads_of(k, kc, dim, H),
                                        heads_of(v, vc, dim, H), mask, p, gen);
  const int64_t B = q.size(0), Tq = q.size(1);
  return {reshape(permute(r[0], {0, 2, 1, 3}), {B, Tq, dim}), r[1]};
}

// Gradients of sum(out * w_out) + sum(weights * w_attn) with respect to xs, for fixed random
// cotangents, so every output element and every input element matter.
std::vector<Tensor> grads_of(const std::vector<Tensor>& out, const std::vector<Tensor>& xs) {
  Generator g(99);
  Tensor loss = sum(out[0] * uniform(out[0].shape(), -1, 1, g)) +
                sum(out[1] * uniform(out[1].shape(), -1, 1, g));
  for (Tensor x : xs) x.set_grad(Tensor());
  loss.backward();
  std::vector<Tensor> gs;
  for (const Tensor& x : xs) gs.push_back(x.grad().clone());
  return gs;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_multi_head)

BOOST_AUTO_TEST_CASE(fused_qkv_matches_the_permute_composition_with_a_causal_mask) {
  const int64_t B = 2, T = 5, E = 6, H = 2;
  Tensor qkv = param({B, T, 3 * E}, 1);  // queries, keys, values in columns 0, E, 2E
  Tensor mask = causal_mask(T);
  auto fused = multi_head_attention(qkv, 0, qkv, E, qkv, 2 * E, H, E, mask);
  BOOST_TEST((fused[0].shape() == Shape{B, T, E}));
  BOOST_TEST((fused[1].shape() == Shape{B, H, T, T}));
  auto gf = grads_of(fused, {qkv});
  auto ref = reference(qkv, 0, qkv, E, qkv, 2 * E, H, E, mask);
  auto gr = grads_of(ref, {qkv});
  check_close(fused[0], ref[0], 1e-6f, 1e-5f);
  check_close(fused[1], ref[1], 1e-6f, 1e-5f);
  check_close(gf[0], gr[0], 1e-6f, 1e-5f);        // all three column blocks of the one gradient
  BOOST_TEST(fused[1].at({1, 1, 2, 3}) == 0.0f);  // above the diagonal
}

BOOST_AUTO_TEST_CASE(queries_against_memory_and_three_separate_tensors) {
  const int64_t B = 2, Tq = 3, Tk = 4, E = 8, H = 4;
  Tensor kpm = from_vector({0, 0, 0, 1, 0, 1, 1, 1}, {B, Tk});  // batch 1 has one real key
  Tensor mask = padding_mask(kpm);                              // [B, 1, 1, Tk]
  // Encoder-decoder attention: keys and values in one [B, Tk, 2E].
  Tensor q = param({B, Tq, E}, 2), kv = param({B, Tk, 2 * E}, 3);
  auto fused = multi_head_attention(q, 0, kv, 0, kv, E, H, E, mask);
  auto gf = grads_of(fused, {q, kv});
  auto ref = reference(q, 0, kv, 0, kv, E, H, E, mask);
  auto gr = grads_of(ref, {q, kv});
  for (int i = 0; i < 2; ++i) {
    check_close(fused[i], ref[i], 1e-6f, 1e-5f);
    check_close(gf[i], gr[i], 1e-6f, 1e-5f);
  }
  BOOST_TEST(fused[1].at({1, 3, 2, 1}) == 0.0f);  // a padded key
  // Three distinct tensors, wider than E, the blocks at offsets; the key needs no gradient.
  Tensor q3 = param({B, Tq, E + 2}, 4), k3 = param({B, Tk, E + 1}, 5).detach(),
         v3 = param({B, Tk, E + 3}, 6);
  auto f3 = multi_head_attention(q3, 2, k3, 1, v3, 0, H, E, mask);
  auto g3 = grads_of(f3, {q3, v3});
  auto r3 = reference(q3, 2, k3, 1, v3, 0, H, E, mask);
  auto gr3 = grads_of(r3, {q3, v3});
  check_close(f3[0], r3[0], 1e-6f, 1e-5f);
  check_close(g3[0], gr3[0], 1e-6f, 1e-5f);
  check_close(g3[1], gr3[1], 1e-6f, 1e-5f);
  BOOST_TEST(g3[0].at({0, 0, 0}) == 0.0f);  // columns outside the query block get nothing
  BOOST_TEST(!k3.grad().defined());
}

BOOST_AUTO_TEST_CASE(dropout_draws_what_scaled_dot_product_attention_draws) {
  const int64_t B = 2, T = 4, E = 6, H = 3;
  Tensor qkv = param({B, T, 3 * E}, 7);
  Generator g1(5), g2(5);
  auto fused = multi_head_attention(qkv, 0, qkv, E, qkv, 2 * E, H, E, Tensor(), 0.4f, &g1);
  auto ref = reference(qkv, 0, qkv, E, qkv, 2 * E, H, E, Tensor(), 0.4f, &g2);
  check_close(fused[0], ref[0], 1e-6f, 1e-5f);
  BOOST_TEST(g1.uniform() == g2.uniform());  // the same number of draws
}

BOOST_AUTO_TEST_CASE(gradcheck_self_and_cross_attention) {
  ATTEND_CHECK_GRAD(
      [](const std::vector<Tensor>& x) {
        auto r = multi_head_attention(x[0], 0, x[0], 4, x[0], 8, 2, 4, causal_mask(3));
        return concat({reshape(r[0], {-1}), reshape(r[1], {-1})}, 0);
      },
      std::vector<Tensor>({param({2, 3, 12}, 8)}));
  Tensor mask = padding_mask(from_vector({0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, {2, 5}));
  ATTEND_CHECK_GRAD(
      [mask](const std::vector<Tensor>& x) {
        Generator g(3);
        auto r = multi_head_attention(x[0], 1, x[1], 0, x[2], 2, 2, 4, mask, 0.3f, &g);
        return concat({reshape(r[0], {-1}), reshape(r[1], {-1})}, 0);
      },
      std::vector<Tensor>({param({2, 3, 5}, 9), param({2, 5, 4}, 10), param({2, 5, 6}, 11)}));
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
