// load_jsonl_pairs: one JSON object per line with "document" and "summary" strings (and, with
// other field names, CNN/DM's "article" and "highlights").
#include <cstddef>
#include <cstdint>

#include "datasets/data_error.h"
#include "datasets/load_doc_summary.h"
#include "datasets/utf8.h"
#include "fuzz_util.h"

using namespace attend;

namespace {

void load(const std::string& path, const DocSummaryOptions& options) {
  try {
    for (const TextPair& p : load_jsonl_pairs(path, options)) {
      ATTEND_FUZZ_CHECK(!p.source.empty() && !p.target.empty() && p.line >= 1);
      // JSON escapes ("\ud800") can spell text that is not valid UTF-8 in the decoded string.
      ATTEND_FUZZ_CHECK(utf8::find_invalid(p.source) == utf8::npos);
      ATTEND_FUZZ_CHECK(utf8::find_invalid(p.target) == utf8::npos);
    }
  } catch (const DataError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      fuzz::write_file("pairs.jsonl", {reinterpret_cast<const char*>(data), size});
  load(path, {});
  load(path, {.document_field = "article", .summary_field = "highlights"});
  return 0;
}
