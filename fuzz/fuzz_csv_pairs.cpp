// load_csv_pairs (RFC 4180 with a header naming "document" and "summary"), comma- and
// tab-delimited, the latter through load_doc_summary's ".tsv" dispatch.
#include <cstddef>
#include <cstdint>

#include "datasets/data_error.h"
#include "datasets/load_doc_summary.h"
#include "datasets/utf8.h"
#include "fuzz_util.h"

using namespace attend;

namespace {

void check(const std::vector<TextPair>& pairs) {
  for (const TextPair& p : pairs) {
    ATTEND_FUZZ_CHECK(!p.source.empty() && !p.target.empty() && p.line >= 1);
    ATTEND_FUZZ_CHECK(utf8::find_invalid(p.source) == utf8::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    check(load_csv_pairs(fuzz::write_file("pairs.csv", bytes)));
  } catch (const DataError&) {
  }
  try {
    check(load_doc_summary(fuzz::write_file("pairs.tsv", bytes)));
  } catch (const DataError&) {
  }
  return 0;
}
