// Batching: padding, masks, <bos>/<eos> shifting, truncation, bucketing that keeps every example,
// and seeded shuffling (same seed same order, different seed different order).
#include <boost/test/unit_test.hpp>
#include <numeric>
#include <set>

#include "data_test_util.h"
#include "datasets/batching.h"

using namespace attend;

namespace {

std::vector<float> values(const Tensor& t) {
  return {t.data(), t.data() + t.numel()};
}

// Source i has length lens[i] (ids 10, 11, ...); target has length lens[i] % 3 + 1 (ids 20, ...).
std::vector<SequencePair> data_with_lengths(const std::vector<int64_t>& lens) {
  std::vector<SequencePair> d;
  for (int64_t n : lens) {
    SequencePair p;
    for (int64_t k = 0; k < n; ++k) p.source.push_back(10 + k);
    for (int64_t k = 0; k < n % 3 + 1; ++k) p.target.push_back(20 + k);
    d.push_back(p);
  }
  return d;
}

std::vector<SequencePair> lengths_data(int64_t n, uint64_t seed) {
  Generator g(seed);
  std::vector<int64_t> lens(n);
  for (auto& l : lens) l = 1 + static_cast<int64_t>(g.randint(30));
  return data_with_lengths(lens);
}

// Padding positions of a plan: sum over batches of (B * longest - total).
int64_t padding_of(const std::vector<SequencePair>& d,
                   const std::vector<std::vector<int64_t>>& plan) {
  int64_t pad = 0;
  for (const auto& b : plan) {
    size_t longest = 0, total = 0;
    for (int64_t i : b) {
      longest = std::max(longest, d[i].source.size());
      total += d[i].source.size();
    }
    pad += static_cast<int64_t>(b.size() * longest - total);
  }
  return pad;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_batching)

BOOST_AUTO_TEST_CASE(collate_pads_masks_and_shifts_targets) {
  std::vector<SequencePair> d = {{{5, 6}, {7}}, {{5, 6, 8, 9}, {7, 8, 9}}, {{4}, {6, 6}}};
  const std::vector<int64_t> pos = {0, 1, 2};
  const Batch b = collate(d, pos);
  BOOST_CHECK_EQUAL(b.size(), 3);
  BOOST_CHECK(b.source.shape() == Shape({3, 5}));  // longest source 4 + <eos>
  const std::vector<float> src = {5, 6, 2, 0, 0,   //
                                  5, 6, 8, 9, 2,   //
                                  4, 2, 0, 0, 0};
  BOOST_CHECK(values(b.source) == src);
  const std::vector<float> src_mask = {0, 0, 0, 1, 1,  //
                                       0, 0, 0, 0, 0,  //
                                       0, 0, 1, 1, 1};
  BOOST_CHECK(values(b.source_padding_mask) == src_mask);
  BOOST_CHECK(b.target_input.shape() == Shape({3, 4}));
  const std::vector<float> tin = {1, 7, 0, 0, 1, 7, 8, 9, 1, 6, 6, 0};
  const std::vector<float> tout = {7, 2, 0, 0, 7, 8, 9, 2, 6, 6, 2, 0};
  const std::vector<float> tmask = {0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  BOOST_CHECK(values(b.target_input) == tin);
  BOOST_CHECK(values(b.target_output) == tout);
  BOOST_CHECK(values(b.target_padding_mask) == tmask);
  BOOST_CHECK(b.source_lengths == std::vector<int64_t>({3, 5, 2}));
  BOOST_CHECK(b.target_lengths == std::vector<int64_t>({2, 4, 3}));
  BOOST_CHECK_EQUAL(b.num_target_tokens(), 9);
  BOOST_CHECK(b.positions == pos);
}

BOOST_AUTO_TEST_CASE(collate_options_specials_and_truncation) {
  std::vector<SequencePair> d = {{{5, 6, 7, 8, 9}, {4, 4, 4, 4, 4, 4}}};
  CollateOptions o;
  o.source_bos = true;
  o.max_source_len = 4;  // <bos> 5 6 <eos>
  o.max_target_len = 3;  // <bos> 4 4 / 4 4 <eos>
  const std::vector<int64_t> pos = {0};
  const Batch b = collate(d, pos, o);
  BOOST_CHECK(values(b.source) == std::vector<float>({1, 5, 6, 2}));
  BOOST_CHECK(values(b.target_input) == std::vector<float>({1, 4, 4}));
  BOOST_CHECK(values(b.target_output) == std::vector<float>({4, 4, 2}));

  o = CollateOptions{};
  o.source_eos = false;
  std::vector<SequencePair> empty = {{{}, {4}}};
  BOOST_CHECK_THROW(collate(empty, pos, o), DataError);
  const std::vector<int64_t> bad = {3};
  BOOST_CHECK_THROW(collate(d, bad), DataError);
}

BOOST_AUTO_TEST_CASE(plan_without_shuffle_is_in_order) {
  const auto d = lengths_data(10, 1);
  const auto plan = plan_batches(d, {.batch_size = 4, .shuffle = false}, nullptr);
  BOOST_REQUIRE_EQUAL(plan.size(), 3u);
  BOOST_CHECK(plan[0] == std::vector<int64_t>({0, 1, 2, 3}));
  BOOST_CHECK(plan[2] == std::vector<int64_t>({8, 9}));
  const auto dropped =
      plan_batches(d, {.batch_size = 4, .shuffle = false, .drop_last = true}, nullptr);
  BOOST_CHECK_EQUAL(dropped.size(), 2u);
  BOOST_CHECK_THROW(plan_batches(d, {.batch_size = 0}, nullptr), DataError);
  BOOST_CHECK_THROW(plan_batches(d, {.batch_size = 4, .shuffle = true}, nullptr), DataError);
}

BOOST_AUTO_TEST_CASE(bucketing_keeps_every_example_once_and_reduces_padding) {
  const auto d = lengths_data(203, 2);
  for (bool shuffle : {false, true}) {
    Generator g(7);
    const auto plan =
        plan_batches(d, {.batch_size = 8, .shuffle = shuffle, .bucket_batches = 5}, &g);
    std::vector<int64_t> seen;
    for (const auto& b : plan) seen.insert(seen.end(), b.begin(), b.end());
    std::sort(seen.begin(), seen.end());
    std::vector<int64_t> all(d.size());
    std::iota(all.begin(), all.end(), 0);
    BOOST_CHECK(seen == all);
    BOOST_CHECK_EQUAL(plan.size(), 26u);

    Generator g2(7);
    const auto plain = plan_batches(d, {.batch_size = 8, .shuffle = shuffle}, &g2);
    BOOST_TEST_MESSAGE("padding with bucketing " << padding_of(d, plan) << ", without "
                                                 << padding_of(d, plain));
    BOOST_CHECK_LT(padding_of(d, plan), padding_of(d, plain) / 2);
  }
}

BOOST_AUTO_TEST_CASE(bucketing_sorts_within_chunks_only) {
  // Lengths descending: each chunk of 2 batches x 2 examples is sorted ascending on its own.
  const auto d = data_with_lengths({9, 8, 7, 6, 5, 4, 3, 2});
  const auto plan =
      plan_batches(d, {.batch_size = 2, .shuffle = false, .bucket_batches = 2}, nullptr);
  const std::vector<std::vector<int64_t>> expected = {{3, 2}, {1, 0}, {7, 6}, {5, 4}};
  BOOST_CHECK(plan == expected);
}

BOOST_AUTO_TEST_CASE(same_seed_same_order_different_seed_different_order) {
  const auto d = lengths_data(100, 3);
  const BatchPlanOptions o{.batch_size = 10, .shuffle = true, .bucket_batches = 3};
  Generator a(42), b(42), c(43);
  const auto pa = plan_batches(d, o, &a);
  BOOST_CHECK(pa == plan_batches(d, o, &b));
  BOOST_CHECK(pa != plan_batches(d, o, &c));
  // The next epoch from the same generator is a new order, and reproducible too.
  const auto pa2 = plan_batches(d, o, &a);
  BOOST_CHECK(pa2 != pa);
  BOOST_CHECK(pa2 == plan_batches(d, o, &b));
}

BOOST_AUTO_TEST_CASE(make_batches_collates_the_plan) {
  const auto d = lengths_data(25, 4);
  Generator g(5);
  const auto batches = make_batches(d, {.batch_size = 8, .bucket_batches = 2}, {}, &g);
  BOOST_REQUIRE_EQUAL(batches.size(), 4u);
  int64_t total = 0;
  for (const auto& b : batches) {
    total += b.size();
    BOOST_CHECK_EQUAL(b.source.size(0), b.size());
    BOOST_CHECK(b.source_padding_mask.shape() == b.source.shape());
    BOOST_CHECK(b.target_output.shape() == b.target_input.shape());
  }
  BOOST_CHECK_EQUAL(total, 25);
}

BOOST_AUTO_TEST_SUITE_END()
