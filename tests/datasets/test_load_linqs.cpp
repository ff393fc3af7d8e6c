// LINQS content/cites: node order, features, sorted class names, edge direction and clean-up,
// given classes, skipping unknown papers, and gzip input.
#include <boost/test/unit_test.hpp>
#include <sstream>

#include "data_test_util.h"
#include "datasets/line_reader.h"
#include "datasets/load_citation.h"
#include "datasets/load_linqs.h"

using namespace attend;

namespace {

const char* kContent =
    "p1\t1\t0\t0\tTheory\n"
    "p2\t0\t1\t0\tAgents\n"
    "p3\t1\t1\t0\tTheory\n"
    "p4\t0\t0\t1\tDB\n";
// <cited> <citing>: p2 cites p1, p3 cites p1, p1 cites p2 (the same pair again), a self citation,
// p1 cites p4.
const char* kCites = "p1\tp2\np1\tp3\np2\tp1\np3\tp3\np4 p1\n";

std::vector<std::pair<int, int>> edges_of(const GraphData& g) {
  std::vector<std::pair<int, int>> e;
  for (int64_t i = 0; i < g.num_edges(); ++i)
    e.emplace_back(static_cast<int>(g.edge_src.data()[i]), static_cast<int>(g.edge_dst.data()[i]));
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_load_linqs)

BOOST_AUTO_TEST_CASE(nodes_features_and_classes) {
  test::TempDir dir;
  const GraphData g = load_linqs(dir.write("t.content", kContent), dir.write("t.cites", kCites));
  BOOST_CHECK_EQUAL(g.num_nodes(), 4);
  BOOST_CHECK_EQUAL(g.num_features(), 3);
  BOOST_CHECK(g.node_names == std::vector<std::string>({"p1", "p2", "p3", "p4"}));
  BOOST_CHECK(g.class_names == std::vector<std::string>({"Agents", "DB", "Theory"}));
  const std::vector<float> labels(g.labels.data(), g.labels.data() + 4);
  BOOST_CHECK(labels == std::vector<float>({2, 0, 2, 1}));
  BOOST_CHECK_EQUAL(g.features.at({2, 0}), 1.0f);
  BOOST_CHECK_EQUAL(g.features.at({2, 1}), 1.0f);
  BOOST_CHECK_EQUAL(g.features.at({2, 2}), 0.0f);
  BOOST_CHECK(!g.train_mask.defined());
}

BOOST_AUTO_TEST_CASE(undirected_edges_are_deduplicated_without_self_loops) {
  test::TempDir dir;
  const GraphData g = load_linqs(dir.write("t.content", kContent), dir.write("t.cites", kCites));
  const std::vector<std::pair<int, int>> expected = {{0, 1}, {0, 2}, {0, 3},
                                                     {1, 0}, {2, 0}, {3, 0}};
  BOOST_CHECK(edges_of(g) == expected);
  BOOST_CHECK_EQUAL(g.edge_stats.input_edges, 5);
  BOOST_CHECK_EQUAL(g.edge_stats.self_loops, 1);
  BOOST_CHECK_EQUAL(g.edge_stats.duplicates, 1);
  BOOST_CHECK(!g.edge_weight.defined());
}

BOOST_AUTO_TEST_CASE(directed_edges_run_from_citing_to_cited) {
  test::TempDir dir;
  LinqsOptions o;
  o.edges.undirected = false;
  o.edges.add_self_loops = true;
  const GraphData g = load_linqs(dir.write("t.content", kContent), dir.write("t.cites", kCites), o);
  const std::vector<std::pair<int, int>> expected = {{0, 0}, {0, 1}, {0, 3}, {1, 0},
                                                     {1, 1}, {2, 0}, {2, 2}, {3, 3}};
  BOOST_CHECK(edges_of(g) == expected);
  BOOST_CHECK_EQUAL(g.edge_stats.duplicates, 0);
}

BOOST_AUTO_TEST_CASE(given_classes_fix_the_label_order) {
  test::TempDir dir;
  LinqsOptions o;
  o.classes = {"Theory", "DB", "Agents"};
  const GraphData g = load_linqs(dir.write("t.content", kContent), dir.write("t.cites", kCites), o);
  const std::vector<float> labels(g.labels.data(), g.labels.data() + 4);
  BOOST_CHECK(labels == std::vector<float>({0, 2, 0, 1}));
  BOOST_CHECK_EQUAL(g.num_classes(), 3);
}

BOOST_AUTO_TEST_CASE(unknown_papers_can_be_skipped) {
  test::TempDir dir;
  LinqsOptions o;
  o.skip_unknown_papers = true;
  const GraphData g = load_linqs(dir.write("t.content", kContent),
                                 dir.write("t.cites", std::string(kCites) + "ghost\tp1\n"), o);
  BOOST_CHECK_EQUAL(g.edge_stats.skipped_unknown, 1);
  BOOST_CHECK_EQUAL(g.num_edges(), 6);
}

BOOST_AUTO_TEST_CASE(gzip_content_is_read_or_clearly_refused) {
  test::TempDir dir;
  const std::string gz = dir.write("t.content.gz", test::gzip_stored(kContent));
  const std::string cites = dir.write("t.cites", kCites);
  if (gzip_supported()) {
    const GraphData g = load_linqs(gz, cites);
    BOOST_CHECK_EQUAL(g.num_nodes(), 4);
    BOOST_CHECK_EQUAL(g.num_edges(), 6);
  } else {
    test::check_data_error([&] { load_linqs(gz, cites); }, gz, 0, "decompress it first");
  }
}

BOOST_AUTO_TEST_CASE(citation_dataset_layout_and_random_split) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path("toy/linqs"));
  // 3 classes x 30 papers in a ring.
  std::ostringstream content, cites;
  for (int i = 0; i < 90; ++i) {
    content << 'n' << i << "\t1\t0\tc" << i % 3 << '\n';
    cites << 'n' << i << "\tn" << (i + 1) % 90 << '\n';
  }
  dir.write("toy/linqs/toy.content", content.str());
  dir.write("toy/linqs/toy.cites", cites.str());
  CitationOptions o;
  o.split = CitationSplit::kNone;
  const GraphData none = load_citation_dataset(dir.path("toy"), "toy", o);
  BOOST_CHECK_EQUAL(none.num_nodes(), 90);
  BOOST_CHECK_EQUAL(none.num_edges(), 180);
  BOOST_CHECK(!none.train_mask.defined());
  // The Planetoid recipe needs 500 + 1000 nodes beyond training: too few here.
  o.split = CitationSplit::kRandom;
  BOOST_CHECK_THROW(load_citation_dataset(dir.path("toy"), "toy", o), DataError);
  o.split = CitationSplit::kPlanetoid;
  test::check_data_error([&] { load_citation_dataset(dir.path("toy"), "toy", o); },
                         dir.path("toy") + "/planetoid_txt/toy.features.txt", 0, "no such file");
}

BOOST_AUTO_TEST_SUITE_END()
