// load_parallel_text on two line-aligned files (AESLC's body/subject, Multi30k's
// train.en/train.de): the input is the source file, a zero byte, then the target file.
#include <cstddef>
#include <cstdint>

#include "datasets/data_error.h"
#include "datasets/load_text_pairs.h"
#include "datasets/utf8.h"
#include "fuzz_util.h"

using namespace attend;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = fuzz::split_input(data, size, 2);
  const std::string src = fuzz::write_file("train.en", parts[0]);
  const std::string tgt = fuzz::write_file("train.fr", parts[1]);
  try {
    for (const TextPair& p : load_parallel_text(src, tgt)) {
      ATTEND_FUZZ_CHECK(!p.source.empty() && !p.target.empty() && p.line >= 1);
      ATTEND_FUZZ_CHECK(utf8::find_invalid(p.target) == utf8::npos);
    }
  } catch (const DataError&) {
  }
  return 0;
}
