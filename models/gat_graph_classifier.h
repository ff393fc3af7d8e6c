// Graph classification with graph attention: a batch of small graphs packed as one disjoint graph
// (GraphBatch) goes through
//   [Linear F -> heads*hidden]                                     (optional input projection)
//   layers x { dropout -> GATLayer(heads x hidden, concat) -> ELU }   node states [N, D]
//   pooling per graph: mean | max | attention                       graph states [G, D]
//   Linear(D -> D) -> ReLU -> dropout -> Linear(D -> C)              logits [G, C]
// with D = heads * hidden. Attention pooling is the global attention pooling of Li et al. 2016
// (PyG's GlobalAttention with gate_nn = Linear(D, 1) and no nn): a_i = softmax over the nodes of
// graph g of gate(h_i), r_g = sum_i a_i h_i. Hyperparameters: gat_graph_model_entry().
//   N = nodes in the batch, G = graphs, F = input features, C = classes
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/enum_names.h"
#include "layers/dropout.h"
#include "layers/gat.h"
#include "models/graph_model.h"

namespace attend {

// How node states become a graph state (the "pooling" hyperparameter).
enum class PoolingKind { kMean, kMax, kAttention };
inline constexpr EnumNames<PoolingKind, 3> kPoolingKinds{
    {{{PoolingKind::kMean, "mean"},
      {PoolingKind::kMax, "max"},
      {PoolingKind::kAttention, "attention"}}}};
// An unknown name throws std::invalid_argument naming it and the known ones.
PoolingKind parse_pooling_kind(std::string_view name);
inline const char* to_string(PoolingKind kind) {
  return kPoolingKinds.name(kind);
}

struct GATGraphOptions {
  int64_t num_features = 0, num_classes = 0;
  bool input_linear = false;  // project the features to heads*hidden before the first GAT layer
  int64_t layers = 3;         // GAT layers
  int64_t hidden = 32;        // features per head
  int64_t heads = 4;          // heads of every layer (concatenated)
  float dropout = 0.0f;       // on each GAT layer's input and attention, and in the head
  float negative_slope = 0.2f;
  bool v2 = false;
  PoolingKind pooling = PoolingKind::kMean;
};

class GATGraphClassifier : public GraphClassifier {
 public:
  // Throws std::invalid_argument naming the option at fault.
  GATGraphClassifier(const GATGraphOptions& options, Generator& gen,
                     std::shared_ptr<Generator> dropout_gen);

  Tensor forward(const GraphBatch& batch) override;  // -> logits [G, C]
  // The pooled graph states [G, D] (what the MLP head classifies).
  Tensor embed(const GraphBatch& batch);

  std::string type_name() const override { return "GATGraphClassifier"; }

  GATGraphOptions options;
  std::shared_ptr<Linear> input;                 // input_linear only: [D, F]
  std::vector<std::shared_ptr<GATLayer>> convs;  // conv1, conv2, ...
  std::shared_ptr<Linear> gate;                  // attention pooling only: [1, D]
  std::shared_ptr<Linear> head1, head2;          // [D, D], [C, D]
  std::shared_ptr<Dropout> head_dropout;         // dropout > 0 only
};

// Pooling of node states h [N, D] into graph states [G, D], where node_graph [N] (an index tensor,
// ascending) gives each node's graph in [0, num_graphs). A graph without nodes pools to zeros.
// Each graph's result depends only on its own nodes and not on their order.
Tensor global_mean_pool(const Tensor& h, const Tensor& node_graph, int64_t num_graphs);
// Element-wise maximum over each graph's nodes (their rows are contiguous because node_graph is
// ascending): the gradient goes to the first maximal node, as max(dim).
Tensor global_max_pool(const Tensor& h, const Tensor& node_graph, int64_t num_graphs);
// sum_i softmax_g(gate)_i * h_i for gate scores [N, 1] or [N].
Tensor global_attention_pool(const Tensor& h, const Tensor& gate, const Tensor& node_graph,
                             int64_t num_graphs);

}  // namespace attend
