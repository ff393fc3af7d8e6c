// Loader for the Planetoid split (Yang et al. 2016) of Cora/Citeseer/Pubmed as plain text — the
// exact arrays tkipf/gcn's load_data builds and the GAT paper trained on, exported by
// ../shared/datasets/*/planetoid_txt (see its SOURCE.md):
//   NAME.features.txt  "# ROWS COLS NNZ", then NNZ lines "row col value" (0-based)
//   NAME.labels.txt    ROWS lines, class index, or -1 for a node without label
//   NAME.edges.txt     lines "i j" (already both directions; Citeseer's include self loops)
//   NAME.train.idx, NAME.val.idx, NAME.test.idx   one node index per line
// Class names are not in these files: class_names are "0", "1", ...
#pragma once

#include <string>

#include "datasets/graph.h"

namespace attend {

// dir holds the files above; name is their prefix ("cora"). Self loops in edges.txt are dropped
// (see EdgeOptions; add_self_loops puts exactly one per node back). Throws DataError (FILE:LINE)
// on a malformed line, a wrong field count, a node or feature index out of range, a label below
// -1, a NNZ or label count that does not match the header, a node in two splits, invalid UTF-8,
// an empty or missing file.
GraphData load_planetoid_txt(const std::string& dir, const std::string& name,
                             const EdgeOptions& edges = {});

}  // namespace attend
