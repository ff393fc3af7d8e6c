// The bundled graphs of datasets/data: the karate club (and its agreement with ../shared when
// present), the synthetic citation graph's statistics and Planetoid split, the motif set's labels
// against the structure actually in each graph, the JSONL reader's errors, the data directory
// override, and that the generator reproduces the committed bytes.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>

#include "data_test_util.h"
#include "datasets/bundled_graphs.h"
#include "datasets/line_reader.h"
#include "datasets/load_edge_list.h"

using namespace attend;

namespace {

const std::string kSource = ATTEND_SOURCE_DIR;

int64_t at(const Tensor& t, int64_t i) {
  return static_cast<int64_t>(t.data()[i]);
}

std::vector<int64_t> class_counts(const Tensor& labels, int64_t num_classes) {
  std::vector<int64_t> c(num_classes);
  for (int64_t i = 0; i < labels.numel(); ++i) ++c[at(labels, i)];
  return c;
}

// Undirected adjacency matrix of a small graph (self loops left out).
std::vector<std::vector<bool>> adjacency(const SmallGraph& g) {
  const int64_t n = g.num_nodes();
  std::vector<std::vector<bool>> a(n, std::vector<bool>(n, false));
  for (int64_t e = 0; e < g.num_edges(); ++e) {
    const int64_t u = at(g.edge_src, e), v = at(g.edge_dst, e);
    if (u != v) a[u][v] = a[v][u] = true;
  }
  return a;
}

int64_t count_triangles(const std::vector<std::vector<bool>>& a) {
  const auto n = static_cast<int64_t>(a.size());
  int64_t t = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j)
      if (a[i][j])
        for (int64_t k = j + 1; k < n; ++k) t += a[i][k] && a[j][k];
  return t;
}

// Each 4-cycle has two diagonals; a pair (i, j) with c common neighbours is a diagonal of C(c, 2)
// 4-cycles.
int64_t count_four_cycles(const std::vector<std::vector<bool>>& a) {
  const auto n = static_cast<int64_t>(a.size());
  int64_t twice = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      int64_t c = 0;
      for (int64_t k = 0; k < n; ++k) c += a[i][k] && a[j][k];
      twice += c * (c - 1) / 2;
    }
  return twice / 2;
}

int64_t max_degree(const std::vector<std::vector<bool>>& a) {
  int64_t m = 0;
  for (const auto& row : a) m = std::max<int64_t>(m, std::count(row.begin(), row.end(), true));
  return m;
}

