// Mean/variance normalisation and SpecAugment masks.
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "audio_test_util.h"
#include "autograd/creation.h"
#include "datasets/audio/cmvn.h"
#include "datasets/audio/spec_augment.h"

using namespace attend;
using namespace attend::audio;

BOOST_AUTO_TEST_SUITE(test_cmvn_spec_augment)

BOOST_AUTO_TEST_CASE(global_statistics_over_utterances) {
  // Bin 0 holds 1, 2, 3 (over two utterances), bin 1 is constant 5.
  FeatureStats s;
  s.add(from_vector({1, 5, 2, 5}, {2, 2}));
  s.add(from_vector({3, 5}, {1, 2}));
  BOOST_CHECK_EQUAL(s.frames(), 3);
  BOOST_CHECK_CLOSE(s.mean()[0], 2.0, 1e-12);
  BOOST_CHECK_CLOSE(s.stddev()[0], std::sqrt(2.0 / 3), 1e-9);
  BOOST_CHECK_EQUAL(s.stddev()[1], kMinStd);  // a constant bin maps to 0, not to inf or nan
  const Tensor y = s.apply(from_vector({3, 5, 2, 7}, {2, 2}));
  BOOST_CHECK_CLOSE(y.data()[0], 1.0 / std::sqrt(2.0 / 3), 1e-4);
  BOOST_CHECK_EQUAL(y.data()[1], 0.0f);
  BOOST_CHECK_EQUAL(y.data()[2], 0.0f);
  BOOST_CHECK_CLOSE(y.data()[3], 2000.0, 1e-4);
  // The JSON a checkpoint carries restores the statistics exactly.
  const FeatureStats r = FeatureStats::from_json(s.to_json());
  BOOST_CHECK(r.mean() == s.mean());
  BOOST_CHECK(r.stddev() == s.stddev());
  test::check_data_error([&] { s.add(zeros({2, 3})); }, "", 0, "3 bins, the statistics 2");
  test::check_data_error([] { FeatureStats().apply(zeros({2, 3})); }, "", 0, "empty");
  test::check_data_error(
      [] { FeatureStats::from_json(R"({"frames": 0, "sum": [], "sum_sq": []})"); }, "", 0,
      "need frames >= 1");
  test::check_data_error([] { FeatureStats::from_json("{}"); }, "", 0, "bad feature statistics");
  test::check_data_error([] { parse_normalization("global-ish"); }, "", 0,
                         "none, utterance or global");
}

BOOST_AUTO_TEST_CASE(per_utterance_normalisation) {
  Generator g(4);
  const Tensor x = uniform({50, 6}, -3.0f, 9.0f, g);
  const Tensor y = normalize_utterance(x);
  for (int64_t b = 0; b < 6; ++b) {
    double m = 0, v = 0;
    for (int64_t t = 0; t < 50; ++t) m += y.data()[t * 6 + b];
    for (int64_t t = 0; t < 50; ++t) v += std::pow(y.data()[t * 6 + b] - m / 50, 2);
    BOOST_CHECK_SMALL(m / 50, 1e-5);
    BOOST_CHECK_CLOSE(v / 50, 1.0, 1e-3);
  }
  BOOST_CHECK_EQUAL(normalize_utterance(zeros({0, 6})).shape(), Shape({0, 6}));
}

BOOST_AUTO_TEST_CASE(masks_stay_within_the_paper_bounds) {
  const Tensor x = ones({120, 40});
  SpecAugmentOptions o = SpecAugmentOptions::policy("SM");  // F 15, mF 2, T 70, p 0.2, mT 2
  BOOST_CHECK_EQUAL(o.freq_mask_max, 15);
  BOOST_CHECK_EQUAL(o.time_mask_max, 70);
  BOOST_CHECK_CLOSE(o.time_mask_ratio, 0.2f, 1e-6);
  Generator g(1);
  int64_t any_freq = 0, any_time = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const Tensor y = spec_augment(x, o, g);
    // Masked bins are whole columns, masked frames whole rows; at most 2 * 15 bins and
    // 2 * min(70, 0.2 * 120) = 48 frames.
    int64_t bins = 0, frames = 0;
    for (int64_t b = 0; b < 40; ++b) {
      int64_t zeros_in_column = 0;
      for (int64_t t = 0; t < 120; ++t) zeros_in_column += y.data()[t * 40 + b] == 0;
      bins += zeros_in_column == 120;
    }
    for (int64_t t = 0; t < 120; ++t) {
      int64_t zeros_in_row = 0;
      for (int64_t b = 0; b < 40; ++b) zeros_in_row += y.data()[t * 40 + b] == 0;
      frames += zeros_in_row == 40;
    }
    BOOST_REQUIRE_LE(bins, 30);
    BOOST_REQUIRE_LE(frames, 48);
    any_freq += bins > 0;
    any_time += frames > 0;
  }
  BOOST_CHECK_GT(any_freq, 150);
  BOOST_CHECK_GT(any_time, 150);
  // Seeded: the same seed masks the same cells; the input is left alone.
  Generator a(9), b(9);
  const Tensor ya = spec_augment(x, o, a), yb = spec_augment(x, o, b);
  for (int64_t i = 0; i < x.numel(); ++i) BOOST_REQUIRE_EQUAL(ya.data()[i], yb.data()[i]);
  BOOST_CHECK_EQUAL(x.data()[0], 1.0f);
  // LB is one mask of each kind; a mask wider than the utterance is cut to it.
  const SpecAugmentOptions lb = SpecAugmentOptions::policy("LB");
  BOOST_CHECK_EQUAL(lb.freq_masks, 1);
  BOOST_CHECK_EQUAL(lb.time_masks, 1);
  BOOST_CHECK_EQUAL(spec_augment(ones({3, 4}), lb, g).shape(), Shape({3, 4}));
  BOOST_CHECK_EQUAL(spec_augment(zeros({0, 4}), lb, g).shape(), Shape({0, 4}));
  test::check_data_error([] { SpecAugmentOptions::policy("XL"); }, "", 0, "LB, LD, SM or SS");
  o.time_mask_ratio = 1.5f;
  test::check_data_error([&] { spec_augment(x, o, g); }, "", 0, "time_mask_ratio in [0, 1]");
}

BOOST_AUTO_TEST_SUITE_END()
