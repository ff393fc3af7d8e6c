// GraphData: one graph for node classification (Cora, Citeseer, karate club), as the graph loaders
// return it, plus the edge clean-up they share and node splits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace attend {

// Sizes a loader reads from a file are checked before anything is allocated for them, so a corrupt
// or hostile file is a DataError, not an exhausted machine. Node indices and node counts stay
// below kMaxGraphIndex (index tensors are float32, exact only up to 2^24; see
// autograd/creation.h); class indices below kMaxClasses (a class name, and a model output, is
// made for every index up to the largest); a dense feature matrix built from a declared size
// (Planetoid's header, identity features, a graph set's node features) holds at most
// kMaxDenseFeatures values (256 MiB: Pubmed needs 10 million).
inline constexpr int64_t kMaxGraphIndex = int64_t{1} << 24;
inline constexpr int64_t kMaxClasses = int64_t{1} << 16;
inline constexpr int64_t kMaxDenseFeatures = int64_t{1} << 26;

// What the edge clean-up saw in the input, so a user can compare with published counts (Cora's
// "5429 edges" are cites lines; the graph has 5278 distinct undirected pairs).
struct EdgeStats {
  int64_t input_edges = 0;      // edge lines read (after skipping any with unknown nodes)
  int64_t self_loops = 0;       // of those, lines with both ends the same node (dropped)
  int64_t duplicates = 0;       // lines repeating an earlier edge (dropped; undirected: either way)
  int64_t skipped_unknown = 0;  // lines skipped because a node was unknown (only when allowed)
};

struct GraphData {
  Tensor features;  // [N, F] float32, raw values as in the file (GAT row-normalises them first)
  Tensor labels;    // [N] class indices; -1 for a node without label (never in a mask)
  // Edges as index tensors [E]: messages flow edge_src[e] -> edge_dst[e] (PyG's edge_index).
  // Undirected graphs hold both directions of each edge; sorted by (src, dst).
  Tensor edge_src, edge_dst;
  Tensor edge_weight;  // [E] when the input had weights, else undefined
  // [N] 1 = node in the split, 0 = not; undefined when the loader made no split.
  Tensor train_mask, val_mask, test_mask;
  std::vector<std::string> node_names;   // id of each node in its file (LINQS paper id, ...)
  std::vector<std::string> class_names;  // label k's name
  EdgeStats edge_stats;

  int64_t num_nodes() const { return features.defined() ? features.size(0) : 0; }
  int64_t num_features() const { return features.defined() ? features.size(1) : 0; }
  int64_t num_classes() const { return static_cast<int64_t>(class_names.size()); }
  int64_t num_edges() const { return edge_src.defined() ? edge_src.numel() : 0; }
};

struct EdgeOptions {
  // Store both directions of every edge (GAT on citation graphs treats citations as undirected).
  bool undirected = true;
  // Add one self loop per node after the clean-up (self loops in the input are always dropped, so
  // none is ever doubled).
  bool add_self_loops = false;
};

// Drops self loops and duplicates from (src[i], dst[i]) pairs, adds reverse edges and self loops as
// asked, sorts by (src, dst), and stores the result and stats in g (whose features must be set).
// weights may be empty; otherwise an edge keeps the weight of its first occurrence and added self
// loops get weight 1.
void set_edges(GraphData& g, const std::vector<int64_t>& src, const std::vector<int64_t>& dst,
               const std::vector<float>& weights, const EdgeOptions& options);

// Masks from node index lists (throws DataError on an index out of range or a node in two splits).
void set_split(GraphData& g, const std::vector<int64_t>& train, const std::vector<int64_t>& val,
               const std::vector<int64_t>& test);

// The Planetoid recipe on any labelled graph: per_class random training nodes of every class, then
// n_val validation and n_test test nodes among the remaining labelled ones; seeded.
void set_random_split(GraphData& g, int64_t per_class, int64_t n_val, int64_t n_test,
                      uint64_t seed);

// The node indices where mask is nonzero, ascending.
std::vector<int64_t> mask_indices(const Tensor& mask);

}  // namespace attend
