// GraphData helpers: edge clean-up and stats, split masks, the seeded Planetoid-style split.
#include <boost/test/unit_test.hpp>
#include <set>

#include "autograd/creation.h"
#include "data_test_util.h"
#include "datasets/graph.h"

using namespace attend;

namespace {

GraphData nodes(int64_t n, int64_t classes) {
  GraphData g;
  g.features = zeros({n, 1});
  std::vector<int64_t> labels(n);
  for (int64_t i = 0; i < n; ++i) labels[i] = i % classes;
  g.labels = from_indices(labels, {n});
  for (int64_t c = 0; c < classes; ++c) g.class_names.push_back(std::to_string(c));
  return g;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_graph)

BOOST_AUTO_TEST_CASE(edge_cleanup_counts_what_it_dropped) {
  GraphData g = nodes(4, 2);
  set_edges(g, {0, 1, 2, 2, 0}, {1, 0, 2, 3, 1}, {}, {});
  BOOST_CHECK_EQUAL(g.num_edges(), 4);  // 0-1 and 2-3, both directions
  BOOST_CHECK_EQUAL(g.edge_stats.input_edges, 5);
  BOOST_CHECK_EQUAL(g.edge_stats.self_loops, 1);
  BOOST_CHECK_EQUAL(g.edge_stats.duplicates, 2);
  BOOST_CHECK_THROW(set_edges(g, {0}, {4}, {}, {}), DataError);
}

BOOST_AUTO_TEST_CASE(split_masks_and_their_errors) {
  GraphData g = nodes(5, 2);
  set_split(g, {0, 1}, {2}, {4});
  BOOST_CHECK(mask_indices(g.train_mask) == std::vector<int64_t>({0, 1}));
  BOOST_CHECK(mask_indices(g.val_mask) == std::vector<int64_t>({2}));
  BOOST_CHECK(mask_indices(g.test_mask) == std::vector<int64_t>({4}));
  BOOST_CHECK_EQUAL(g.train_mask.at({3}), 0.0f);
  BOOST_CHECK_THROW(set_split(g, {0}, {0}, {}), DataError);
  BOOST_CHECK_THROW(set_split(g, {5}, {}, {}), DataError);
}

BOOST_AUTO_TEST_CASE(random_split_follows_the_planetoid_recipe) {
  GraphData g = nodes(300, 3);
  g.labels.data()[7] = -1;  // unlabelled nodes are never chosen
  set_random_split(g, 20, 50, 100, 9);
  const auto train = mask_indices(g.train_mask), val = mask_indices(g.val_mask),
             test = mask_indices(g.test_mask);
  BOOST_CHECK_EQUAL(train.size(), 60u);
  BOOST_CHECK_EQUAL(val.size(), 50u);
  BOOST_CHECK_EQUAL(test.size(), 100u);
  std::vector<int> per_class(3);
  for (int64_t i : train) ++per_class[static_cast<int>(g.labels.data()[i])];
  BOOST_CHECK(per_class == std::vector<int>({20, 20, 20}));
  std::set<int64_t> all(train.begin(), train.end());
  all.insert(val.begin(), val.end());
  all.insert(test.begin(), test.end());
  BOOST_CHECK_EQUAL(all.size(), 210u);
  BOOST_CHECK(!all.count(7));

  GraphData h = nodes(300, 3);
  h.labels.data()[7] = -1;
  set_random_split(h, 20, 50, 100, 9);
  BOOST_CHECK(mask_indices(h.test_mask) == test);
  set_random_split(h, 20, 50, 100, 10);
  BOOST_CHECK(mask_indices(h.test_mask) != test);
  BOOST_CHECK_THROW(set_random_split(h, 20, 200, 100, 1), DataError);
}

BOOST_AUTO_TEST_SUITE_END()
