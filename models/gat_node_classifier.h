// The transductive GAT of Velickovic et al. 2018 (section 3.3, Cora/Citeseer), as in pyGAT and
// PyG's examples/gat.py:
//   x -> dropout -> GATLayer(heads x hidden, concat) -> ELU        (layers - 1 hidden layers)
//     -> dropout -> GATLayer(out_heads x classes, mean over heads)  -> logits [N, C]
// Every layer drops its input features and its attention coefficients with the same p (0.6 in
// the paper), through GATLayer's input_dropout and dropout options. Self loops are added by the
// layers. Hyperparameters and their defaults are listed in gat_node_model_entry().
//   N = nodes, E = edges, F = input features, C = classes
#pragma once
#include <memory>
#include <vector>

#include "layers/gat.h"
#include "models/graph_model.h"

namespace attend {

struct GATNodeOptions {
  int64_t num_features = 0, num_classes = 0;
  int64_t layers = 2;          // GAT layers in all: layers - 1 hidden ones, then the output layer
  int64_t hidden = 8;          // features per head in each hidden layer
  int64_t heads = 8;           // heads of each hidden layer (concatenated: heads * hidden wide)
  int64_t out_heads = 1;       // heads of the output layer (averaged; 8 in the paper for Pubmed)
  float dropout = 0.6f;        // on each layer's input and on its attention coefficients
  float value_dropout = 0.0f;  // on each head's projected features before aggregation
  float negative_slope = 0.2f;
  bool v2 = false;  // GATv2 scoring (Brody et al. 2022)
};

class GATNodeClassifier : public NodeClassifier {
 public:
  // gen initialises the parameters; dropout_gen draws the dropout masks (needed when dropout > 0).
  // Throws std::invalid_argument naming the option at fault.
  GATNodeClassifier(const GATNodeOptions& options, Generator& gen,
                    std::shared_ptr<Generator> dropout_gen);

  // features [N, F], edge_src/edge_dst [E] -> logits [N, C]
  Tensor forward(const Tensor& features, const Tensor& edge_src, const Tensor& edge_dst) override;
  // The same, also returning each layer's attention coefficients and edge list (study tools).
  Tensor forward_with_attention(const Tensor& features, const Tensor& edge_src,
                                const Tensor& edge_dst, std::vector<GATLayer::Output>& per_layer);

  std::string type_name() const override { return "GATNodeClassifier"; }

  GATNodeOptions options;
  std::vector<std::shared_ptr<GATLayer>> convs;  // registered as conv1, conv2, ... (PyG's names)
};

}  // namespace attend
