// load_tsv_pairs on one file (Tatoeba/manythings "English<TAB>French[<TAB>attribution]"), with the
// default columns, a header line, and the columns swapped.
#include <cstddef>
#include <cstdint>

#include "datasets/data_error.h"
#include "datasets/load_text_pairs.h"
#include "datasets/utf8.h"
#include "fuzz_util.h"

using namespace attend;

namespace {

void load(const std::string& path, const TsvPairsOptions& options) {
  try {
    for (const TextPair& p : load_tsv_pairs(path, options)) {
      ATTEND_FUZZ_CHECK(!p.source.empty() && !p.target.empty() && p.line >= 1);
      ATTEND_FUZZ_CHECK(utf8::find_invalid(p.source) == utf8::npos);
      ATTEND_FUZZ_CHECK(p.source.find('\t') == std::string::npos);
      ATTEND_FUZZ_CHECK(p.target.find('\t') == std::string::npos);
    }
  } catch (const DataError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      fuzz::write_file("pairs.tsv", {reinterpret_cast<const char*>(data), size});
  load(path, {});
  load(path, {.source_column = 0, .target_column = 1, .has_header = true});
  load(path, {.source_column = 2, .target_column = 0, .has_header = false});
  return 0;
}
