// load_graph_set_jsonl (graph classification, the "toy-motifs" format): one JSON graph per line,
// {"label": k, "motif": NAME, "split": "train"|"valid"|"test", "num_nodes": n, "edges": [[u, v]]}.
// Loaded with degree one-hot features and with constant features plus self loops.
#include <cstddef>
#include <cstdint>

#include "check_graph.h"

using namespace attend;

namespace {

void load(const std::string& path, const GraphClassificationOptions& options) {
  try {
    const GraphClassificationDataset d = load_graph_set_jsonl(path, options);
    const auto n_graphs = static_cast<int64_t>(d.graphs.size());
    ATTEND_FUZZ_CHECK(n_graphs >= 1);
    const int64_t f = options.features == NodeFeatures::kConstant ? 1 : options.max_degree + 1;
    for (const SmallGraph& g : d.graphs) {
      ATTEND_FUZZ_CHECK(g.features.dim() == 2 && g.features.size(1) == f && g.num_nodes() >= 1);
      ATTEND_FUZZ_CHECK(g.label >= 0 && g.label < d.num_classes());
      fuzz::check_edges(g.edge_src, g.edge_dst, g.num_nodes(),
                        {.undirected = true, .add_self_loops = options.add_self_loops});
    }
    size_t in_splits = 0;
    for (const auto* s : {&d.split.train, &d.split.valid, &d.split.test})
      for (int64_t i : *s) {
        ATTEND_FUZZ_CHECK(i >= 0 && i < n_graphs);
        ++in_splits;
      }
    ATTEND_FUZZ_CHECK(in_splits == d.graphs.size());
  } catch (const DataError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      fuzz::write_file("graphs.jsonl", {reinterpret_cast<const char*>(data), size});
  load(path, {});
  load(path, {.features = NodeFeatures::kConstant, .max_degree = 7, .add_self_loops = true});
  return 0;
}
