#include "trainers/tasks/graph_tasks.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "datasets/split.h"
#include "trainers/tasks/metrics.h"

namespace attend {
namespace {

// Argmax of each row of logits [n, C].
std::vector<int64_t> argmax_rows(const Tensor& logits) {
  Tensor a = argmax(logits, 1);
  std::vector<int64_t> out(static_cast<size_t>(a.numel()));
  for (int64_t i = 0; i < a.numel(); ++i) out[static_cast<size_t>(i)] = std::llround(a.data()[i]);
  return out;
}

// loss / accuracy / macro_f1 from the summed cross-entropy and the predictions; NaN when empty.
std::map<std::string, double> classification_metrics(double loss_sum,
                                                     const std::vector<int64_t>& predicted,
                                                     const std::vector<int64_t>& truth) {
  if (truth.empty())
    return {{"loss", std::nan("")}, {"accuracy", std::nan("")}, {"macro_f1", std::nan("")}};
  return {{"loss", loss_sum / static_cast<double>(truth.size())},
          {"accuracy", accuracy(predicted, truth)},
          {"macro_f1", macro_f1(predicted, truth)}};
}

Tensor index_tensor(const std::vector<int64_t>& ids) {
  return from_indices(ids, {static_cast<int64_t>(ids.size())});
}

}  // namespace

Tensor row_normalize(const Tensor& features) {
  if (!features.defined() || features.ndim() != 2)
    throw ShapeError("row_normalize: expected features [N, F], got " +
                     (features.defined() ? features.shape().str() : std::string("undefined")));
  const int64_t N = features.size(0), F = features.size(1);
  Tensor out = features.detach().clone();
  float* p = out.data();
  for (int64_t i = 0; i < N; ++i) {
    double s = 0;
    for (int64_t j = 0; j < F; ++j) s += p[i * F + j];
    if (s == 0) continue;  // an empty row stays zero (pyGAT: 1/0 -> inf -> set to 0)
    const auto inv = static_cast<float>(1.0 / s);
    for (int64_t j = 0; j < F; ++j) p[i * F + j] *= inv;
  }
  return out;
}

// --- node classification ------------------------------------------------------------------------

NodeClassificationTask::NodeClassificationTask(std::shared_ptr<NodeClassifier> model,
                                               GraphData data, NodeTaskOptions options)
    : model_(std::move(model)), data_(std::move(data)) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("NodeClassificationTask: " + what);
  };
  require(model_ != nullptr, "no model");
  require(data_.features.defined() && data_.features.ndim() == 2,
          "the graph has no features [N, F]");
  const int64_t N = data_.num_nodes();
  require(data_.labels.defined() && data_.labels.numel() == N,
          "the graph needs labels [" + std::to_string(N) + "]");
  require(data_.train_mask.defined(), "the graph has no train_mask (load it with a split)");
  if (options.normalize_features) data_.features = row_normalize(data_.features);

  labels_.resize(static_cast<size_t>(N));
  for (int64_t i = 0; i < N; ++i)
    labels_[static_cast<size_t>(i)] = std::llround(data_.labels.data()[i]);
  auto nodes_of = [&](const Tensor& mask, const char* name) {
    if (!mask.defined()) return std::vector<int64_t>{};
    require(mask.numel() == N, std::string(name) + " has " + std::to_string(mask.numel()) +
                                   " entries for " + std::to_string(N) + " nodes");
    std::vector<int64_t> nodes = mask_indices(mask);
    const int64_t C = data_.num_classes();
    for (int64_t i : nodes) {
      const int64_t y = labels_[static_cast<size_t>(i)];
      require(y >= 0 && (C == 0 || y < C), std::string(name) + " node " + std::to_string(i) +
                                               " has label " + std::to_string(y) + ", not in [0, " +
                                               std::to_string(C) + ")");
    }
    return nodes;
  };
  train_ = nodes_of(data_.train_mask, "train_mask");
  valid_ = nodes_of(data_.val_mask, "val_mask");
  test_ = nodes_of(data_.test_mask, "test_mask");
  require(!train_.empty(), "train_mask selects no node");
  distribute(single_process());
}

void NodeClassificationTask::distribute(Communicator& comm) {
  const Share share = share_of(train_.size(), comm);
  const std::vector<int64_t> nodes(train_.begin() + static_cast<int64_t>(share.begin),
                                   train_.begin() + static_cast<int64_t>(share.end));
  std::vector<int64_t> y;
  for (int64_t i : nodes) y.push_back(labels_[static_cast<size_t>(i)]);
  train_share_ = static_cast<int64_t>(nodes.size());
  train_index_ = index_tensor(nodes);
  train_target_ = index_tensor(y);
}

