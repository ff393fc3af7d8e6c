// The GAT node and graph classifiers (models/gat_node_classifier.h, models/gat_graph_classifier.h):
// output shapes and parameter names, gradcheck of every parameter on a tiny graph (dropout 0),
// the three poolings (values, permutation invariance within a graph, independence of the other
// graphs in a batch, empty graphs, errors), dropout only in training mode, option and
// hyperparameter errors, and the registry entries' create(). Training to zero loss is in
// tests/trainers/test_graph_tasks.cpp (it needs the optimizers).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <memory>
#include <numeric>
#include <vector>

#include "models/gat_graph_classifier.h"
#include "models/gat_node_classifier.h"
#include "models/registry.h"
#include "test_util.h"

using namespace attend;
using attend::test::check_close;

namespace {

// A small undirected graph: src -> dst lists with both directions of each edge.
struct Edges {
  std::vector<int64_t> src, dst;
  void add(int64_t a, int64_t b) {
    src.push_back(a), dst.push_back(b);
    src.push_back(b), dst.push_back(a);
  }
  Tensor src_t() const { return from_indices(src, {static_cast<int64_t>(src.size())}); }
  Tensor dst_t() const { return from_indices(dst, {static_cast<int64_t>(dst.size())}); }
};

// 7 nodes: a triangle 0-1-2 joined at 2 to a square 3-4-5-6.
Edges tiny_graph() {
  Edges e;
  for (auto [a, b] : std::vector<std::pair<int64_t, int64_t>>{
           {0, 1}, {1, 2}, {2, 0}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 3}})
    e.add(a, b);
  return e;
}

// One small graph for the graph classifier: features [n, F] and its edges.
struct Small {
  Tensor x;
  Edges e;
};

Small small_graph(int64_t n, int64_t F, uint64_t seed) {
  Generator g(seed);
  Small s{randn({n, F}, g), {}};
  for (int64_t i = 1; i < n; ++i) s.e.add(static_cast<int64_t>(g.randint(i)), i);  // a tree
  if (n >= 3) s.e.add(0, n - 1);                                                   // one cycle
  return s;
}

// Packs graphs into a GraphBatch by hand (pack_graphs itself lives in trainers/ and is tested in
// tests/trainers/test_graph_tasks.cpp).
GraphBatch pack(const std::vector<Small>& gs) {
  std::vector<Tensor> xs;
  std::vector<int64_t> src, dst, node_graph;
  int64_t offset = 0;
  for (size_t k = 0; k < gs.size(); ++k) {
    xs.push_back(gs[k].x);
    for (size_t j = 0; j < gs[k].e.src.size(); ++j) {
      src.push_back(gs[k].e.src[j] + offset);
      dst.push_back(gs[k].e.dst[j] + offset);
    }
    const int64_t n = gs[k].x.size(0);
    node_graph.insert(node_graph.end(), static_cast<size_t>(n), static_cast<int64_t>(k));
    offset += n;
  }
  GraphBatch b;
  b.features = concat(xs, 0);
  b.edge_src = from_indices(src, {static_cast<int64_t>(src.size())});
  b.edge_dst = from_indices(dst, {static_cast<int64_t>(dst.size())});
  b.node_graph = from_indices(node_graph, {offset});
  b.num_graphs = static_cast<int64_t>(gs.size());
  return b;
}

// The same graph with its nodes renumbered (node i becomes perm[i]) and its edge list reversed.
Small permuted(const Small& s, const std::vector<int64_t>& perm) {
  const int64_t n = s.x.size(0), F = s.x.size(1);
  Small p{Tensor::empty({n, F}), {}};
  for (int64_t i = 0; i < n; ++i)
    for (int64_t f = 0; f < F; ++f) p.x.data()[perm[i] * F + f] = s.x.data()[i * F + f];
  for (size_t j = s.e.src.size(); j-- > 0;) {
    p.e.src.push_back(perm[s.e.src[j]]);
    p.e.dst.push_back(perm[s.e.dst[j]]);
  }
  return p;
}

Tensor row(const Tensor& t, int64_t i) {
  return narrow(t, 0, i, 1);
}

GATNodeOptions small_node_options(float dropout = 0.0f) {
  GATNodeOptions o;
  o.num_features = 5;
  o.num_classes = 3;
  o.hidden = 3;
  o.heads = 2;
  o.out_heads = 2;
  o.dropout = dropout;
  return o;
}

