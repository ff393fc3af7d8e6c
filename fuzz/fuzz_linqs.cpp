// load_linqs (Cora/Citeseer's LINQS layout): the input is the .content file, a zero byte, then the
// .cites file. Loaded with the defaults and with unknown papers skipped, directed edges and self
// loops added.
#include <cstddef>
#include <cstdint>

#include "check_graph.h"
#include "datasets/load_linqs.h"

using namespace attend;

namespace {

void load(const std::string& content, const std::string& cites, const LinqsOptions& options) {
  try {
    const GraphData g = load_linqs(content, cites, options);
    fuzz::check_graph(g, options.edges);
    ATTEND_FUZZ_CHECK(g.num_classes() >= 1 && !g.edge_weight.defined());
  } catch (const DataError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = fuzz::split_input(data, size, 2);
  const std::string content = fuzz::write_file("cora.content", parts[0]);
  const std::string cites = fuzz::write_file("cora.cites", parts[1]);
  load(content, cites, {});
  LinqsOptions other;
  other.edges = {.undirected = false, .add_self_loops = true};
  other.skip_unknown_papers = true;
  load(content, cites, other);
  return 0;
}
