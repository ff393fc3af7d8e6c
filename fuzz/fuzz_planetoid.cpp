// load_planetoid_txt (the GCN/GAT papers' split as text): the input is NAME.features.txt,
// NAME.labels.txt, NAME.edges.txt, NAME.train.idx, NAME.val.idx and NAME.test.idx, separated by
// zero bytes (missing ones are empty files).
#include <cstddef>
#include <cstdint>

#include "check_graph.h"
#include "datasets/load_planetoid.h"

using namespace attend;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* suffixes[] = {".features.txt", ".labels.txt", ".edges.txt",
                                   ".train.idx",    ".val.idx",    ".test.idx"};
  const auto parts = fuzz::split_input(data, size, 6);
  for (size_t k = 0; k < 6; ++k) fuzz::write_file(std::string("cora") + suffixes[k], parts[k]);
  try {
    const GraphData g = load_planetoid_txt(fuzz::scratch_dir(), "cora");
    fuzz::check_graph(g, {});
    ATTEND_FUZZ_CHECK(g.train_mask.defined() && g.val_mask.defined() && g.test_mask.defined());
  } catch (const DataError&) {
  }
  return 0;
}
