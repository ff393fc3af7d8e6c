// The graph datasets that ship with attend, under datasets/data/ (written by
// datasets/generators/gen_graphs.py, whose docstring describes the files in full):
//   "karate"        Zachary's karate club (1977): 34 members, 78 weighted ties, the two clubs after
//                   the split (0 = Mr. Hi's, 1 = the Officer's; 17 each), as networkx's
//                   karate_club_graph "club". Features: one-hot member ids [34, 34].
//   "toy-citation"  a synthetic Cora: 3,000 papers, 7 classes, a 1,000-word binary bag of words
//                   (about 18 words per paper, class-correlated), a stochastic block model with
//                   average degree 4 and edge homophily about 0.81, and a Planetoid split
//                   (140/500/1000). LINQS layout, read with load_linqs.
//   "toy-motifs"    graph classification: 2,400 graphs of 10..30 nodes, a random tree with one
//                   motif attached; the label is the motif (0 triangle, 1 square, 2 star,
//                   3 clique5); fixed split 1,920/240/240. File: one JSON object per line,
//                   {"label": k, "motif": NAME, "split": "train"|"valid"|"test", "num_nodes": n,
//                    "edges": [[u, v], ...]} (undirected, 0-based), gzipped.
// The data directory is the environment variable ATTEND_DATA_DIR when set, else the source tree's
// datasets/data (compiled in as ATTEND_GRAPH_DATA_DIR).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/graph.h"
#include "datasets/split.h"

namespace attend {

// The directory the bundled graph files are read from (see above).
std::string bundled_graph_dir();

// "karate", "toy-citation" (node classification) and "toy-motifs" (graph classification).
std::vector<std::string> bundled_graph_names();

enum class BundledSplit {
  kStandard,  // karate: node 0 (Mr. Hi) and node 33 (the officer) train, the other 32 test, as in
              // the GCN/GAT karate demos; toy-citation: the Planetoid split of the split file
  kNone,      // no masks
};

struct BundledGraphOptions {
  BundledSplit split = BundledSplit::kStandard;
  EdgeOptions edges;
};

// Node classification: "karate" or "toy-citation". Throws DataError for another name (listing the
// names) or when a file is missing or malformed (FILE:LINE).
GraphData load_bundled_graph(const std::string& name, const BundledGraphOptions& options = {});

// One small graph of a graph-classification set.
struct SmallGraph {
  Tensor features;            // [n, F]
  Tensor edge_src, edge_dst;  // [E] index tensors, both directions, sorted by (src, dst)
  int64_t label = 0;
  int64_t num_nodes() const { return features.defined() ? features.size(0) : 0; }
  int64_t num_edges() const { return edge_src.defined() ? edge_src.numel() : 0; }
};

struct GraphClassificationDataset {
  std::vector<SmallGraph> graphs;
  std::vector<std::string> class_names;
  SplitIndices split;  // positions in graphs, disjoint, each ascending
  int64_t num_classes() const { return static_cast<int64_t>(class_names.size()); }
  int64_t num_features() const { return graphs.empty() ? 0 : graphs.front().features.size(1); }
};

enum class NodeFeatures {
  kDegreeOneHot,  // [n, max_degree + 1]: one-hot of min(degree, max_degree)
  kConstant,      // [n, 1] of ones
};

struct GraphClassificationOptions {
  NodeFeatures features = NodeFeatures::kDegreeOneHot;
  int64_t max_degree = 7;       // kDegreeOneHot: degrees from max_degree up share the last column
  bool add_self_loops = false;  // one self loop per node in edge_src/edge_dst
};

// Graph classification: "toy-motifs". Throws DataError like load_bundled_graph.
GraphClassificationDataset load_bundled_graph_set(const std::string& name,
                                                  const GraphClassificationOptions& options = {});

// At most this many nodes in one graph of a graph-classification set (TU datasets' largest, DD's,
// has 5,748): a batch of 256 of them still numbers its nodes below 2^24, where float32 index
// tensors stop being exact.
inline constexpr int64_t kMaxGraphSetNodes = int64_t{1} << 16;

// The reader behind "toy-motifs", for any file in its format (gzipped or not). Throws DataError
// (FILE:LINE) on invalid JSON, a missing or mistyped field, a node index outside 0..num_nodes-1, a
// self loop, a repeated edge, a label < 0, an unknown split name, and on sizes beyond the limits
// (num_nodes above kMaxGraphSetNodes, a label of kMaxClasses or more, node features of more than
// kMaxDenseFeatures values in all; see graph.h).
GraphClassificationDataset load_graph_set_jsonl(const std::string& path,
                                                const GraphClassificationOptions& options = {});

}  // namespace attend
