// Edge clean-up and node splits shared by the graph loaders (see graph.h).
#include "datasets/graph.h"

#include <algorithm>
#include <map>
#include <set>

#include "autograd/creation.h"
#include "datasets/data_error.h"
#include "datasets/split.h"

namespace attend {

void set_edges(GraphData& g, const std::vector<int64_t>& src, const std::vector<int64_t>& dst,
               const std::vector<float>& weights, const EdgeOptions& options) {
  const int64_t n = g.num_nodes();
  std::map<std::pair<int64_t, int64_t>, float> edges;  // ordered: the output is sorted for free
  EdgeStats& st = g.edge_stats;
  st.input_edges += static_cast<int64_t>(src.size());
  for (size_t i = 0; i < src.size(); ++i) {
    const int64_t u = src[i], v = dst[i];
    if (u < 0 || u >= n || v < 0 || v >= n)
      throw DataError("set_edges: edge " + std::to_string(u) + " -> " + std::to_string(v) +
                      " outside 0.." + std::to_string(n - 1));
    if (u == v) {
      ++st.self_loops;
      continue;
    }
    const float w = weights.empty() ? 1.0f : weights[i];
    if (!edges.emplace(std::make_pair(u, v), w).second ||
        (options.undirected && !edges.emplace(std::make_pair(v, u), w).second)) {
      ++st.duplicates;
    }
  }
  std::vector<int64_t> s, d;
  std::vector<float> w;
  const size_t total = edges.size() + (options.add_self_loops ? static_cast<size_t>(n) : 0);
  s.reserve(total);
  d.reserve(total);
  w.reserve(total);
  const auto emit = [&](int64_t u, int64_t v, float weight) {
    s.push_back(u);
    d.push_back(v);
    w.push_back(weight);
  };
  // Self loops are merged into the sorted edges as they go out (the map holds none), so a graph
  // of millions of nodes does not put a map entry per node.
  int64_t loop = options.add_self_loops ? 0 : n;  // the next node whose self loop is due
  for (const auto& [e, weight] : edges) {
    for (; loop < n && std::make_pair(loop, loop) < e; ++loop) emit(loop, loop, 1.0f);
    emit(e.first, e.second, weight);
  }
  for (; loop < n; ++loop) emit(loop, loop, 1.0f);
  const auto e = static_cast<int64_t>(s.size());
  g.edge_src = from_indices(s, {e});
  g.edge_dst = from_indices(d, {e});
  g.edge_weight = weights.empty() ? Tensor() : from_vector(w, {e});
}

void set_split(GraphData& g, const std::vector<int64_t>& train, const std::vector<int64_t>& val,
               const std::vector<int64_t>& test) {
  const int64_t n = g.num_nodes();
  std::vector<int> owner(n, -1);
  const char* names[] = {"train", "val", "test"};
  std::vector<float> masks[3] = {std::vector<float>(n), std::vector<float>(n),
                                 std::vector<float>(n)};
  const std::vector<int64_t>* lists[] = {&train, &val, &test};
  for (int k = 0; k < 3; ++k) {
    for (int64_t i : *lists[k]) {
      if (i < 0 || i >= n)
        throw DataError(std::string("set_split: ") + names[k] + " node " + std::to_string(i) +
                        " outside 0.." + std::to_string(n - 1));
      if (owner[i] != -1 && owner[i] != k)
        throw DataError(std::string("set_split: node ") + std::to_string(i) + " is in both " +
                        names[owner[i]] + " and " + names[k]);
      owner[i] = k;
      masks[k][i] = 1.0f;
    }
  }
  g.train_mask = from_vector(masks[0], {n});
  g.val_mask = from_vector(masks[1], {n});
  g.test_mask = from_vector(masks[2], {n});
}

void set_random_split(GraphData& g, int64_t per_class, int64_t n_val, int64_t n_test,
                      uint64_t seed) {
  Generator gen(seed);
  const std::vector<int64_t> order = permutation(g.num_nodes(), gen);
  std::vector<int64_t> taken(g.num_classes(), 0), train, rest;
  for (int64_t i : order) {
    const auto c = static_cast<int64_t>(g.labels.data()[i]);
    if (c < 0) continue;  // unlabelled nodes are in no split
    if (taken[c] < per_class) {
      ++taken[c];
      train.push_back(i);
    } else {
      rest.push_back(i);
    }
  }
  if (static_cast<int64_t>(rest.size()) < n_val + n_test)
    throw DataError("set_random_split: only " + std::to_string(rest.size()) +
                    " labelled nodes left after training, need " + std::to_string(n_val + n_test) +
                    " for validation and test");
  std::vector<int64_t> val(rest.begin(), rest.begin() + n_val);
  std::vector<int64_t> test(rest.begin() + n_val, rest.begin() + n_val + n_test);
  for (auto* v : {&train, &val, &test}) std::sort(v->begin(), v->end());
  set_split(g, train, val, test);
}

std::vector<int64_t> mask_indices(const Tensor& mask) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < mask.numel(); ++i)
    if (mask.data()[i] != 0.0f) out.push_back(i);
  return out;
}

}  // namespace attend