Tensor NodeClassificationTask::batch_loss(int64_t, int64_t& units) {
  units = train_share_;
  if (units == 0) return Tensor();
  Tensor logits = model_->forward(data_.features, data_.edge_src, data_.edge_dst);  // [N, C]
  return cross_entropy(index_select(logits, 0, train_index_), train_target_);       // over [T, C]
}

Tensor NodeClassificationTask::logits() {
  EvalModeGuard scope(*model_);
  NoGradGuard no_grad;
  return model_->forward(data_.features, data_.edge_src, data_.edge_dst);
}

std::map<std::string, double> NodeClassificationTask::evaluate_nodes(
    const std::vector<int64_t>& nodes) {
  if (nodes.empty()) return classification_metrics(0, {}, {});
  Tensor all = logits();  // [N, C]
  NoGradGuard no_grad;
  std::vector<int64_t> truth;
  for (int64_t i : nodes) {
    if (i < 0 || i >= data_.num_nodes())
      throw std::invalid_argument("NodeClassificationTask: node " + std::to_string(i) +
                                  " out of range");
    truth.push_back(labels_[static_cast<size_t>(i)]);
  }
  Tensor sel = index_select(all, 0, index_tensor(nodes));  // [n, C]
  const double loss = cross_entropy(sel, index_tensor(truth), -100, 0.0f, Reduction::kSum).item();
  return classification_metrics(loss, argmax_rows(sel), truth);
}

std::map<std::string, double> NodeClassificationTask::evaluate(EvalSplit split) {
  return evaluate_nodes(split == EvalSplit::kValid ? valid_ : test_);
}

std::vector<int64_t> NodeClassificationTask::predict() {
  return argmax_rows(logits());
}

// --- graph classification -----------------------------------------------------------------------

GraphBatch pack_graphs(const std::vector<SmallGraph>& graphs, const std::vector<int64_t>& indices) {
  GraphBatch b;
  b.num_graphs = static_cast<int64_t>(indices.size());
  int64_t N = 0, E = 0, F = -1;
  for (int64_t k : indices) {
    if (k < 0 || k >= static_cast<int64_t>(graphs.size()))
      throw std::invalid_argument("pack_graphs: graph " + std::to_string(k) + " out of range [0, " +
                                  std::to_string(graphs.size()) + ")");
    const SmallGraph& g = graphs[static_cast<size_t>(k)];
    if (!g.features.defined() || g.features.ndim() != 2 || (F >= 0 && g.features.size(1) != F))
      throw std::invalid_argument(
          "pack_graphs: graph " + std::to_string(k) + " has features " +
          (g.features.defined() ? g.features.shape().str() : std::string("undefined")) +
          (F >= 0 ? ", expected [n, " + std::to_string(F) + "]" : std::string()));
    F = g.features.size(1);
    N += g.num_nodes();
    E += g.num_edges();
  }
  b.features = Tensor::empty({N, std::max<int64_t>(F, 0)});
  b.edge_src = Tensor::empty({E});
  b.edge_dst = Tensor::empty({E});
  b.node_graph = Tensor::empty({N});
  int64_t node = 0, edge = 0;
  for (size_t k = 0; k < indices.size(); ++k) {
    const SmallGraph& g = graphs[static_cast<size_t>(indices[k])];
    const int64_t n = g.num_nodes(), e = g.num_edges();
    std::copy_n(g.features.data(), n * F, b.features.data() + node * F);
    const auto offset = static_cast<float>(node);
    for (int64_t j = 0; j < e; ++j) {
      b.edge_src.data()[edge + j] = g.edge_src.data()[j] + offset;
      b.edge_dst.data()[edge + j] = g.edge_dst.data()[j] + offset;
    }
    std::fill_n(b.node_graph.data() + node, n, static_cast<float>(k));
    node += n;
    edge += e;
  }
  return b;
}

Tensor graph_labels(const std::vector<SmallGraph>& graphs, const std::vector<int64_t>& indices) {
  std::vector<int64_t> y;
  for (int64_t k : indices) {
    if (k < 0 || k >= static_cast<int64_t>(graphs.size()))
      throw std::invalid_argument("graph_labels: graph " + std::to_string(k) + " out of range");
    y.push_back(graphs[static_cast<size_t>(k)].label);
  }
  return index_tensor(y);
}

