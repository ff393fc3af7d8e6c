// Loader for a graph as a plain edge list plus a node table — the simplest format to write by hand
// or export from anything (the karate club files in ../shared/datasets/karate are in it):
//   edges file  one edge per line "u v" or "u v weight", 0-based node indices
//   nodes file  line k describes node k: "label" or "f_1 ... f_F label"
// Fields are separated by spaces, tabs or commas; blank lines and lines starting with '#' are
// skipped. A label is a class index >= 0, or -1 for a node without label.
#pragma once

#include <string>

#include "datasets/graph.h"

namespace attend {

struct EdgeListOptions {
  EdgeOptions edges;
  // Number of classes; 0 = largest label + 1. When set, a larger label is an error.
  int64_t num_classes = 0;
  // The nodes file starts with a header line (skipped).
  bool nodes_header = false;
};

// nodes_path may be empty: then N = largest node index + 1 and no node has a label. When the node
// table has no feature columns the features are the identity [N, N] (a one-hot id per node, as
// PyTorch Geometric's KarateClub). Throws DataError (FILE:LINE) on a malformed line, a line whose
// field count differs from the first, an edge naming a node without a row in the nodes file, an
// unknown label, invalid UTF-8, an empty or missing file.
GraphData load_edge_list(const std::string& edges_path, const std::string& nodes_path,
                         const EdgeListOptions& options = {});

}  // namespace attend
