// The interfaces of graph models: node classification on one graph, and classification of whole
// graphs given as a batch of disjoint graphs.
//   N = nodes, E = directed edges (src -> dst, messages flow to dst), F = features, C = classes,
//   G = graphs in a batch
#pragma once
#include "layers/module.h"

namespace attend {

class NodeClassifier : public Module {
 public:
  // features [N, F], edge_src/edge_dst index tensors [E] -> logits [N, C]
  virtual Tensor forward(const Tensor& features, const Tensor& edge_src,
                         const Tensor& edge_dst) = 0;
};

// Several small graphs packed as one disjoint graph: node ids of graph g are contiguous.
struct GraphBatch {
  Tensor features;            // [N, F]
  Tensor edge_src, edge_dst;  // [E], offsets already applied
  Tensor node_graph;          // [N] index tensor: the graph each node belongs to (ascending)
  int64_t num_graphs = 0;
};

class GraphClassifier : public Module {
 public:
  virtual Tensor forward(const GraphBatch& batch) = 0;  // -> logits [G, C]
};

}  // namespace attend
