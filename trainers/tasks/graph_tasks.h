// Training tasks for graph models (trainers/task.h):
//   NodeClassificationTask   one graph, full batch (one step per epoch), the loss over the
//                            training nodes, as in the GAT paper's transductive setting
//   GraphClassificationTask  many small graphs, shuffled mini-batches packed into a GraphBatch
// Both report "loss" (mean cross-entropy), "accuracy" and "macro_f1" (0-1) on a split; an empty
// split gives NaN for all three.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "datasets/bundled_graphs.h"
#include "datasets/graph.h"
#include "models/graph_model.h"
#include "trainers/task.h"

namespace attend {

// Each row divided by its sum; rows summing to zero stay zero (pyGAT's / PyG's NormalizeFeatures,
// applied to Cora's binary bag of words before the GAT paper's runs). [N, F] -> [N, F].
Tensor row_normalize(const Tensor& features);

struct NodeTaskOptions {
  bool normalize_features = true;  // row_normalize the features once, before training
};

class NodeClassificationTask : public TrainingTask {
 public:
  // data needs a train_mask with at least one node; every node of a mask needs a label in
  // [0, data.num_classes()). Throws std::invalid_argument otherwise.
  NodeClassificationTask(std::shared_ptr<NodeClassifier> model, GraphData data,
                         NodeTaskOptions options = {});

  Module& model() override { return *model_; }
  std::string unit() const override { return "nodes"; }
  int64_t plan_epoch(int64_t, Generator&) override { return 1; }
  // Cross-entropy over the training nodes of one full-graph forward pass; units = their number.
  Tensor batch_loss(int64_t i, int64_t& units) override;
  // Each rank runs the whole graph and takes the loss over its share of the training nodes: the
  // same steps as one process, but no faster (the forward pass is the whole graph on each).
  void distribute(Communicator& comm) override;
  // On the val_mask / test_mask nodes.
  std::map<std::string, double> evaluate(EvalSplit split) override;
  std::string default_metric() const override { return "accuracy"; }
  std::vector<std::string> metric_names() const override {
    return {"loss", "accuracy", "macro_f1"};
  }

  // The same metrics on any nodes (the training nodes, say).
  std::map<std::string, double> evaluate_nodes(const std::vector<int64_t>& nodes);
  // The argmax class of every node [N], in eval mode without gradients (`attend predict`).
  std::vector<int64_t> predict();
  // Logits [N, C] in eval mode without gradients.
  Tensor logits();

  const GraphData& data() const { return data_; }  // features as the model sees them
  const std::vector<int64_t>& train_nodes() const { return train_; }

 private:
  std::shared_ptr<NodeClassifier> model_;
  GraphData data_;
  std::vector<int64_t> labels_;  // [N], -1 for unlabelled nodes
  std::vector<int64_t> train_, valid_, test_;
  Tensor train_index_, train_target_;  // [T] node ids and their labels (this rank's share)
  int64_t train_share_ = 0;            // T
};

// Packs graphs[indices[0]], graphs[indices[1]], ... into one disjoint graph: their features
// stacked in this order, node ids of graph k offset by the nodes of graphs 0..k-1, node_graph
// holding k for each node of graph k. Throws std::invalid_argument on an index out of range or
// graphs with different feature widths.
GraphBatch pack_graphs(const std::vector<SmallGraph>& graphs, const std::vector<int64_t>& indices);
// Their labels as an index tensor [G].
Tensor graph_labels(const std::vector<SmallGraph>& graphs, const std::vector<int64_t>& indices);

struct GraphTaskOptions {
  int64_t batch_size = 32;
  int64_t eval_batch_size = 256;
};

class GraphClassificationTask : public TrainingTask {
 public:
  // Throws std::invalid_argument when the training split is empty or a batch size is < 1.
  GraphClassificationTask(std::shared_ptr<GraphClassifier> model, GraphClassificationDataset data,
                          GraphTaskOptions options = {});

  Module& model() override { return *model_; }
  std::string unit() const override { return "graphs"; }
  // Shuffles the training graphs with `shuffle` and cuts them into batches of batch_size.
  int64_t plan_epoch(int64_t epoch, Generator& shuffle) override;
  // Mean cross-entropy over the graphs of batch i; units = their number.
  Tensor batch_loss(int64_t i, int64_t& units) override;
  void distribute(Communicator& comm) override;
  // On split.valid / split.test.
  std::map<std::string, double> evaluate(EvalSplit split) override;
  std::string default_metric() const override { return "accuracy"; }
  std::vector<std::string> metric_names() const override {
    return {"loss", "accuracy", "macro_f1"};
  }

  // The same metrics on any graphs of the dataset (positions in data().graphs).
  std::map<std::string, double> evaluate_graphs(const std::vector<int64_t>& indices);
  // The argmax class of each of these graphs, in eval mode without gradients.
  std::vector<int64_t> predict(const std::vector<int64_t>& indices);

  const GraphClassificationDataset& data() const { return data_; }
  const std::vector<std::vector<int64_t>>& plan() const { return plan_; }

 private:
  std::shared_ptr<GraphClassifier> model_;
  GraphClassificationDataset data_;
  GraphTaskOptions options_;
  std::vector<std::vector<int64_t>> plan_;
  Communicator* comm_ = &single_process();
};

}  // namespace attend
