// Planetoid plain-text split: sparse features, labels with -1, edges, and the three index files.
#include <boost/test/unit_test.hpp>

#include "data_test_util.h"
#include "datasets/load_planetoid.h"

using namespace attend;

namespace {

// 6 nodes, 4 features, 2 classes; node 5 has no label (as Citeseer's feature-less nodes).
void write_toy(const test::TempDir& dir) {
  dir.write("toy.features.txt", "# 6 4 5\n0 0 1\n1 3 1\n2 1 1\n3 2 1\n4 0 1\n");
  dir.write("toy.labels.txt", "0\n1\n0\n1\n0\n-1\n");
  dir.write("toy.edges.txt", "0 1\n1 0\n1 2\n2 1\n3 3\n3 4\n4 3\n");
  dir.write("toy.train.idx", "0\n1\n");
  dir.write("toy.val.idx", "2\n");
  dir.write("toy.test.idx", "3\n4\n");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_load_planetoid)

BOOST_AUTO_TEST_CASE(reads_features_labels_edges_and_split) {
  test::TempDir dir;
  write_toy(dir);
  const GraphData g = load_planetoid_txt(dir.root(), "toy");
  BOOST_CHECK_EQUAL(g.num_nodes(), 6);
  BOOST_CHECK_EQUAL(g.num_features(), 4);
  BOOST_CHECK_EQUAL(g.num_classes(), 2);
  BOOST_CHECK_EQUAL(g.features.at({1, 3}), 1.0f);
  BOOST_CHECK_EQUAL(g.features.at({1, 0}), 0.0f);
  BOOST_CHECK_EQUAL(g.labels.at({5}), -1.0f);
  // Both directions were in the file already; the self loop 3-3 is dropped.
  BOOST_CHECK_EQUAL(g.num_edges(), 6);
  BOOST_CHECK_EQUAL(g.edge_stats.self_loops, 1);
  BOOST_CHECK(mask_indices(g.train_mask) == std::vector<int64_t>({0, 1}));
  BOOST_CHECK(mask_indices(g.val_mask) == std::vector<int64_t>({2}));
  BOOST_CHECK(mask_indices(g.test_mask) == std::vector<int64_t>({3, 4}));
}

BOOST_AUTO_TEST_CASE(self_loops_can_be_added_once_per_node) {
  test::TempDir dir;
  write_toy(dir);
  const GraphData g =
      load_planetoid_txt(dir.root(), "toy", {.undirected = true, .add_self_loops = true});
  BOOST_CHECK_EQUAL(g.num_edges(), 6 + 6);
}

BOOST_AUTO_TEST_CASE(inconsistent_files_name_file_and_line) {
  test::TempDir dir;
  write_toy(dir);
  dir.write("toy.features.txt", "# 6 4 6\n0 0 1\n");
  test::check_data_error([&] { load_planetoid_txt(dir.root(), "toy"); },
                         dir.path("toy.features.txt"), 3, "header promises 6 entries, found 1");
  dir.write("toy.features.txt", "6 4 1\n0 0 1\n");
  test::check_data_error([&] { load_planetoid_txt(dir.root(), "toy"); },
                         dir.path("toy.features.txt"), 1, "malformed header");
  dir.write("toy.features.txt", "# 6 4 1\n0 4 1\n");
  test::check_data_error([&] { load_planetoid_txt(dir.root(), "toy"); },
                         dir.path("toy.features.txt"), 2, "outside the 6 x 4");
  write_toy(dir);
  dir.write("toy.labels.txt", "0\n1\n0\n");
  test::check_data_error([&] { load_planetoid_txt(dir.root(), "toy"); }, dir.path("toy.labels.txt"),
                         4, "only 3 labels for 6 nodes");
  write_toy(dir);
  dir.write("toy.edges.txt", "0 1\n1 9\n");
  test::check_data_error([&] { load_planetoid_txt(dir.root(), "toy"); }, dir.path("toy.edges.txt"),
                         2, "node 9 has no row");
  write_toy(dir);
  dir.write("toy.test.idx", "3\n5\n");
  test::check_data_error([&] { load_planetoid_txt(dir.root(), "toy"); }, dir.path("toy.test.idx"),
                         2, "node 5 has no label");
}

BOOST_AUTO_TEST_CASE(sizes_beyond_the_limits_fail_before_allocating) {
  // Found by fuzz/fuzz_planetoid: a header of 5888888888 x 4 was allocated as it stood (96 GB).
  test::TempDir dir;
  write_toy(dir);
  dir.write("toy.features.txt", "# 5888888888 4 0\n");
  test::check_data_error([&] { load_planetoid_txt(dir.root(), "toy"); },
                         dir.path("toy.features.txt"), 1,
                         "declares 5888888888 x 4 features; at most 16777215 nodes and 67108864 "
                         "values are supported");
  dir.write("toy.features.txt", "# 2 200000000 0\n");  // 1.6 GB
  test::check_data_error([&] { load_planetoid_txt(dir.root(), "toy"); },
                         dir.path("toy.features.txt"), 1, "declares 2 x 200000000 features");
  // A class index the float32 labels cannot hold exactly (and a class name per index before it).
  write_toy(dir);
  dir.write("toy.labels.txt", "0\n1\n0\n999999999999\n0\n-1\n");
  test::check_data_error([&] { load_planetoid_txt(dir.root(), "toy"); }, dir.path("toy.labels.txt"),
                         4, "unknown label 999999999999 (classes are 0..65535, -1 = none)");
}

BOOST_AUTO_TEST_SUITE_END()
