#include "models/gat_graph_classifier.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

#include "models/registry.h"

namespace attend {
namespace {

// Nodes per graph from node_graph [N]; checks that it is 1-D, ascending, in [0, num_graphs), and
// matches h's rows.
std::vector<int64_t> graph_sizes(const Tensor& h, const Tensor& node_graph, int64_t num_graphs,
                                 const char* op) {
  if (!h.defined() || h.ndim() != 2 || !node_graph.defined() || node_graph.ndim() != 1 ||
      node_graph.numel() != h.size(0))
    throw ShapeError(std::string(op) + ": expected h [N, D] and node_graph [N], got " +
                     (h.defined() ? h.shape().str() : std::string("undefined")) + " and " +
                     (node_graph.defined() ? node_graph.shape().str() : std::string("undefined")));
  if (num_graphs < 0)
    throw ShapeError(std::string(op) + ": num_graphs must be >= 0, got " +
                     std::to_string(num_graphs));
  std::vector<int64_t> sizes(static_cast<size_t>(num_graphs), 0);
  const float* g = node_graph.data();
  for (int64_t i = 0; i < node_graph.numel(); ++i) {
    const auto k = static_cast<int64_t>(g[i]);
    if (static_cast<float>(k) != g[i] || k < 0 || k >= num_graphs || (i > 0 && g[i] < g[i - 1]))
      throw ShapeError(std::string(op) + ": node_graph[" + std::to_string(i) +
                       "] = " + std::to_string(g[i]) + " is not an ascending graph id in [0, " +
                       std::to_string(num_graphs) + ")");
    ++sizes[static_cast<size_t>(k)];
  }
  return sizes;
}

}  // namespace

Tensor global_mean_pool(const Tensor& h, const Tensor& node_graph, int64_t num_graphs) {
  std::vector<int64_t> sizes = graph_sizes(h, node_graph, num_graphs, "global_mean_pool");
  Tensor inv = Tensor::empty({num_graphs, 1});  // 1 / nodes (1 for an empty graph: sum is 0)
  for (int64_t k = 0; k < num_graphs; ++k)
    inv.data()[k] = 1.0f / static_cast<float>(std::max<int64_t>(1, sizes[static_cast<size_t>(k)]));
  Tensor sums = index_add(zeros({num_graphs, h.size(1)}), 0, node_graph, h);  // [G, D]
  return sums * inv;
}

Tensor global_max_pool(const Tensor& h, const Tensor& node_graph, int64_t num_graphs) {
  std::vector<int64_t> sizes = graph_sizes(h, node_graph, num_graphs, "global_max_pool");
  std::vector<Tensor> rows;  // G x [D]
  int64_t start = 0;
  for (int64_t n : sizes) {
    rows.push_back(n > 0 ? max(narrow(h, 0, start, n), 0) : zeros({h.size(1)}));
    start += n;
  }
  if (rows.empty()) return zeros({0, h.size(1)});
  return stack(rows, 0);  // [G, D]
}

Tensor global_attention_pool(const Tensor& h, const Tensor& gate, const Tensor& node_graph,
                             int64_t num_graphs) {
  graph_sizes(h, node_graph, num_graphs, "global_attention_pool");
  const int64_t N = h.size(0);
  if (!gate.defined() || gate.numel() != N || (gate.ndim() == 2 && gate.size(1) != 1) ||
      gate.ndim() > 2)
    throw ShapeError(
        "global_attention_pool: gate must be [N, 1] or [N] with N = " + std::to_string(N) +
        ", got " + (gate.defined() ? gate.shape().str() : std::string("undefined")));
  // Each node is an "edge" into its graph, so edge_softmax normalises over the nodes of a graph.
  Tensor alpha = edge_softmax(reshape(gate, {N, 1}), node_graph, num_graphs);  // [N, 1]
  return index_add(zeros({num_graphs, h.size(1)}), 0, node_graph, alpha * h);  // [G, D]
}

PoolingKind parse_pooling_kind(std::string_view name) {
  if (const std::optional<PoolingKind> kind = kPoolingKinds.find(name)) return *kind;
  throw std::invalid_argument("GATGraphClassifier: pooling must be one of " + kPoolingKinds.list() +
                              ", got '" + std::string(name) + "'");
}

GATGraphClassifier::GATGraphClassifier(const GATGraphOptions& o, Generator& gen,
                                       std::shared_ptr<Generator> dropout_gen)
    : options(o) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("GATGraphClassifier: " + what);
  };
  require(o.num_features >= 1, "num_features must be >= 1, got " + std::to_string(o.num_features));
  require(o.num_classes >= 1, "num_classes must be >= 1, got " + std::to_string(o.num_classes));
  require(o.layers >= 1, "layers must be >= 1, got " + std::to_string(o.layers));
  require(o.hidden >= 1 && o.heads >= 1, "hidden and heads must be >= 1, got " +
                                             std::to_string(o.hidden) + ", " +
                                             std::to_string(o.heads));
  require(o.dropout >= 0.0f && o.dropout < 1.0f,
          "dropout must be in [0, 1), got " + std::to_string(o.dropout));
  require(o.dropout == 0.0f || dropout_gen != nullptr, "dropout > 0 needs a dropout generator");

  const int64_t D = o.heads * o.hidden;
  int64_t in = o.num_features;
  if (o.input_linear) {
    input = register_module("input", std::make_shared<Linear>(in, D, gen));
    in = D;
  }
  GATOptions g;
  g.out_features = o.hidden;
  g.heads = o.heads;
  g.concat = true;
  g.negative_slope = o.negative_slope;
  g.dropout = o.dropout;
  g.input_dropout = o.dropout;
  g.v2 = o.v2;
  for (int64_t l = 0; l < o.layers; ++l) {
    g.in_features = in;
    convs.push_back(register_module("conv" + std::to_string(l + 1),
                                    std::make_shared<GATLayer>(g, gen, dropout_gen)));
    in = D;
  }
  if (o.pooling == PoolingKind::kAttention)
    gate = register_module("gate", std::make_shared<Linear>(D, 1, gen));
  head1 = register_module("head1", std::make_shared<Linear>(D, D, gen));
  if (o.dropout > 0)
    head_dropout =
        register_module("head_dropout", std::make_shared<Dropout>(o.dropout, dropout_gen));
  head2 = register_module("head2", std::make_shared<Linear>(D, o.num_classes, gen));
}

