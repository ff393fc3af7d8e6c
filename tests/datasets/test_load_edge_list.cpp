// Edge list + node table: weights, comments and commas, identity features when the table has only
// labels, and no node table at all.
#include <boost/test/unit_test.hpp>

#include "data_test_util.h"
#include "datasets/load_edge_list.h"

using namespace attend;

BOOST_AUTO_TEST_SUITE(test_load_edge_list)

BOOST_AUTO_TEST_CASE(features_labels_and_weights) {
  test::TempDir dir;
  const std::string nodes = dir.write("n.csv", "# f1,f2,label\n0.5,1,0\n2,0,1\n1,1,-1\n");
  const std::string edges = dir.write("e.txt", "0 1 4\n# comment\n\n1,2,2.5\n2 1 7\n");
  const GraphData g = load_edge_list(edges, nodes);
  BOOST_CHECK_EQUAL(g.num_nodes(), 3);
  BOOST_CHECK_EQUAL(g.num_features(), 2);
  BOOST_CHECK_EQUAL(g.features.at({0, 0}), 0.5f);
  BOOST_CHECK_EQUAL(g.labels.at({2}), -1.0f);
  BOOST_CHECK_EQUAL(g.num_classes(), 2);
  BOOST_CHECK_EQUAL(g.num_edges(), 4);
  BOOST_CHECK_EQUAL(g.edge_stats.duplicates, 1);
  BOOST_REQUIRE(g.edge_weight.defined());
  // Sorted (0,1) (1,0) (1,2) (2,1); the duplicate 2-1 keeps the first weight, 2.5.
  const std::vector<float> w(g.edge_weight.data(), g.edge_weight.data() + 4);
  BOOST_CHECK(w == std::vector<float>({4, 4, 2.5f, 2.5f}));
}

BOOST_AUTO_TEST_CASE(labels_only_give_identity_features) {
  test::TempDir dir;
  const std::string nodes = dir.write("labels.txt", "0\n0\n1\n1\n");
  const std::string edges = dir.write("e.txt", "0 1\n2 3\n");
  EdgeListOptions o;
  o.num_classes = 3;
  const GraphData g = load_edge_list(edges, nodes, o);
  BOOST_CHECK(g.features.shape() == Shape({4, 4}));
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 4; ++j) BOOST_CHECK_EQUAL(g.features.at({i, j}), i == j ? 1.0f : 0.0f);
  BOOST_CHECK_EQUAL(g.num_classes(), 3);
  BOOST_CHECK(!g.edge_weight.defined());
}

BOOST_AUTO_TEST_CASE(without_a_node_table) {
  test::TempDir dir;
  const GraphData g = load_edge_list(dir.write("e.txt", "0 4\n"), "");
  BOOST_CHECK_EQUAL(g.num_nodes(), 5);
  BOOST_CHECK_EQUAL(g.labels.at({0}), -1.0f);
  BOOST_CHECK_EQUAL(g.num_classes(), 0);
  BOOST_CHECK_EQUAL(g.num_edges(), 2);
}

BOOST_AUTO_TEST_CASE(sizes_beyond_the_limits_fail_before_allocating) {
  // Found by fuzz/fuzz_edge_list: a line of only commas gave no fields and read f.back() of an
  // empty list; node indices and labels up to 2^63 sized the graph (an identity feature matrix of
  // N x N, a class name per index) with no check.
  test::TempDir dir;
  const std::string edges = dir.write("e.txt", "0 1\n");
  const std::string commas = dir.write("n.csv", "1,0\n,\n");
  test::check_data_error([&] { load_edge_list(edges, commas); }, commas, 2,
                         "malformed line: only separators");
  const std::string far = dir.write("far.txt", "0 1\n1 9223372036854775807\n");
  test::check_data_error([&] { load_edge_list(far, ""); }, far, 2,
                         "node index 9223372036854775807 is too large (at most 16777215)");
  const std::string wide = dir.write("wide.txt", "0 20000\n");
  test::check_data_error([&] { load_edge_list(wide, ""); }, wide, 0,
                         "identity features for 20001 nodes would be 20001 x 20001 values, more "
                         "than 67108864");
  const std::string label = dir.write("label.csv", "0\n99999999999\n");
  test::check_data_error([&] { load_edge_list(edges, label); }, label, 2,
                         "label 99999999999 is too large (class indices are below 65536)");
}

BOOST_AUTO_TEST_CASE(header_line_of_the_node_table) {
  test::TempDir dir;
  EdgeListOptions o;
  o.nodes_header = true;
  const GraphData g =
      load_edge_list(dir.write("e.txt", "0 1\n"), dir.write("n.csv", "x,label\n1,0\n2,1\n"), o);
  BOOST_CHECK_EQUAL(g.num_nodes(), 2);
  BOOST_CHECK_EQUAL(g.features.at({1, 0}), 2.0f);
}

BOOST_AUTO_TEST_SUITE_END()
