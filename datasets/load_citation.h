// One call for Cora/Citeseer laid out as in ../shared/datasets/NAME:
//   ROOT/linqs/NAME.content (or NAME.content.gz), ROOT/linqs/NAME.cites   (LINQS)
//   ROOT/planetoid_txt/NAME.*                                             (Planetoid split)
#pragma once

#include <string>

#include "datasets/graph.h"

namespace attend {

enum class CitationSplit {
  kPlanetoid,  // the standard split of the GCN/GAT papers (Cora 140/500/1000), from planetoid_txt
  kRandom,     // LINQS graph, Planetoid recipe with a seed: 20 per class, 500 val, 1000 test
  kNone,       // LINQS graph, no masks
};

struct CitationOptions {
  CitationSplit split = CitationSplit::kPlanetoid;
  uint64_t seed = 0;  // for kRandom
  EdgeOptions edges;
  bool skip_unknown_papers = false;  // LINQS only (see LinqsOptions)
};

// Note that the two sources number nodes differently (Planetoid reorders them) and only LINQS
// has class names and paper ids. Throws DataError as load_linqs / load_planetoid_txt do.
GraphData load_citation_dataset(const std::string& root, const std::string& name,
                                const CitationOptions& options = {});

// Whether dir is laid out as above (it has linqs/ or planetoid_txt/): what `attend train --data`
// and `attend datasets show` accept as a citation graph.
bool is_citation_directory(const std::string& dir);
// load_citation_dataset of such a directory, NAME being its last component
// ("../shared/datasets/cora/" -> cora).
GraphData load_citation_directory(const std::string& dir, const CitationOptions& options = {});

}  // namespace attend
