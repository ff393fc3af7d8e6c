#include "models/gat_node_classifier.h"

#include <stdexcept>
#include <string>

#include "models/registry.h"

namespace attend {

GATNodeClassifier::GATNodeClassifier(const GATNodeOptions& o, Generator& gen,
                                     std::shared_ptr<Generator> dropout_gen)
    : options(o) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("GATNodeClassifier: " + what);
  };
  require(o.num_features >= 1, "num_features must be >= 1, got " + std::to_string(o.num_features));
  require(o.num_classes >= 1, "num_classes must be >= 1, got " + std::to_string(o.num_classes));
  require(o.layers >= 1, "layers must be >= 1, got " + std::to_string(o.layers));
  require(o.hidden >= 1 && o.heads >= 1 && o.out_heads >= 1,
          "hidden, heads and out_heads must be >= 1, got " + std::to_string(o.hidden) + ", " +
              std::to_string(o.heads) + ", " + std::to_string(o.out_heads));
  require(o.dropout >= 0.0f && o.dropout < 1.0f,
          "dropout must be in [0, 1), got " + std::to_string(o.dropout));
  require(o.value_dropout >= 0.0f && o.value_dropout < 1.0f,
          "value_dropout must be in [0, 1), got " + std::to_string(o.value_dropout));
  require((o.dropout == 0.0f && o.value_dropout == 0.0f) || dropout_gen != nullptr,
          "dropout > 0 needs a dropout generator");

  GATOptions g;
  g.negative_slope = o.negative_slope;
  g.dropout = o.dropout;
  g.input_dropout = o.dropout;
  g.value_dropout = o.value_dropout;
  g.v2 = o.v2;
  int64_t in = o.num_features;
  for (int64_t l = 0; l < o.layers; ++l) {
    const bool last = l + 1 == o.layers;
    g.in_features = in;
    g.out_features = last ? o.num_classes : o.hidden;
    g.heads = last ? o.out_heads : o.heads;
    g.concat = !last;
    convs.push_back(register_module("conv" + std::to_string(l + 1),
                                    std::make_shared<GATLayer>(g, gen, dropout_gen)));
    in = o.heads * o.hidden;
  }
}

Tensor GATNodeClassifier::forward_with_attention(const Tensor& features, const Tensor& edge_src,
                                                 const Tensor& edge_dst,
                                                 std::vector<GATLayer::Output>& per_layer) {
  per_layer.clear();
  Tensor h = features;  // [N, F]
  for (size_t l = 0; l < convs.size(); ++l) {
    per_layer.push_back(convs[l]->forward_with_attention(h, edge_src, edge_dst));
    h = per_layer.back().output;  // hidden: [N, heads*hidden]; last: [N, C]
    if (l + 1 < convs.size()) h = elu(h);
  }
  return h;
}

Tensor GATNodeClassifier::forward(const Tensor& features, const Tensor& edge_src,
                                  const Tensor& edge_dst) {
  Tensor h = features;  // [N, F]
  for (size_t l = 0; l < convs.size(); ++l) {
    h = convs[l]->forward(h, edge_src, edge_dst);  // hidden: [N, heads*hidden]; last: [N, C]
    if (l + 1 < convs.size()) h = elu(h);
  }
  return h;
}

ModelEntry gat_node_model_entry() {
  ModelEntry e;
  e.name = "gat";
  e.description = "Graph attention network for node classification (Velickovic et al. 2018)";
  e.task = TaskKind::kNodeClassification;
  e.hyperparams = {
      int_param("layers", 2, "GAT layers in all (the last one outputs the classes)", 1, 16),
      int_param("hidden", 8, "Features per head in each hidden layer", 1, 4096),
      int_param("heads", 8, "Attention heads of each hidden layer (concatenated)", 1, 64),
      int_param("out-heads", 1, "Attention heads of the output layer (averaged)", 1, 64),
      float_param("dropout", 0.6,
                  "Dropout on every layer's input features and attention coefficients", 0, 0.95),
      float_param("value-dropout", 0,
                  "Dropout on each head's projected features before they are aggregated (the "
                  "released GAT code drops them at the dropout rate)",
                  0, 0.95),
      float_param("negative-slope", 0.2, "Slope of the LeakyReLU in the attention scores", 0, 1),
      bool_param("v2", false, "GATv2 attention scores (Brody et al. 2022)"),
  };
  e.create = [](const Hyperparams& p, const ModelDims& d, Generator& init,
                std::shared_ptr<Generator> dropout) -> std::shared_ptr<Module> {
    GATNodeOptions o;
    o.num_features = d.num_features;
    o.num_classes = d.num_classes;
    o.layers = p.get_int("layers");
    o.hidden = p.get_int("hidden");
    o.heads = p.get_int("heads");
    o.out_heads = p.get_int("out-heads");
    o.dropout = p.get_float("dropout");
    // Absent from checkpoints written before the option.
    o.value_dropout = p.has("value-dropout") ? p.get_float("value-dropout") : 0.0f;
    o.negative_slope = p.get_float("negative-slope");
    o.v2 = p.get_bool("v2");
    return std::make_shared<GATNodeClassifier>(o, init, std::move(dropout));
  };
  return e;
}

}  // namespace attend