bool connected(const std::vector<std::vector<bool>>& a) {
  std::vector<bool> seen(a.size(), false);
  std::vector<size_t> stack = {0};
  seen[0] = true;
  size_t reached = 1;
  while (!stack.empty()) {
    const size_t u = stack.back();
    stack.pop_back();
    for (size_t v = 0; v < a.size(); ++v)
      if (a[u][v] && !seen[v]) {
        seen[v] = true;
        ++reached;
        stack.push_back(v);
      }
  }
  return reached == a.size();
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_lines(const std::string& path) {
  LineReader in(path);
  std::string line, all;
  while (in.next(line)) all += line + "\n";
  return all;
}

// Sets an environment variable for one scope and restores the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// The graphs are read from the source tree whatever ATTEND_DATA_DIR says in the environment.
struct SourceDataDir {
  ScopedEnv env{"ATTEND_DATA_DIR", ATTEND_GRAPH_DATA_DIR};
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(test_bundled_graphs, SourceDataDir)

BOOST_AUTO_TEST_CASE(karate_club) {
  const GraphData g = load_bundled_graph("karate");
  BOOST_CHECK_EQUAL(g.num_nodes(), 34);
  BOOST_CHECK_EQUAL(g.num_edges(), 2 * 78);  // both directions
  BOOST_CHECK_EQUAL(g.edge_stats.input_edges, 78);
  BOOST_CHECK_EQUAL(g.edge_stats.duplicates, 0);
  BOOST_CHECK_EQUAL(g.num_features(), 34);  // one-hot member ids
  BOOST_CHECK(g.class_names == std::vector<std::string>({"Mr. Hi", "Officer"}));
  BOOST_CHECK(class_counts(g.labels, 2) == std::vector<int64_t>({17, 17}));
  BOOST_CHECK_EQUAL(at(g.labels, 0), 0);   // Mr. Hi
  BOOST_CHECK_EQUAL(at(g.labels, 33), 1);  // the officer (John A.)
  BOOST_REQUIRE(g.edge_weight.defined());
  float total_weight = 0;
  for (int64_t e = 0; e < g.num_edges(); ++e) total_weight += g.edge_weight.data()[e];
  BOOST_CHECK_EQUAL(total_weight, 2 * 231.0f);  // sum of the 78 interaction counts
  // Degrees of the two leaders: 16 and 17 ties.
  int64_t d0 = 0, d33 = 0;
  for (int64_t e = 0; e < g.num_edges(); ++e) {
    d0 += at(g.edge_src, e) == 0;
    d33 += at(g.edge_src, e) == 33;
  }
  BOOST_CHECK_EQUAL(d0, 16);
  BOOST_CHECK_EQUAL(d33, 17);
  // The demo split: one labelled member per faction.
  BOOST_CHECK(mask_indices(g.train_mask) == std::vector<int64_t>({0, 33}));
  BOOST_CHECK(mask_indices(g.val_mask).empty());
  BOOST_CHECK_EQUAL(mask_indices(g.test_mask).size(), 32u);

  BundledGraphOptions o;
  o.split = BundledSplit::kNone;
  o.edges.add_self_loops = true;
  const GraphData h = load_bundled_graph("karate", o);
  BOOST_CHECK(!h.train_mask.defined());
  BOOST_CHECK_EQUAL(h.num_edges(), 2 * 78 + 34);
}

BOOST_AUTO_TEST_CASE(karate_matches_shared_copy) {
  const std::string dir = kSource + "/../shared/datasets/karate";
  if (!std::filesystem::exists(dir + "/karate.edges.txt")) {
    BOOST_TEST_MESSAGE("SKIPPED: " << dir << " is not present");
    return;
  }
  EdgeListOptions o;
  o.num_classes = 2;
  const GraphData ref = load_edge_list(dir + "/karate.edges.txt", dir + "/karate.labels.txt", o);
  BundledGraphOptions bo;
  bo.split = BundledSplit::kNone;
  const GraphData g = load_bundled_graph("karate", bo);
  BOOST_REQUIRE_EQUAL(g.num_edges(), ref.num_edges());
  for (int64_t e = 0; e < g.num_edges(); ++e) {
    BOOST_REQUIRE_EQUAL(at(g.edge_src, e), at(ref.edge_src, e));
    BOOST_REQUIRE_EQUAL(at(g.edge_dst, e), at(ref.edge_dst, e));
    BOOST_REQUIRE_EQUAL(g.edge_weight.data()[e], ref.edge_weight.data()[e]);
  }
  BOOST_REQUIRE_EQUAL(g.num_nodes(), ref.num_nodes());
  for (int64_t i = 0; i < g.num_nodes(); ++i)
    BOOST_CHECK_MESSAGE(at(g.labels, i) == at(ref.labels, i), "member " << i << "'s club differs");
}

BOOST_AUTO_TEST_CASE(toy_citation) {
  const GraphData g = load_bundled_graph("toy-citation");
  const int64_t n = g.num_nodes(), f = g.num_features();
  BOOST_CHECK_EQUAL(n, 3000);
  BOOST_CHECK_EQUAL(f, 1000);
  BOOST_REQUIRE_EQUAL(g.num_classes(), 7);
  // Cora's class proportions: the largest class is about 30%, the smallest about 7%.
  const std::vector<int64_t> counts = class_counts(g.labels, 7);
  BOOST_CHECK(counts == std::vector<int64_t>({330, 463, 906, 472, 240, 200, 389}));
  for (int64_t c : counts) {
    BOOST_CHECK_GE(c, n / 20);
    BOOST_CHECK_LE(c, n * 35 / 100);
  }

  // Edges: undirected, average degree about 4, no isolated node, edge homophily like Cora's.
  std::vector<int64_t> degree(n, 0);
  int64_t same = 0;
  for (int64_t e = 0; e < g.num_edges(); ++e) {
    ++degree[at(g.edge_src, e)];
    same += at(g.labels, at(g.edge_src, e)) == at(g.labels, at(g.edge_dst, e));
  }
  const double avg_degree = static_cast<double>(g.num_edges()) / static_cast<double>(n);
  const double homophily = static_cast<double>(same) / static_cast<double>(g.num_edges());
  BOOST_TEST_MESSAGE("toy-citation: " << g.num_edges() / 2 << " undirected edges, average degree "
                                      << avg_degree << ", edge homophily " << homophily);
  BOOST_CHECK_GE(avg_degree, 3.5);
  BOOST_CHECK_LE(avg_degree, 4.5);
  BOOST_CHECK_EQUAL(std::count(degree.begin(), degree.end(), 0), 0);
  BOOST_CHECK_GE(homophily, 0.75);
  BOOST_CHECK_LE(homophily, 0.88);

  // Planetoid split: 20 per class, 500, 1000, disjoint.
  const auto train = mask_indices(g.train_mask), val = mask_indices(g.val_mask),
             test = mask_indices(g.test_mask);
  BOOST_CHECK_EQUAL(train.size(), 140u);
  BOOST_CHECK_EQUAL(val.size(), 500u);
  BOOST_CHECK_EQUAL(test.size(), 1000u);
  std::set<int64_t> all(train.begin(), train.end());
  all.insert(val.begin(), val.end());
  all.insert(test.begin(), test.end());
  BOOST_CHECK_EQUAL(all.size(), 1640u);
  std::vector<int64_t> train_per_class(7);
  for (int64_t i : train) ++train_per_class[at(g.labels, i)];
  BOOST_CHECK(train_per_class == std::vector<int64_t>(7, 20));

  // Features: binary, sparse (12..24 words per paper, about 18 on average).
  int64_t nnz = 0;
  bool binary = true, rows_ok = true;
  std::vector<double> norm(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t row = 0;
    for (int64_t k = 0; k < f; ++k) {
      const float v = g.features.data()[i * f + k];
      binary = binary && (v == 0.0f || v == 1.0f);
      row += v != 0.0f;
    }
    rows_ok = rows_ok && row >= 12 && row <= 24;
    norm[i] = std::sqrt(static_cast<double>(row));
    nnz += row;
  }
  const double words = static_cast<double>(nnz) / static_cast<double>(n);
  BOOST_CHECK(binary);
  BOOST_CHECK(rows_ok);
  BOOST_CHECK_GE(words, 16.0);
  BOOST_CHECK_LE(words, 20.0);

  // Class-correlated: the mean cosine similarity of two papers of one class clearly exceeds that of
  // two papers of different classes (for unrelated words the two would be equal). With s_c the sum
  // of the unit feature vectors of class c, the sum of cosines over ordered pairs within c (i != j)
  // is |s_c|^2 - n_c.
  std::vector<std::vector<double>> s(7, std::vector<double>(f, 0.0));
  std::vector<double> s_all(f, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < f; ++k) {
      const double v = g.features.data()[i * f + k] / norm[i];
      s[at(g.labels, i)][k] += v;
      s_all[k] += v;
    }
  const auto sq = [](const std::vector<double>& v) {
    double a = 0;
    for (double x : v) a += x * x;
    return a;
  };
  double within_sum = 0, within_pairs = 0, class_sq = 0, sum_nc2 = 0;
  for (int c = 0; c < 7; ++c) {
    const auto nc = static_cast<double>(counts[c]);
    within_sum += sq(s[c]) - nc;
    within_pairs += nc * (nc - 1);
    class_sq += sq(s[c]);
    sum_nc2 += nc * nc;
  }
  const double nn = static_cast<double>(n);
  const double within = within_sum / within_pairs;
  const double between = (sq(s_all) - class_sq) / (nn * nn - sum_nc2);
  BOOST_TEST_MESSAGE("toy-citation: " << words << " words per paper; mean cosine within a class "
                                      << within << ", between classes " << between);
  BOOST_CHECK_GT(within, 1.1 * between);  // here about 1.22 times; Cora's words: 1.42
}

BOOST_AUTO_TEST_CASE(toy_motifs) {
  const GraphClassificationDataset ds = load_bundled_graph_set("toy-motifs");
  const auto n = static_cast<int64_t>(ds.graphs.size());
  BOOST_CHECK_GE(n, 2000);
  BOOST_REQUIRE(ds.class_names ==
                std::vector<std::string>({"triangle", "square", "star", "clique5"}));
  BOOST_CHECK_EQUAL(ds.num_features(), 8);  // degree one-hot, 0..7

  std::vector<int64_t> per_class(4);
  int64_t bad_size = 0, bad_features = 0, disconnected = 0;
  // Per class: graphs whose structure is not that of their motif.
  std::vector<int64_t> wrong(4);
  std::vector<int64_t> triangles(4), four_cycles(4);
  for (const SmallGraph& g : ds.graphs) {
    BOOST_REQUIRE(g.label >= 0 && g.label < 4);
    ++per_class[g.label];
    const int64_t v = g.num_nodes();
    bad_size += v < 10 || v > 30;
    const auto a = adjacency(g);
    disconnected += !connected(a);
    for (int64_t i = 0; i < v; ++i) {
      const auto deg = std::count(a[i].begin(), a[i].end(), true);
      bad_features += g.features.data()[i * 8 + std::min<int64_t>(deg, 7)] != 1.0f;
    }
    const int64_t t = count_triangles(a), q = count_four_cycles(a), d = max_degree(a);
    const int64_t e = g.num_edges() / 2;
    triangles[g.label] += t;
    four_cycles[g.label] += q;
    // A tree (v - 1 edges, degree <= 3, plus 1 at the attaching node) with the motif: the
    // triangle closes 1 cycle, the square 1, K5 6, the star none but has the only degree-6 node.
    bool ok = false;
    switch (g.label) {
      case 0:
        ok = t == 1 && q == 0 && e == v && d <= 4;
        break;
      case 1:
        ok = t == 0 && q == 1 && e == v && d <= 4;
        break;
      case 2:
        ok = t == 0 && q == 0 && e == v - 1 && d == 6;
        break;
      case 3:
        ok = t == 10 && q == 15 && e == v + 5 && d == 5;
        break;
      default:
        break;
    }
    wrong[g.label] += !ok;
  }
  BOOST_TEST_MESSAGE("toy-motifs: " << n << " graphs; triangles per class " << triangles[0] << "/"
                                    << triangles[1] << "/" << triangles[2] << "/" << triangles[3]
                                    << ", 4-cycles " << four_cycles[0] << "/" << four_cycles[1]
                                    << "/" << four_cycles[2] << "/" << four_cycles[3]);
  BOOST_CHECK(per_class == std::vector<int64_t>(4, n / 4));
  BOOST_CHECK_EQUAL(bad_size, 0);
  BOOST_CHECK_EQUAL(bad_features, 0);
  BOOST_CHECK_EQUAL(disconnected, 0);
  BOOST_CHECK(wrong == std::vector<int64_t>(4, 0));
  // The triangle class has exactly one triangle per graph; squares and stars have none.
  BOOST_CHECK_EQUAL(triangles[0], per_class[0]);
  BOOST_CHECK_EQUAL(triangles[1], 0);
  BOOST_CHECK_EQUAL(triangles[2], 0);

  // Fixed split 80/10/10, disjoint, covering, balanced per class.
  BOOST_CHECK_EQUAL(ds.split.train.size(), 1920u);
  BOOST_CHECK_EQUAL(ds.split.valid.size(), 240u);
  BOOST_CHECK_EQUAL(ds.split.test.size(), 240u);
  std::set<int64_t> all(ds.split.train.begin(), ds.split.train.end());
  all.insert(ds.split.valid.begin(), ds.split.valid.end());
  all.insert(ds.split.test.begin(), ds.split.test.end());
  BOOST_CHECK_EQUAL(static_cast<int64_t>(all.size()), n);
  std::vector<int64_t> test_per_class(4);
  for (int64_t i : ds.split.test) ++test_per_class[ds.graphs[i].label];
  BOOST_CHECK(test_per_class == std::vector<int64_t>(4, 60));

  // Constant features and self loops.
  GraphClassificationOptions o;
  o.features = NodeFeatures::kConstant;
  o.add_self_loops = true;
  const GraphClassificationDataset c = load_bundled_graph_set("toy-motifs", o);
  BOOST_REQUIRE_EQUAL(c.graphs.size(), ds.graphs.size());
  BOOST_CHECK_EQUAL(c.num_features(), 1);
  BOOST_CHECK_EQUAL(c.graphs[0].num_edges(), ds.graphs[0].num_edges() + ds.graphs[0].num_nodes());
}

BOOST_AUTO_TEST_CASE(graph_set_reader_errors) {
  test::TempDir dir;
  const std::string good = R"({"label":1,"motif":"square","split":"test","num_nodes":4,)"
                           R"("edges":[[0,1],[1,2],[2,3],[0,3]]})";
  const GraphClassificationDataset ds =
      load_graph_set_jsonl(dir.write("ok.jsonl", good + "\n\n" + good + "\n"));
  BOOST_CHECK_EQUAL(ds.graphs.size(), 2u);
  BOOST_CHECK(ds.split.test == std::vector<int64_t>({0, 1}));
  BOOST_CHECK(ds.class_names == std::vector<std::string>({"0", "square"}));
  BOOST_CHECK_EQUAL(ds.graphs[0].num_edges(), 8);

  const auto bad = [&](const std::string& line, const std::string& expect) {
    const std::string p = dir.write("bad.jsonl", good + "\n" + line + "\n");
    test::check_data_error([&] { load_graph_set_jsonl(p); }, p, 2, expect);
  };
  bad(R"({"label":0,"num_nodes":3,"edges":[[0,1],[1,3]]})", "outside 0..2");
  bad(R"({"label":0,"num_nodes":3,"edges":[[0,1],[1,1]]})", "self loop");
  bad(R"({"label":0,"num_nodes":3,"edges":[[0,1],[1,0]]})", "repeats an earlier edge");
  bad(R"({"label":0,"num_nodes":3})", "missing field \"edges\"");
  bad(R"({"num_nodes":3,"edges":[]})", "missing field \"label\"");
  bad(R"({"label":"a","num_nodes":3,"edges":[]})", "expected an integer");
  bad(R"({"label":0,"num_nodes":3,"edges":[[0]]})", "expected [u, v]");
  bad(R"({"label":0,"num_nodes":3,"split":"dev","edges":[]})", "unknown split");
  bad(R"({"label":1,"motif":"star","num_nodes":3,"edges":[]})", "is motif 'star'");
  bad(R"({"label":0,"num_nodes":3,"edges":[)", "invalid JSON");
  // Found by fuzz/fuzz_graph_set: sizes were allocated as declared (a class name per index up to
  // the label, degrees and n x 8 features per graph), 40 GB from a line of 50 bytes.
  bad(R"({"label":99999999999,"num_nodes":3,"edges":[]})",
      "label 99999999999 is too large (class indices are below 65536)");
  bad(R"({"label":0,"num_nodes":99999999999,"edges":[]})",
      "num_nodes 99999999999 is too many (at most 65536 per graph, and 67108864 feature values "
      "in the whole set)");
  bad(R"({"label":0,"num_nodes":65537,"edges":[]})", "num_nodes 65537 is too many");
  // All graphs together: one 2048-wide feature row, then 32768 more pass 2^26 values.
  GraphClassificationOptions wide;
  wide.max_degree = 2047;
  const std::string many = dir.write("many.jsonl", R"({"label":0,"num_nodes":1,"edges":[]})"
                                                   "\n"
                                                   R"({"label":0,"num_nodes":32768,"edges":[]})"
                                                   "\n");
  test::check_data_error([&] { load_graph_set_jsonl(many, wide); }, many, 2,
                         "num_nodes 32768 is too many");
  test::check_data_error([&] { load_graph_set_jsonl(dir.write("empty.jsonl", "")); },
                         dir.path("empty.jsonl"), 1, "file is empty");
}

BOOST_AUTO_TEST_CASE(names_and_data_dir) {
  test::check_data_error([] { load_bundled_graph("cora"); }, "", 0, "karate, toy-citation");
  test::check_data_error([] { load_bundled_graph("toy-motifs"); }, "", 0, "load_bundled_graph_set");
  test::check_data_error([] { load_bundled_graph_set("karate"); }, "", 0, "load_bundled_graph");
  BOOST_CHECK_EQUAL(bundled_graph_dir(), ATTEND_GRAPH_DATA_DIR);
  test::TempDir dir;
  ScopedEnv env("ATTEND_DATA_DIR", dir.root());
  BOOST_CHECK_EQUAL(bundled_graph_dir(), dir.root());
  // The override is used: the karate files are not in the empty directory.
  test::check_data_error([] { load_bundled_graph("karate"); }, dir.path("karate.labels.txt"), 0,
                         "");
}

BOOST_AUTO_TEST_CASE(generator_reproduces_committed_files) {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) {
    BOOST_TEST_MESSAGE("SKIPPED: python3 is not installed, the generator cannot be run");
    return;
  }
  test::TempDir dir;
  const std::string cmd = "python3 '" + kSource + "/datasets/generators/gen_graphs.py' --out '" +
                          dir.root() + "' >/dev/null";
  BOOST_REQUIRE_EQUAL(std::system(cmd.c_str()), 0);
  const std::vector<std::string> files = {"karate.edges.txt",        "karate.labels.txt",
                                          "toy-citation.content.gz", "toy-citation.cites.gz",
                                          "toy-citation.split.txt",  "toy-motif-graphs.jsonl.gz"};
  size_t written = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.root())) {
    ++written;
    BOOST_CHECK_MESSAGE(
        std::find(files.begin(), files.end(), entry.path().filename()) != files.end(),
        "the generator wrote an unexpected file " << entry.path());
  }
  BOOST_CHECK_EQUAL(written, files.size());
  for (const auto& name : files) {
    const std::string committed = std::string(ATTEND_GRAPH_DATA_DIR) + "/" + name;
    const std::string fresh = dir.path(name);
    if (read_bytes(fresh) == read_bytes(committed)) continue;
    // gzip bytes also depend on the zlib that Python uses; the content must not.
    const bool gz = name.ends_with(".gz");
    BOOST_CHECK_MESSAGE(gz && read_lines(fresh) == read_lines(committed),
                        name << ": regenerated file differs from " << committed);
    BOOST_WARN_MESSAGE(false, name << ": same content but different gzip bytes (another zlib?)");
  }
}

BOOST_AUTO_TEST_SUITE_END()
