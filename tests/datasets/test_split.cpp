// Splits and shuffles: disjoint, complete, sized as asked, reproducible from the seed.
#include <boost/test/unit_test.hpp>
#include <numeric>
#include <set>

#include "datasets/data_error.h"
#include "datasets/split.h"
#include "datasets/text_pairs.h"

using namespace attend;

BOOST_AUTO_TEST_SUITE(test_split)

BOOST_AUTO_TEST_CASE(permutation_is_a_permutation_and_seeded) {
  Generator a(1), b(1), c(2);
  const auto p = permutation(50, a);
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> all(50);
  std::iota(all.begin(), all.end(), 0);
  BOOST_CHECK(sorted == all);
  BOOST_CHECK(p != all);
  BOOST_CHECK(p == permutation(50, b));
  BOOST_CHECK(p != permutation(50, c));
  BOOST_CHECK(permutation(0, a).empty());
}

BOOST_AUTO_TEST_CASE(splits_are_disjoint_complete_and_sized) {
  const SplitIndices s = random_split(1000, 0.1, 0.2, 7);
  BOOST_CHECK_EQUAL(s.valid.size(), 100u);
  BOOST_CHECK_EQUAL(s.test.size(), 200u);
  BOOST_CHECK_EQUAL(s.train.size(), 700u);
  std::set<int64_t> seen;
  for (const auto* v : {&s.train, &s.valid, &s.test}) {
    BOOST_CHECK(std::is_sorted(v->begin(), v->end()));
    for (int64_t i : *v)
      BOOST_CHECK_MESSAGE(seen.insert(i).second, "index " << i << " in two splits");
  }
  BOOST_CHECK_EQUAL(seen.size(), 1000u);
  BOOST_CHECK_EQUAL(*seen.begin(), 0);
  BOOST_CHECK_EQUAL(*seen.rbegin(), 999);
}

BOOST_AUTO_TEST_CASE(splits_are_reproducible_from_the_seed) {
  const SplitIndices a = random_split(500, 0.1, 0.1, 3), b = random_split(500, 0.1, 0.1, 3);
  const SplitIndices c = random_split(500, 0.1, 0.1, 4);
  BOOST_CHECK(a.train == b.train && a.valid == b.valid && a.test == b.test);
  BOOST_CHECK(a.valid != c.valid);
  BOOST_CHECK(a.test != c.test);
}

BOOST_AUTO_TEST_CASE(counts_and_bad_arguments) {
  const SplitIndices s = random_split_counts(10, 3, 0, 1);
  BOOST_CHECK_EQUAL(s.valid.size(), 3u);
  BOOST_CHECK(s.test.empty());
  BOOST_CHECK_EQUAL(s.train.size(), 7u);
  BOOST_CHECK_THROW(random_split_counts(10, 6, 5, 1), DataError);
  BOOST_CHECK_THROW(random_split(10, 0.7, 0.5, 1), DataError);
  BOOST_CHECK_THROW(random_split(10, -0.1, 0.5, 1), DataError);
}

BOOST_AUTO_TEST_CASE(select_keeps_the_chosen_examples) {
  const std::vector<std::string> items = {"a", "b", "c", "d"};
  const auto picked = select(items, {3, 1});
  BOOST_CHECK(picked == std::vector<std::string>({"d", "b"}));
  BOOST_CHECK_THROW(select(items, {4}), std::out_of_range);
}

BOOST_AUTO_TEST_SUITE_END()