GraphClassificationTask::GraphClassificationTask(std::shared_ptr<GraphClassifier> model,
                                                 GraphClassificationDataset data,
                                                 GraphTaskOptions options)
    : model_(std::move(model)), data_(std::move(data)), options_(options) {
  if (!model_) throw std::invalid_argument("GraphClassificationTask: no model");
  if (options_.batch_size < 1 || options_.eval_batch_size < 1)
    throw std::invalid_argument("GraphClassificationTask: batch sizes must be >= 1, got " +
                                std::to_string(options_.batch_size) + " and " +
                                std::to_string(options_.eval_batch_size));
  if (data_.split.train.empty())
    throw std::invalid_argument("GraphClassificationTask: the training split has no graph");
}

int64_t GraphClassificationTask::plan_epoch(int64_t, Generator& gen) {
  std::vector<int64_t> order = data_.split.train;
  shuffle(order, gen);
  plan_.clear();
  const auto bs = static_cast<size_t>(options_.batch_size);
  for (size_t start = 0; start < order.size(); start += bs)
    plan_.emplace_back(
        order.begin() + static_cast<std::ptrdiff_t>(start),
        order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), start + bs)));
  return static_cast<int64_t>(plan_.size());
}

void GraphClassificationTask::distribute(Communicator& comm) {
  if (options_.batch_size % comm.size() != 0)
    throw std::invalid_argument("GraphClassificationTask: batch size " +
                                std::to_string(options_.batch_size) + " does not divide among " +
                                std::to_string(comm.size()) + " ranks");
  comm_ = &comm;
}

Tensor GraphClassificationTask::batch_loss(int64_t i, int64_t& units) {
  const std::vector<int64_t>& batch = plan_.at(static_cast<size_t>(i));
  const Share share = share_of(batch.size(), *comm_);
  const std::vector<int64_t> ids(batch.begin() + static_cast<int64_t>(share.begin),
                                 batch.begin() + static_cast<int64_t>(share.end));
  units = static_cast<int64_t>(ids.size());
  if (units == 0) return Tensor();
  Tensor logits = model_->forward(pack_graphs(data_.graphs, ids));  // [G, C]
  return cross_entropy(logits, graph_labels(data_.graphs, ids));
}

std::map<std::string, double> GraphClassificationTask::evaluate_graphs(
    const std::vector<int64_t>& indices) {
  EvalModeGuard scope(*model_);
  NoGradGuard no_grad;
  // Each rank scores its share of the graphs; every rank gets the metrics of all.
  const Share share = share_of(indices.size(), *comm_);
  double loss = 0;
  std::vector<int64_t> predicted, truth;
  const auto bs = static_cast<size_t>(options_.eval_batch_size);
  for (size_t start = share.begin; start < share.end; start += bs) {
    std::vector<int64_t> ids(
        indices.begin() + static_cast<std::ptrdiff_t>(start),
        indices.begin() + static_cast<std::ptrdiff_t>(std::min(share.end, start + bs)));
    Tensor logits = model_->forward(pack_graphs(data_.graphs, ids));  // [G, C]
    Tensor y = graph_labels(data_.graphs, ids);
    loss += cross_entropy(logits, y, -100, 0.0f, Reduction::kSum).item();
    for (int64_t p : argmax_rows(logits)) predicted.push_back(p);
  }
  for (int64_t k : indices) truth.push_back(data_.graphs.at(static_cast<size_t>(k)).label);
  const double local[] = {loss};
  return classification_metrics(comm_->sum(local)[0], gather_all(*comm_, predicted), truth);
}

std::map<std::string, double> GraphClassificationTask::evaluate(EvalSplit split) {
  return evaluate_graphs(split == EvalSplit::kValid ? data_.split.valid : data_.split.test);
}

std::vector<int64_t> GraphClassificationTask::predict(const std::vector<int64_t>& indices) {
  EvalModeGuard scope(*model_);
  NoGradGuard no_grad;
  std::vector<int64_t> out;
  const auto bs = static_cast<size_t>(options_.eval_batch_size);
  for (size_t start = 0; start < indices.size(); start += bs) {
    std::vector<int64_t> ids(
        indices.begin() + static_cast<std::ptrdiff_t>(start),
        indices.begin() + static_cast<std::ptrdiff_t>(std::min(indices.size(), start + bs)));
    for (int64_t p : argmax_rows(model_->forward(pack_graphs(data_.graphs, ids)))) out.push_back(p);
  }
  return out;
}

}  // namespace attend
