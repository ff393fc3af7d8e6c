// `attend gradcheck`: every op and layer descriptor (autograd/op_info.h, layers/layer_info.h)
// checked against finite differences, one row per descriptor -- its worst element over all its
// samples -- sorted worst first. The descriptors are the only source: an op or layer added with
// its descriptor is in the table with nothing else to edit.
#pragma once

#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/op_info.h"

namespace attend {

// Every descriptor: the ops, then the layers (those registered from outside the library too).
std::vector<const OpInfo*> gradcheck_descriptors();

// The descriptors NAME selects: the one named exactly NAME, else every one whose name contains
// NAME (case-insensitive), or matches it as a glob pattern when it has * or ?. Empty if none.
std::vector<const OpInfo*> select_descriptors(const std::vector<const OpInfo*>& all,
                                              const std::string& name);
// Up to `limit` descriptor names closest to NAME (edit distance), closest first, for "did you
// mean".
std::vector<std::string> close_descriptor_names(const std::vector<const OpInfo*>& all,
                                                const std::string& name, size_t limit = 5);

struct GradcheckRow {
  std::string name, kind;  // kind: "op" or "layer"
  // The worst element over every sample (checked: their sum). Not ok also when a sample's
  // reference disagrees or a sample throws; the message then says which and why.
  GradcheckResult result;
  std::string sample;  // the sample that holds the worst element (or failed)
  size_t samples = 0;
  double seconds = 0;
};

// Every sample of d (and its reference, if it has one) with options.
GradcheckRow run_descriptor(const OpInfo& d, const GradcheckOptions& options);
// One row per descriptor, sorted by worst ratio (worst first; a failed row without a ratio, e.g.
// one that threw, first of all).
std::vector<GradcheckRow> run_descriptors(const std::vector<const OpInfo*>& descriptors,
                                          const GradcheckOptions& options);

// The table: name | kind | samples | elements checked | worst |analytic - numeric| | at
// (input/parameter, index) | sample | worst ratio to tolerance | ok; then the message of every
// failed row.
std::string format_gradcheck_table(const std::vector<GradcheckRow>& rows);
// "85 checks (641 samples), 85 passed, worst ratio 0.31 (layer_norm)".
std::string gradcheck_summary(const std::vector<GradcheckRow>& rows);

}  // namespace attend
