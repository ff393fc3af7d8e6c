// Graph attention layers over an edge list (see gat.cpp):
//   GAT   (Velickovic et al. 2018):  e_ij = LeakyReLU(a_s^T W h_j + a_t^T W h_i)
//   GATv2 (Brody et al. 2022):       e_ij = a^T LeakyReLU(W_s h_j + W_t h_i)
// then alpha_ij = softmax over the in-neighbours j of i (edge_softmax), attention dropout, and
// h_i' = sum_j alpha_ij * (W h_j) per head (edge_aggregate), with W h_j optionally dropped out
// (value_dropout); heads are concatenated or averaged.
// Messages flow src -> dst: node i attends over the sources j of the edges j -> i (a repeated
// edge counts once per occurrence; without self loops a node with no in-edges gets only the
// bias, as in PyG). Memory and time are O(E * heads * F); no N x N matrix is formed.
//
// Parameter names, shapes and initialisation follow PyTorch Geometric's GATConv / GATv2Conv, so a
// state dict maps one to one (H = heads, F = out_features, D = in_features):
//   GAT   (v2 = false): lin.weight [H*F, D]        (GATConv's lin, no bias)
//                       att_src [1, H, F], att_dst [1, H, F]
//                       bias [H*F] (concat) or [F] (mean)               (if bias)
//   GATv2 (v2 = true):  lin_src.weight [H*F, D], lin_src.bias [H*F]     (GATv2Conv's lin_l)
//                       lin_dst.weight [H*F, D], lin_dst.bias [H*F]     (GATv2Conv's lin_r)
//                       att [1, H, F]                  (one vector: GATv2 scores z_ij jointly)
//                       bias [H*F] (concat) or [F] (mean)               (if bias; the lin_*
//                       biases also exist only if bias, as in GATv2Conv)
// Weights and attention vectors are Glorot (Xavier) uniform, biases zero, as in the GAT paper and
// PyG's glorot(): U(-a, a) with a = sqrt(6 / (size(-2) + size(-1))).
#pragma once

#include <memory>
#include <utility>

#include "layers/linear.h"

namespace attend {

struct GATOptions {
  int64_t in_features = 0;
  int64_t out_features = 0;  // per head
  int64_t heads = 1;
  bool concat = true;           // true: [N, heads*F]; false: mean over heads -> [N, F]
  float negative_slope = 0.2f;  // of the LeakyReLU
  float dropout = 0.0f;         // on the attention coefficients (training only)
  float input_dropout = 0.0f;   // on the node features before the projection (training only)
  // On the projected features W h_j that are aggregated, after the scores are computed from them
  // (training only): the released GAT code's attn_head drops them with its input rate too.
  float value_dropout = 0.0f;
  bool add_self_loops = true;  // drop existing self loops, then add one per node (as PyG)
  bool bias = true;
  bool v2 = false;  // GATv2 scoring
};

class GATLayer : public Module {
 public:
  // gen initialises the parameters; dropout_gen (the model's shared generator, as for Dropout)
  // draws the dropout masks and is required when dropout or input_dropout is > 0.
  GATLayer(const GATOptions& options, Generator& gen,
           std::shared_ptr<Generator> dropout_gen = nullptr);

  struct Output {
    Tensor output;     // [N, heads*F] or [N, F]
    Tensor attention;  // [E', heads]: alpha per edge and head, before attention dropout
    Tensor src, dst;   // [E']: the edges attention refers to (self loops appended last)
  };

  // x [N, in_features]; src, dst [E] node ids (message flows src -> dst).
  Tensor forward(const Tensor& x, const Tensor& src, const Tensor& dst) {
    return forward_with_attention(x, src, dst).output;
  }
  // edge_index [2, E]: row 0 src, row 1 dst (PyG's layout).
  Tensor forward(const Tensor& x, const Tensor& edge_index);
  Tensor operator()(const Tensor& x, const Tensor& src, const Tensor& dst) {
    return forward(x, src, dst);
  }
  // The output and the attention coefficients with the edge list they belong to (study tools).
  Output forward_with_attention(const Tensor& x, const Tensor& src, const Tensor& dst);

  // The edge list the layer attends over: the edges of (src, dst) that are not self loops, in
  // order, then the loops 0 -> 0, ..., N-1 -> N-1 (PyG's remove_self_loops + add_self_loops).
  // Checks that every id is a whole number in [0, num_nodes).
  static std::pair<Tensor, Tensor> with_self_loops(const Tensor& src, const Tensor& dst,
                                                   int64_t num_nodes);

  std::string type_name() const override { return "GATLayer"; }
  std::string extra_repr() const override;

  GATOptions options;
  std::shared_ptr<Linear> lin;               // v1
  std::shared_ptr<Linear> lin_src, lin_dst;  // v2
  Tensor att_src, att_dst;                   // v1: [1, H, F]
  Tensor att;                                // v2: [1, H, F]
  Tensor bias;                               // [H*F] or [F], or undefined

 private:
  std::shared_ptr<Generator> dropout_gen_;
};

}  // namespace attend
