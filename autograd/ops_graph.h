// Graph-attention ops over an edge list (see ops_graph.cpp). A graph of N nodes is given by two
// index tensors src [E] and dst [E] (float32 whole numbers in [0, N)): edge e carries a message
// from node src[e] to node dst[e]. Repeated edges count once per occurrence. Every op here runs in
// O(E * heads * F) time and memory: nothing of size N x N is ever formed, so graphs with millions
// of edges fit in memory. Each op is one graph node whose backward sits below its forward.
//   E = edges, N = nodes, H = heads, F = features per head
#pragma once

#include "autograd/tensor.h"

namespace attend {

// Softmax of scores [E, H] (or [E]) over the incoming edges of each destination node:
//   out[e, h] = exp(scores[e, h]) / sum_{e' : dst[e'] = dst[e]} exp(scores[e', h]).
// Numerically stable (the per-node, per-head maximum is subtracted first). Nodes without
// incoming edges simply have no entries. num_nodes bounds dst.
Tensor edge_softmax(const Tensor& scores, const Tensor& dst, int64_t num_nodes);

// Neighbourhood aggregation: out[dst[e], h, :] += alpha[e, h] * features[src[e], h, :] for alpha
// [E, H] and features [N, H, F] -> [num_nodes, H, F] (alpha [E] with features [N, F] also works,
// giving [num_nodes, F]). num_nodes < 0 means N (the usual case: sources and destinations are the
// same node set); nodes without incoming edges get zeros. Differentiable in alpha and features.
Tensor edge_aggregate(const Tensor& alpha, const Tensor& features, const Tensor& src,
                      const Tensor& dst, int64_t num_nodes = -1);

// GAT (Velickovic et al. 2018) edge logits from per-node terms a_src [N, H] = <W h_j, a_src> and
// a_dst [N, H] = <W h_i, a_dst> (i = destination):
//   out[e, h] = leaky_relu(a_src[src[e], h] + a_dst[dst[e], h], negative_slope)  -> [E, H].
// a_dst may have a different number of rows (bipartite graphs); dst indexes its rows.
Tensor gat_edge_score(const Tensor& a_src, const Tensor& a_dst, const Tensor& src,
                      const Tensor& dst, float negative_slope = 0.2f);

// GATv2 (Brody et al. 2022) edge logits from per-node projections x_src [N, H, F] (= W_s h_j) and
// x_dst [M, H, F] (= W_t h_i) and the attention vector att [H, F] (or [1, H, F]):
//   out[e, h] = sum_f att[h, f] * leaky_relu(x_src[src[e], h, f] + x_dst[dst[e], h, f])  -> [E, H].
// The per-edge vectors are formed on the fly in both passes and never stored.
Tensor gatv2_edge_score(const Tensor& x_src, const Tensor& x_dst, const Tensor& att,
                        const Tensor& src, const Tensor& dst, float negative_slope = 0.2f);

}  // namespace attend