Tensor GATGraphClassifier::embed(const GraphBatch& b) {
  Tensor h = input ? input->forward(b.features) : b.features;                  // [N, D] or [N, F]
  for (auto& conv : convs) h = elu(conv->forward(h, b.edge_src, b.edge_dst));  // [N, D]
  switch (options.pooling) {
    case PoolingKind::kMax:
      return global_max_pool(h, b.node_graph, b.num_graphs);
    case PoolingKind::kAttention:
      return global_attention_pool(h, gate->forward(h), b.node_graph, b.num_graphs);
    case PoolingKind::kMean:
      break;
  }
  return global_mean_pool(h, b.node_graph, b.num_graphs);  // [G, D]
}

Tensor GATGraphClassifier::forward(const GraphBatch& b) {
  Tensor z = relu(head1->forward(embed(b)));  // [G, D]
  if (head_dropout) z = head_dropout->forward(z);
  return head2->forward(z);  // [G, C]
}

ModelEntry gat_graph_model_entry() {
  ModelEntry e;
  e.name = "gat-graph";
  e.description = "Graph attention network with mean, max or attention pooling for graph labels";
  e.task = TaskKind::kGraphClassification;
  e.hyperparams = {
      bool_param("input-linear", false, "Project node features to heads*hidden first"),
      int_param("layers", 3, "GAT layers", 1, 16),
      int_param("hidden", 32, "Features per head", 1, 4096),
      int_param("heads", 4, "Attention heads of each layer (concatenated)", 1, 64),
      float_param("dropout", 0.0, "Dropout on GAT inputs, attention and the classifier head", 0,
                  0.95),
      float_param("negative-slope", 0.2, "Slope of the LeakyReLU in the attention scores", 0, 1),
      bool_param("v2", false, "GATv2 attention scores (Brody et al. 2022)"),
      choice_param("pooling", "mean", "How node states become a graph state",
                   kPoolingKinds.names()),
  };
  e.create = [](const Hyperparams& p, const ModelDims& d, Generator& init,
                std::shared_ptr<Generator> dropout) -> std::shared_ptr<Module> {
    GATGraphOptions o;
    o.num_features = d.num_features;
    o.num_classes = d.num_classes;
    o.input_linear = p.get_bool("input-linear");
    o.layers = p.get_int("layers");
    o.hidden = p.get_int("hidden");
    o.heads = p.get_int("heads");
    o.dropout = p.get_float("dropout");
    o.negative_slope = p.get_float("negative-slope");
    o.v2 = p.get_bool("v2");
    o.pooling = parse_pooling_kind(p.get("pooling"));
    return std::make_shared<GATGraphClassifier>(o, init, std::move(dropout));
  };
  return e;
}

}  // namespace attend