GATGraphOptions small_graph_options(const std::string& pooling, float dropout = 0.0f) {
  GATGraphOptions o;
  o.num_features = 4;
  o.num_classes = 3;
  o.layers = 2;
  o.hidden = 3;
  o.heads = 2;
  o.pooling = parse_pooling_kind(pooling);
  o.dropout = dropout;
  return o;
}

// Parameter names of a module, in order.
std::vector<std::string> names_of(const Module& m) {
  std::vector<std::string> out;
  for (auto& [n, t] : m.named_parameters()) out.push_back(n);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_gat_models)

BOOST_AUTO_TEST_CASE(node_classifier_shapes_and_parameters) {
  Generator gen(1);
  auto dgen = std::make_shared<Generator>(2);
  GATNodeOptions o;  // the paper's: 2 layers, 8 heads x 8 hidden, 1 output head, dropout 0.6
  o.num_features = 5;
  o.num_classes = 3;
  GATNodeClassifier m(o, gen, dgen);
  Edges e = tiny_graph();
  Generator xg(3);
  Tensor x = randn({7, 5}, xg);
  BOOST_CHECK(m.forward(x, e.src_t(), e.dst_t()).shape() == (Shape{7, 3}));
  const std::vector<std::string> expect = {"conv1.att_dst",    "conv1.att_src",   "conv1.bias",
                                           "conv1.lin.weight", "conv2.att_dst",   "conv2.att_src",
                                           "conv2.bias",       "conv2.lin.weight"};
  std::vector<std::string> got = names_of(m);
  std::sort(got.begin(), got.end());
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expect.begin(), expect.end());
  auto sd = m.state_dict();
  BOOST_CHECK(sd.at("conv1.lin.weight").shape() == (Shape{64, 5}));  // [heads*hidden, F]
  BOOST_CHECK(sd.at("conv1.bias").shape() == (Shape{64}));
  BOOST_CHECK(sd.at("conv2.lin.weight").shape() == (Shape{3, 64}));  // [out_heads*C, 64]
  BOOST_CHECK(sd.at("conv2.bias").shape() == (Shape{3}));            // mean over heads
  BOOST_CHECK_EQUAL(m.convs[0]->options.dropout, 0.6f);
  BOOST_CHECK_EQUAL(m.convs[1]->options.input_dropout, 0.6f);
  BOOST_CHECK(!m.convs[1]->options.concat && m.convs[0]->options.concat);
  // GAT on Cora: 8*8*1433 + 2*64 + 64 + 7*64 + 2*7 + 7 = 92,373 parameters (as pyGAT / PyG).
  GATNodeOptions cora = o;
  cora.num_features = 1433;
  cora.num_classes = 7;
  BOOST_CHECK_EQUAL(GATNodeClassifier(cora, gen, dgen).num_parameters(), 92373);

  // Three layers, 4 output heads, GATv2: the middle layer reads heads*hidden.
  GATNodeOptions deep = small_node_options();
  deep.layers = 3;
  deep.out_heads = 4;
  deep.v2 = true;
  GATNodeClassifier d(deep, gen, nullptr);
  BOOST_CHECK(d.state_dict().at("conv2.lin_src.weight").shape() == (Shape{6, 6}));
  BOOST_CHECK(d.state_dict().at("conv3.lin_src.weight").shape() == (Shape{12, 6}));
  std::vector<GATLayer::Output> per_layer;
  Tensor y = d.forward_with_attention(x, e.src_t(), e.dst_t(), per_layer);
  BOOST_CHECK(y.shape() == (Shape{7, 3}));
  BOOST_REQUIRE_EQUAL(per_layer.size(), 3u);
  BOOST_CHECK(per_layer[0].attention.shape() == (Shape{16 + 7, 2}));  // edges + self loops
  BOOST_CHECK(per_layer[2].attention.shape() == (Shape{16 + 7, 4}));
  check_close(y, d.forward(x, e.src_t(), e.dst_t()), 0.0f, 0.0f);

  // One layer: straight to the classes.
  GATNodeOptions one = small_node_options();
  one.layers = 1;
  GATNodeClassifier s(one, gen, nullptr);
  BOOST_CHECK(s.forward(x, e.src_t(), e.dst_t()).shape() == (Shape{7, 3}));
  BOOST_CHECK(s.state_dict().at("conv1.lin.weight").shape() == (Shape{6, 5}));
}

