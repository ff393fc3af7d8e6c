// Inputs for op and layer samples (autograd/op_info.h) and for tests: small tensors from fixed
// seeds, kept clear of the points where a finite-difference step of 1e-2 would straddle a kink
// (relu, abs, max ties, LeakyReLU) or come near a pole (log, sqrt, division).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace attend {

// Uniform in [lo, hi], requiring grad.
Tensor make_input(const Shape& s, uint64_t seed, float lo = -1.0f, float hi = 1.0f);

// |x| in [0.2, 1.2] (random sign unless positive), requiring grad: clear of the kinks at 0 and of
// log/sqrt/div's poles by far more than a finite-difference step.
Tensor away_from_zero(const Shape& s, uint64_t seed, bool positive = false);

// A shuffled grid 0.1 apart, centred on 0, requiring grad: no two values within 2 * eps, so max
// has no near-ties.
Tensor distinct_values(const Shape& s, uint64_t seed);

// make_input, then each row (last dimension) shifted and scaled to mean 0 and variance 1:
// LayerNorm over 4 features of a row whose values lie close together curves so sharply that
// central differences are off by more than the tolerance (its curvature grows as 1 / std).
Tensor standardized_rows(const Shape& s, uint64_t seed);

// Whole numbers in [0, limit) as an index tensor.
Tensor random_indices(const Shape& s, int64_t limit, uint64_t seed);

// Per-node terms a, b [N, ...] whose sums a[src[e]] + b[dst[e]] over the edges all stay more than
// margin away from 0 (elementwise over the trailing dimensions): GAT's scores apply a LeakyReLU
// there, and central differences must not straddle its kink. make_input(s, k) and
// make_input(s, k + offset) for the first seed k = 1, 2, ... that keeps them clear.
std::pair<Tensor, Tensor> edge_terms_away_from_kink(const Shape& s, const std::vector<int64_t>& src,
                                                    const std::vector<int64_t>& dst, float margin,
                                                    uint64_t offset);

// A key padding mask [B, Tk] (1 = padding, PyTorch's convention) for rows of these lengths.
Tensor key_padding(const std::vector<int64_t>& lengths, int64_t tk);

// The small graph of the graph ops' samples (autograd/ops_graph.cpp) and tests, src -> dst, N = 7:
//   node 0 <- 2, 1            node 1 <- 0, 2, 2 (repeated), 3     node 2 <- 1 (one in-edge)
//   node 3 <- 0, 4, 3 (loop)  node 4: no in-edges (one out-edge)  node 5: isolated
//   node 6 <- 1 (one in-edge)
namespace sample_graph {
inline constexpr int64_t kN = 7;
inline const std::vector<int64_t> kSrc = {0, 2, 2, 3, 1, 0, 4, 3, 2, 1, 1};
inline const std::vector<int64_t> kDst = {1, 1, 1, 1, 2, 3, 3, 3, 0, 0, 6};
inline constexpr int64_t kE = 11;
Tensor src_t();  // kSrc as an index tensor [E]
Tensor dst_t();
}  // namespace sample_graph

}  // namespace attend
