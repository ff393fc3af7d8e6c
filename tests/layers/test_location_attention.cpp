// Location-aware attention (layers/location_attention.h) and the Conv1d layer it convolves the
// previous alignment with: gradients of inputs and parameters against finite differences, padded
// keys, the step-by-step and whole-sequence paths, the initial alignment, errors and printing.
// PyTorch's numbers (tests/fixtures/speech.txt, written by tests/fixtures/gen_speech_fixtures.py
// from the paper's formula) are compared through its descriptor (layers/location_attention.cpp).
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "layers/conv.h"
#include "layers/location_attention.h"
#include "test_util.h"

using namespace attend;
using attend::test::check_close;
using attend::test::param;

namespace {

Tensor kpm(const std::vector<int64_t>& lengths, int64_t tk) {
  std::vector<float> v;
  for (int64_t n : lengths)
    for (int64_t j = 0; j < tk; ++j) v.push_back(j >= n ? 1.0f : 0.0f);
  return from_vector(v, {static_cast<int64_t>(lengths.size()), tk});
}

Tensor both(const AttentionResult& r) {
  return concat({reshape(r.context, {-1}), reshape(r.weights, {-1})}, 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_location_attention)

BOOST_AUTO_TEST_CASE(conv1d_layer_has_torch_names_and_initialisation) {
  Generator gen(3);
  Conv1d m(2, 5, 3, gen, 1, true);
  auto p = m.named_parameters();
  BOOST_REQUIRE_EQUAL(p.size(), 2u);
  BOOST_CHECK_EQUAL(p[0].first, "weight");
  BOOST_CHECK(p[0].second.shape() == Shape({5, 2, 3}));
  BOOST_CHECK_EQUAL(p[1].first, "bias");
  const float bound = 1.0f / std::sqrt(6.0f);  // 1 / sqrt(in * kernel)
  for (const Tensor& t : {m.weight, m.bias})
    for (int64_t i = 0; i < t.numel(); ++i) BOOST_CHECK_LE(std::fabs(t.data()[i]), bound);
  BOOST_CHECK_EQUAL(m.str(), "Conv1d(2, 5, kernel_size=(3,), stride=(1,), padding=(1,))");
  BOOST_CHECK(m.forward(zeros({4, 2, 9})).shape() == Shape({4, 5, 9}));
  BOOST_CHECK_THROW(Conv1d(0, 1, 1, gen), std::invalid_argument);
  BOOST_CHECK(Conv1d(1, 2, 3, gen, 0, false).named_parameters().size() == 1);
}

BOOST_AUTO_TEST_CASE(initial_alignment_is_uniform_over_unpadded_keys) {
  Tensor a = LocationAwareAttention::initial_alignment(2, 4, kpm({4, 1}, 4));
  BOOST_REQUIRE(a.shape() == Shape({2, 1, 4}));
  check_close(a, from_vector({0.25f, 0.25f, 0.25f, 0.25f, 1, 0, 0, 0}, {2, 1, 4}), 0, 0);
  check_close(LocationAwareAttention::initial_alignment(1, 2), from_vector({0.5f, 0.5f}, {1, 1, 2}),
              0, 0);
}

BOOST_AUTO_TEST_CASE(gradcheck_inputs_and_parameters_with_padding) {
  Generator gen(20);
  LocationAwareAttention m(4, 3, 5, 2, 3, gen);
  const Tensor pad = kpm({6, 3}, 6);
  ATTEND_CHECK_GRAD(
      [&](const std::vector<Tensor>& x) { return both(m.forward(x[0], x[1], x[2], pad)); },
      std::vector<Tensor>({param({2, 3, 4}, 21), param({2, 6, 3}, 22), param({2, 6, 2}, 23)}));
  Tensor q = param({2, 3, 4}, 21), k = param({2, 6, 3}, 22), v = param({2, 6, 2}, 23);
  GradcheckOptions opt;
  opt.atol = 2e-3;
  opt.rtol = 1e-2;
  const int64_t checked = attend::test::check_parameter_gradients(
      m, [&] { return both(m.forward(q, k, v, pad)); }, opt);
  BOOST_CHECK_EQUAL(checked, m.num_parameters());
  // The location path carries gradient: the filters' gradient is not zero.
  m.zero_grad();
  sum(m.forward(q, k, v, pad).context).backward();
  float norm = 0;
  for (int64_t i = 0; i < m.location_conv->weight.numel(); ++i)
    norm += std::fabs(m.location_conv->weight.grad().data()[i]);
  BOOST_CHECK_GT(norm, 0.0f);
}

BOOST_AUTO_TEST_CASE(padded_keys_get_exactly_zero_weight) {
  Generator gen(30);
  LocationAwareAttention m(4, 3, 5, 2, 5, gen);
  AttentionResult r =
      m.forward(param({2, 4, 4}, 31), param({2, 6, 3}, 32), param({2, 6, 2}, 33), kpm({6, 2}, 6));
  for (int64_t i = 0; i < 4; ++i) {
    float total = 0;
    for (int64_t j = 0; j < 6; ++j) total += r.weights.at({1, i, j});
    BOOST_CHECK_CLOSE(total, 1.0f, 1e-4);
    for (int64_t j = 2; j < 6; ++j) BOOST_CHECK_EQUAL(r.weights.at({1, i, j}), 0.0f);
  }
}

BOOST_AUTO_TEST_CASE(steps_chained_by_hand_equal_forward) {
  Generator gen(40);
  LocationAwareAttention m(4, 3, 5, 3, 3, gen);
  Tensor q = param({2, 3, 4}, 41), k = param({2, 5, 3}, 42), v = param({2, 5, 2}, 43);
  const Tensor pad = kpm({5, 4}, 5);
  AttentionResult all = m.forward(q, k, v, pad);
  Tensor keys = m.precompute_keys(k);
  Tensor prev = LocationAwareAttention::initial_alignment(2, 5, pad);
  for (int64_t i = 0; i < 3; ++i) {
    AttentionResult r = m.step(narrow(q, 1, i, 1), keys, v, prev, pad);
    check_close(r.context, narrow(all.context, 1, i, 1), 0, 0);
    check_close(r.weights, narrow(all.weights, 1, i, 1), 0, 0);
    prev = r.weights;
  }
  // The previous alignment changes the scores: a different one gives different weights.
  Tensor other = from_vector({1, 0, 0, 0, 0, 0, 0, 0, 1, 0}, {2, 1, 5});
  AttentionResult moved = m.step(narrow(q, 1, 0, 1), keys, v, other, pad);
  BOOST_CHECK_GT(std::fabs(moved.weights.at({0, 0, 0}) - all.weights.at({0, 0, 0})), 1e-6f);
}

BOOST_AUTO_TEST_CASE(errors_name_the_layer_and_shapes) {
  Generator gen(50);
  LocationAwareAttention m(4, 3, 5, 2, 3, gen);
  using attend::test::check_mentions;
  using attend::test::shape_error_message;
  check_mentions(shape_error_message([&] {
                   m.forward(zeros({2, 1, 3}), zeros({2, 4, 3}), zeros({2, 4, 2}));
                 }),
                 {"LocationAwareAttention", "[2, 1, 3]", "[B, Tq, 4]"});
  check_mentions(shape_error_message([&] {
                   m.forward(zeros({2, 1, 4}), zeros({2, 4, 2}), zeros({2, 4, 2}));
                 }),
                 {"LocationAwareAttention", "keys", "[2, 4, 2]"});
  check_mentions(shape_error_message([&] {
                   m.forward(zeros({2, 1, 4}), zeros({2, 4, 3}), zeros({2, 4, 2}), zeros({2, 3}));
                 }),
                 {"key_padding_mask", "[2, 3]", "[2, 4]"});
  Tensor keys = m.precompute_keys(zeros({2, 4, 3}));
  check_mentions(shape_error_message([&] {
                   m.step(zeros({2, 1, 4}), keys, zeros({2, 4, 2}), zeros({2, 1, 3}));
                 }),
                 {"previous alignment", "[2, 1, 3]"});
  check_mentions(shape_error_message([&] {
                   m.step(zeros({2, 2, 4}), keys, zeros({2, 4, 2}), zeros({2, 1, 4}));
                 }),
                 {"one query"});
  BOOST_CHECK_THROW(LocationAwareAttention(4, 3, 5, 2, 4, gen), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(prints_as_a_tree) {
  Generator gen(60);
  LocationAwareAttention m(4, 3, 5, 2, 3, gen);
  const std::string s = m.str();
  attend::test::check_mentions(
      s, {"LocationAwareAttention(\n  query_dim=4, key_dim=3, attn_dim=5, filters=2, width=3\n",
          "(location_conv): Conv1d(1, 2, kernel_size=(3,), stride=(1,), padding=(1,), bias=False)",
          "(location_proj): Linear(in_features=2, out_features=5, bias=False)"});
}

BOOST_AUTO_TEST_SUITE_END()