BOOST_AUTO_TEST_CASE(node_classifier_gradcheck) {
  Edges e = tiny_graph();
  for (bool v2 : {false, true}) {
    Generator gen(10), xg(11);
    GATNodeOptions o = small_node_options();
    o.v2 = v2;
    GATNodeClassifier m(o, gen, nullptr);
    Tensor x = randn({7, 5}, xg);
    const int64_t n = attend::test::check_parameter_gradients(
        m, [&] { return m.forward(x, e.src_t(), e.dst_t()); }, {.eps = 1e-3});
    BOOST_CHECK_EQUAL(n, m.num_parameters());
  }
}

BOOST_AUTO_TEST_CASE(node_classifier_dropout_only_in_training) {
  Edges e = tiny_graph();
  Generator xg(5);
  Tensor x = randn({7, 5}, xg);
  Generator g1(6), g2(6);
  GATNodeClassifier m(small_node_options(0.5f), g1, std::make_shared<Generator>(7));
  GATNodeClassifier plain(small_node_options(0.0f), g2, nullptr);  // same weights, no dropout
  m.eval();
  Tensor a = m.forward(x, e.src_t(), e.dst_t());
  check_close(a, m.forward(x, e.src_t(), e.dst_t()), 0.0f, 0.0f);
  check_close(a, plain.forward(x, e.src_t(), e.dst_t()), 0.0f, 0.0f);
  m.train();
  Tensor t1 = m.forward(x, e.src_t(), e.dst_t());
  Tensor t2 = m.forward(x, e.src_t(), e.dst_t());
  double d1 = 0, d12 = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    d1 += std::fabs(t1.data()[i] - a.data()[i]);
    d12 += std::fabs(t1.data()[i] - t2.data()[i]);
  }
  BOOST_CHECK_GT(d1, 1e-3);   // training differs from eval
  BOOST_CHECK_GT(d12, 1e-3);  // and each training pass draws new masks
}

BOOST_AUTO_TEST_CASE(node_classifier_option_errors) {
  Generator gen(1);
  auto dgen = std::make_shared<Generator>(2);
  auto fails = [&](GATNodeOptions o, std::shared_ptr<Generator> dg, const std::string& part) {
    try {
      GATNodeClassifier m(o, gen, dg);
      BOOST_ERROR("no error for " << part);
    } catch (const std::invalid_argument& err) {
      attend::test::check_mentions(err.what(), {"GATNodeClassifier", part});
    }
  };
  GATNodeOptions o = small_node_options();
  auto with = [&](auto f) {
    GATNodeOptions c = o;
    f(c);
    return c;
  };
  fails(with([](auto& c) { c.num_features = 0; }), dgen, "num_features");
  fails(with([](auto& c) { c.num_classes = 0; }), dgen, "num_classes");
  fails(with([](auto& c) { c.layers = 0; }), dgen, "layers");
  fails(with([](auto& c) { c.heads = 0; }), dgen, "heads");
  fails(with([](auto& c) { c.dropout = 1.0f; }), dgen, "dropout");
  fails(with([](auto& c) { c.dropout = 0.5f; }), nullptr, "generator");
}

