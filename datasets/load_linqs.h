// Loader for the LINQS layout of Cora and Citeseer (Sen et al. 2008):
//   NAME.content  one paper per line: <paper id> <feature values...> <class label>
//   NAME.cites    one link per line:  <cited paper id> <citing paper id>
// fields separated by tabs or spaces. Nodes are numbered in content-file order; a link becomes
// the edge citing -> cited (and its reverse when undirected). gzip input (Citeseer's
// citeseer.content.gz) is read directly when attend was built with zlib; otherwise the error says
// to decompress it.
#pragma once

#include <string>
#include <vector>

#include "datasets/graph.h"

namespace attend {

struct LinqsOptions {
  EdgeOptions edges;
  // Class names, label k = classes[k]. Empty: the distinct labels of the content file, sorted
  // (Cora: Case_Based = 0, ..., Theory = 6). When given, any other label is an error.
  std::vector<std::string> classes;
  // A cites line naming a paper without a content row is an error by default; with this set the
  // line is skipped and counted in edge_stats.skipped_unknown. (Citeseer's cites mention 15 such
  // papers in 17 lines; Planetoid keeps them as feature-less nodes instead.)
  bool skip_unknown_papers = false;
};

// Throws DataError (FILE:LINE) on: a line with a different field count than the first, a feature
// that is not a number, a label outside options.classes, a repeated paper id, a cited/citing id
// with no content row, invalid UTF-8, an empty or missing file. No split is made (masks
// undefined); use set_random_split, or load_planetoid_txt for the standard split.
GraphData load_linqs(const std::string& content_path, const std::string& cites_path,
                     const LinqsOptions& options = {});

}  // namespace attend
