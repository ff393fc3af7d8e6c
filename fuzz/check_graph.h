// What every graph a loader returns must satisfy, checked after each successful load.
#pragma once

#include <cmath>

#include "datasets/bundled_graphs.h"
#include "datasets/data_error.h"
#include "datasets/graph.h"
#include "fuzz_util.h"

namespace attend::fuzz {

// Edges [E] within 0..n-1, sorted by (src, dst) without repeats, self loops only when asked for,
// and both directions of each edge when undirected.
inline void check_edges(const Tensor& src, const Tensor& dst, int64_t n, const EdgeOptions& o) {
  ATTEND_FUZZ_CHECK(src.defined() && dst.defined());
  ATTEND_FUZZ_CHECK(src.dim() == 1 && dst.dim() == 1 && src.numel() == dst.numel());
  const int64_t e = src.numel();
  int64_t loops = 0;
  for (int64_t i = 0; i < e; ++i) {
    const float u = src.data()[i], v = dst.data()[i];
    ATTEND_FUZZ_CHECK(u >= 0 && u < n && v >= 0 && v < n && u == std::floor(u) &&
                      v == std::floor(v));
    if (i > 0) {
      const float pu = src.data()[i - 1], pv = dst.data()[i - 1];
      ATTEND_FUZZ_CHECK(pu < u || (pu == u && pv < v));
    }
    loops += u == v;
  }
  ATTEND_FUZZ_CHECK(o.add_self_loops ? loops == n : loops == 0);
  if (o.undirected) {
    // Sorted and unique, so the reverse of each edge is found by binary search.
    for (int64_t i = 0; i < e; ++i) {
      const float u = src.data()[i], v = dst.data()[i];
      int64_t lo = 0, hi = e;
      while (lo < hi) {
        const int64_t mid = (lo + hi) / 2;
        const float mu = src.data()[mid], mv = dst.data()[mid];
        if (mu < v || (mu == v && mv < u))
          lo = mid + 1;
        else
          hi = mid;
      }
      ATTEND_FUZZ_CHECK(lo < e && src.data()[lo] == v && dst.data()[lo] == u);
    }
  }
}

inline void check_mask(const Tensor& m, int64_t n) {
  if (!m.defined()) return;
  ATTEND_FUZZ_CHECK(m.dim() == 1 && m.numel() == n);
  for (int64_t i = 0; i < n; ++i) ATTEND_FUZZ_CHECK(m.data()[i] == 0.0f || m.data()[i] == 1.0f);
}

inline void check_graph(const GraphData& g, const EdgeOptions& o) {
  ATTEND_FUZZ_CHECK(g.features.defined() && g.features.dim() == 2);
  const int64_t n = g.num_nodes();
  ATTEND_FUZZ_CHECK(n >= 1);
  ATTEND_FUZZ_CHECK(g.labels.defined() && g.labels.dim() == 1 && g.labels.numel() == n);
  for (int64_t i = 0; i < n; ++i) {
    const float y = g.labels.data()[i];
    ATTEND_FUZZ_CHECK(y == std::floor(y) && y >= -1 && y < static_cast<float>(g.num_classes()));
  }
  ATTEND_FUZZ_CHECK(static_cast<int64_t>(g.node_names.size()) == n);
  check_edges(g.edge_src, g.edge_dst, n, o);
  if (g.edge_weight.defined()) ATTEND_FUZZ_CHECK(g.edge_weight.numel() == g.num_edges());
  check_mask(g.train_mask, n);
  check_mask(g.val_mask, n);
  check_mask(g.test_mask, n);
  // A node is in at most one split, and only when labelled.
  if (g.train_mask.defined())
    for (int64_t i = 0; i < n; ++i) {
      const float in = g.train_mask.data()[i] + g.val_mask.data()[i] + g.test_mask.data()[i];
      ATTEND_FUZZ_CHECK(in <= 1.0f && (in == 0.0f || g.labels.data()[i] >= 0));
    }
}

}  // namespace attend::fuzz
