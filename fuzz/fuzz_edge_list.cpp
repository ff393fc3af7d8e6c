// load_edge_list: the input is the edges file, then (after a zero byte, when there is one) the
// nodes file; without a zero byte the graph has no nodes file. Loaded with the defaults and with
// a header line, a fixed class count, directed edges and self loops.
#include <cstddef>
#include <cstdint>

#include "check_graph.h"
#include "datasets/load_edge_list.h"

using namespace attend;

namespace {

void load(const std::string& edges, const std::string& nodes, const EdgeListOptions& options) {
  try {
    const GraphData g = load_edge_list(edges, nodes, options);
    fuzz::check_graph(g, options.edges);
  } catch (const DataError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const auto parts = fuzz::split_input(data, size, 2);
  const std::string edges = fuzz::write_file("graph.edges", parts[0]);
  const std::string nodes =
      all.find('\0') == std::string_view::npos ? "" : fuzz::write_file("graph.nodes", parts[1]);
  load(edges, nodes, {});
  EdgeListOptions other;
  other.edges = {.undirected = false, .add_self_loops = true};
  other.num_classes = 3;
  other.nodes_header = true;
  load(edges, nodes, other);
  return 0;
}