BOOST_AUTO_TEST_CASE(node_entry_creates_from_hyperparams) {
  const ModelEntry entry = gat_node_model_entry();
  BOOST_CHECK_EQUAL(entry.name, "gat");
  BOOST_CHECK(entry.task == TaskKind::kNodeClassification);
  for (const auto& spec : entry.hyperparams) BOOST_CHECK_MESSAGE(!spec.help.empty(), spec.name);
  Generator gen(1);
  auto dgen = std::make_shared<Generator>(2);
  ModelDims dims;
  dims.num_features = 5;
  dims.num_classes = 4;
  // Defaults are the paper's.
  auto m = std::dynamic_pointer_cast<GATNodeClassifier>(
      entry.create(Hyperparams(entry.hyperparams, {}), dims, gen, dgen));
  BOOST_REQUIRE(m);
  BOOST_CHECK_EQUAL(m->options.layers, 2);
  BOOST_CHECK_EQUAL(m->options.hidden, 8);
  BOOST_CHECK_EQUAL(m->options.heads, 8);
  BOOST_CHECK_EQUAL(m->options.out_heads, 1);
  BOOST_CHECK_CLOSE(m->options.dropout, 0.6f, 1e-4);
  BOOST_CHECK_CLOSE(m->options.negative_slope, 0.2f, 1e-4);
  BOOST_CHECK(!m->options.v2);
  BOOST_CHECK_EQUAL(m->options.num_classes, 4);
  // Overrides.
  Hyperparams p(entry.hyperparams, {{"layers", "3"},
                                    {"hidden", "4"},
                                    {"heads", "2"},
                                    {"out-heads", "3"},
                                    {"dropout", "0.1"},
                                    {"negative-slope", "0.1"},
                                    {"v2", "true"}});
  m = std::dynamic_pointer_cast<GATNodeClassifier>(entry.create(p, dims, gen, dgen));
  BOOST_REQUIRE(m);
  BOOST_CHECK_EQUAL(m->convs.size(), 3u);
  BOOST_CHECK_EQUAL(m->convs[2]->options.heads, 3);
  BOOST_CHECK_EQUAL(m->convs[1]->options.in_features, 8);
  BOOST_CHECK(m->convs[0]->options.v2);
  BOOST_CHECK_CLOSE(m->convs[0]->options.negative_slope, 0.1f, 1e-4);
  // Bad values and names are HyperparamErrors naming the parameter; bad data dims are caught by
  // the constructor.
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"heads", "0"}, {"dropout", "1.5"}, {"layers", "two"}, {"pooling", "mean"}}) {
    try {
      Hyperparams bad(entry.hyperparams, {{name, value}});
      BOOST_ERROR("no error for " << name << "=" << value);
    } catch (const HyperparamError& err) {
      attend::test::check_mentions(err.what(), {name});
    }
  }
  BOOST_CHECK_THROW(entry.create(Hyperparams(entry.hyperparams, {}), ModelDims{}, gen, dgen),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(pool_values) {
  // Graph 0: nodes 0-1; graph 1: no nodes; graph 2: nodes 2-4.  h [5, 2]
  Tensor h = from_vector({1, -2, 3, 4, 0, 1, -1, 5, 2, -3}, {5, 2});
  Tensor ng = from_indices({0, 0, 2, 2, 2}, {5});
  check_close(global_mean_pool(h, ng, 3), from_vector({2, 1, 0, 0, 1.0f / 3, 1}, {3, 2}));
  check_close(global_max_pool(h, ng, 3), from_vector({3, 4, 0, 0, 2, 5}, {3, 2}), 0.0f, 0.0f);
  // Equal gates: attention pooling is the sum weighted 1/n, i.e. the mean.
  check_close(global_attention_pool(h, zeros({5, 1}), ng, 3), global_mean_pool(h, ng, 3));
  // A much larger gate on node 3 picks it out of graph 2.
  Tensor gate = from_vector({0, 0, 0, 30, 0}, {5, 1});
  check_close(global_attention_pool(h, gate, ng, 3), from_vector({2, 1, 0, 0, -1, 5}, {3, 2}),
              1e-4f);
  // Node ids not ascending, out of range, or a size mismatch: ShapeError naming the op.
  attend::test::check_mentions(attend::test::shape_error_message([&] {
                                 global_max_pool(h, from_indices({0, 2, 0, 2, 2}, {5}), 3);
                               }),
                               {"global_max_pool", "node_graph[2]"});
  attend::test::check_mentions(
      attend::test::shape_error_message([&] { global_mean_pool(h, ng, 2); }),
      {"global_mean_pool", "[0, 2)"});
  attend::test::check_mentions(attend::test::shape_error_message([&] {
                                 global_attention_pool(h, zeros({4, 1}), ng, 3);
                               }),
                               {"global_attention_pool", "gate"});
}

BOOST_AUTO_TEST_CASE(pool_gradcheck) {
  // Distinct values 0.1 apart in every column so the max has no near ties.
  Tensor h = Tensor::empty({6, 3});
  const std::vector<int64_t> order = {4, 0, 5, 2, 1, 3, 2, 5, 0, 3, 4, 1, 1, 3, 5, 0, 2, 4};
  for (int64_t i = 0; i < 18; ++i) h.data()[i] = 0.1f * static_cast<float>(order[i]) - 0.3f;
  h.requires_grad_();
  Tensor gate = attend::test::param({6, 1}, 3);
  Tensor ng = from_indices({0, 0, 0, 2, 2, 2}, {6});
  using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
  auto check = [](const Fn& f, const std::vector<Tensor>& in, const GradcheckOptions& opt) {
    GradcheckResult r = gradcheck(f, in, opt);
    BOOST_CHECK_MESSAGE(r.ok, r.message);
  };
  check([&](const auto& in) { return global_mean_pool(in[0], ng, 3); }, {h}, {});
  check([&](const auto& in) { return global_max_pool(in[0], ng, 3); }, {h}, {.eps = 1e-3});
  check([&](const auto& in) { return global_attention_pool(in[0], in[1], ng, 3); }, {h, gate}, {});
}

BOOST_AUTO_TEST_CASE(graph_classifier_shapes_and_parameters) {
  std::vector<Small> gs = {small_graph(5, 4, 1), small_graph(3, 4, 2), small_graph(6, 4, 3)};
  GraphBatch b = pack(gs);
  Generator gen(1);
  for (const std::string pooling : {"mean", "max", "attention"})
    for (bool input_linear : {false, true}) {
      GATGraphOptions o;  // defaults: 3 layers, 4 heads x 32
      o.num_features = 4;
      o.num_classes = 5;
      o.pooling = parse_pooling_kind(pooling);
      o.input_linear = input_linear;
      GATGraphClassifier m(o, gen, nullptr);
      BOOST_CHECK(m.forward(b).shape() == (Shape{3, 5}));
      BOOST_CHECK(m.embed(b).shape() == (Shape{3, 128}));
      auto sd = m.state_dict();
      BOOST_CHECK(sd.at("conv1.lin.weight").shape() == (Shape{128, input_linear ? 128 : 4}));
      BOOST_CHECK(sd.at("conv3.lin.weight").shape() == (Shape{128, 128}));
      BOOST_CHECK_EQUAL(sd.count("conv4.lin.weight"), 0u);
      BOOST_CHECK_EQUAL(sd.count("input.weight"), input_linear ? 1u : 0u);
      BOOST_CHECK_EQUAL(sd.count("gate.weight"), pooling == "attention" ? 1u : 0u);
      BOOST_CHECK(sd.at("head1.weight").shape() == (Shape{128, 128}));
      BOOST_CHECK(sd.at("head2.weight").shape() == (Shape{5, 128}));
    }
}

BOOST_AUTO_TEST_CASE(graph_classifier_gradcheck) {
  std::vector<Small> gs = {small_graph(4, 4, 11), small_graph(3, 4, 12)};
  GraphBatch b = pack(gs);
  for (const std::string pooling : {"mean", "max", "attention"}) {
    Generator gen(21);
    GATGraphOptions o = small_graph_options(pooling);
    o.input_linear = pooling == "mean";
    o.v2 = pooling == "attention";
    GATGraphClassifier m(o, gen, nullptr);
    BOOST_TEST_MESSAGE("pooling " << pooling);
    // Finite differences are wrong across the head's ReLU kink: keep its inputs clear of 0.
    Tensor z = m.head1->forward(m.embed(b));
    for (int64_t i = 0; i < z.numel(); ++i) BOOST_REQUIRE_GT(std::fabs(z.data()[i]), 0.01f);
    // The max switches nodes at ties: a smaller step keeps the perturbation clear of them.
    GradcheckOptions opt;
    opt.eps = 1e-3;
    const int64_t n = attend::test::check_parameter_gradients(
        m, [&] { return m.forward(b); }, opt);
    BOOST_CHECK_EQUAL(n, m.num_parameters());
  }
}

BOOST_AUTO_TEST_CASE(pooling_is_permutation_invariant_and_per_graph) {
  std::vector<Small> gs = {small_graph(5, 4, 31), small_graph(4, 4, 32), small_graph(6, 4, 33)};
  for (const std::string pooling : {"mean", "max", "attention"}) {
    BOOST_TEST_MESSAGE("pooling " << pooling);
    Generator gen(40);
    GATGraphClassifier m(small_graph_options(pooling), gen, nullptr);
    Tensor all = m.forward(pack(gs));  // [3, C]
    // Renumbering the nodes of every graph (and reordering its edges) changes nothing.
    std::vector<Small> perm = {permuted(gs[0], {3, 0, 4, 1, 2}), permuted(gs[1], {2, 3, 1, 0}),
                               permuted(gs[2], {5, 4, 3, 2, 1, 0})};
    check_close(m.forward(pack(perm)), all, 1e-5f, 1e-4f);
    // Each graph alone gives its own row; so does a batch in another order.
    for (int64_t k = 0; k < 3; ++k) check_close(m.forward(pack({gs[k]})), row(all, k), 1e-5f);
    Tensor reversed = m.forward(pack({gs[2], gs[1], gs[0]}));
    for (int64_t k = 0; k < 3; ++k) check_close(row(reversed, 2 - k), row(all, k), 1e-5f);
    // Changing one graph's features leaves the others' outputs unchanged, and changes its own.
    std::vector<Small> changed = gs;
    Generator cg(50);
    changed[1].x = randn({4, 4}, cg);
    Tensor c = m.forward(pack(changed));
    check_close(row(c, 0), row(all, 0), 1e-5f);
    check_close(row(c, 2), row(all, 2), 1e-5f);
    BOOST_CHECK_GT(std::fabs(c.at({1, 0}) - all.at({1, 0})), 1e-4);
  }
}

BOOST_AUTO_TEST_CASE(graph_classifier_dropout_only_in_training) {
  GraphBatch b = pack({small_graph(5, 4, 61), small_graph(4, 4, 62)});
  Generator g1(6), g2(6);
  GATGraphClassifier m(small_graph_options("attention", 0.5f), g1, std::make_shared<Generator>(7));
  GATGraphClassifier plain(small_graph_options("attention"), g2, nullptr);
  BOOST_REQUIRE(m.head_dropout && !plain.head_dropout);
  m.eval();
  Tensor a = m.forward(b);
  check_close(a, plain.forward(b), 0.0f, 0.0f);
  m.train();
  Tensor t1 = m.forward(b), t2 = m.forward(b);
  double d1 = 0, d12 = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    d1 += std::fabs(t1.data()[i] - a.data()[i]);
    d12 += std::fabs(t1.data()[i] - t2.data()[i]);
  }
  BOOST_CHECK_GT(d1, 1e-4);
  BOOST_CHECK_GT(d12, 1e-4);
}

BOOST_AUTO_TEST_CASE(graph_classifier_options_and_entry) {
  Generator gen(1);
  // A pooling name is parsed once, from the hyperparameter, into the options' enum.
  try {
    GATGraphClassifier m(small_graph_options("sum"), gen, nullptr);
    BOOST_ERROR("no error for pooling 'sum'");
  } catch (const std::invalid_argument& e) {
    attend::test::check_mentions(e.what(), {"GATGraphClassifier", "pooling", "sum"});
  }
  GATGraphOptions o = small_graph_options("mean");
  o.layers = 0;
  BOOST_CHECK_THROW(GATGraphClassifier(o, gen, nullptr), std::invalid_argument);
  o = small_graph_options("mean", 0.2f);
  BOOST_CHECK_THROW(GATGraphClassifier(o, gen, nullptr), std::invalid_argument);  // no generator

  const ModelEntry entry = gat_graph_model_entry();
  BOOST_CHECK_EQUAL(entry.name, "gat-graph");
  BOOST_CHECK(entry.task == TaskKind::kGraphClassification);
  for (const auto& spec : entry.hyperparams) BOOST_CHECK_MESSAGE(!spec.help.empty(), spec.name);
  ModelDims dims;
  dims.num_features = 4;
  dims.num_classes = 2;
  auto dgen = std::make_shared<Generator>(2);
  auto m = std::dynamic_pointer_cast<GATGraphClassifier>(
      entry.create(Hyperparams(entry.hyperparams, {}), dims, gen, dgen));
  BOOST_REQUIRE(m);
  BOOST_CHECK_EQUAL(m->options.layers, 3);
  BOOST_CHECK_EQUAL(m->options.hidden, 32);
  BOOST_CHECK_EQUAL(m->options.heads, 4);
  BOOST_CHECK_EQUAL(m->options.dropout, 0.0f);
  BOOST_CHECK_EQUAL(to_string(m->options.pooling), "mean");
  BOOST_CHECK(!m->options.input_linear);
  Hyperparams p(entry.hyperparams, {{"pooling", "attention"},
                                    {"layers", "2"},
                                    {"hidden", "5"},
                                    {"heads", "3"},
                                    {"dropout", "0.3"},
                                    {"input-linear", "true"},
                                    {"v2", "true"}});
  m = std::dynamic_pointer_cast<GATGraphClassifier>(entry.create(p, dims, gen, dgen));
  BOOST_REQUIRE(m && m->gate && m->input && m->head_dropout);
  BOOST_CHECK_EQUAL(m->convs.size(), 2u);
  BOOST_CHECK_EQUAL(m->convs[0]->options.in_features, 15);
  BOOST_CHECK(m->convs[1]->options.v2);
  m->eval();
  BOOST_CHECK(m->forward(pack({small_graph(4, 4, 1)})).shape() == (Shape{1, 2}));
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"pooling", "sum"}, {"heads", "0"}, {"out-heads", "1"}}) {
    try {
      Hyperparams bad(entry.hyperparams, {{name, value}});
      BOOST_ERROR("no error for " << name << "=" << value);
    } catch (const HyperparamError& err) {
      attend::test::check_mentions(err.what(), {name});
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
