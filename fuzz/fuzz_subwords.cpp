// A SentencePiece model as a checkpoint carries it: the bytes SentencePieceModel::load reads
// (libsentencepiece's protobuf parser and attend's checks of the pieces), and the base64 text they
// travel as in the metadata. The input is the model's bytes; it is also decoded as base64.
#include <cstddef>
#include <cstdint>

#include "datasets/base64.h"
#include "datasets/data_error.h"
#include "datasets/sentencepiece_model.h"
#include "datasets/utf8.h"
#include "fuzz_util.h"

using namespace attend;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Base64: what decodes must encode back to the same text (one spelling per byte string).
  try {
    ATTEND_FUZZ_CHECK(base64_encode(base64_decode(bytes)) == bytes);
  } catch (const DataError&) {
  }
  try {
    const SentencePieceModel m = SentencePieceModel::load(std::string(bytes));
    const Vocab v = m.vocab();
    ATTEND_FUZZ_CHECK(v.size() == static_cast<int64_t>(m.pieces().size()));
    ATTEND_FUZZ_CHECK(v.size() >= Vocab::kNumSpecials);
    for (int64_t k = 0; k < Vocab::kNumSpecials; ++k)
      ATTEND_FUZZ_CHECK(v.token(k) == Vocab::specials()[k]);
    // The model at work: pieces of valid UTF-8 text, and text back from them.
    for (const char* text : {"Two young, White males are outside near many bushes.",
                             "Zwei junge wei\u00DFe M\u00E4nner sind im Freien.", "", "  a  b  "}) {
      const std::vector<std::string> pieces = m.encode(text);
      for (const auto& p : pieces) ATTEND_FUZZ_CHECK(!p.empty());
      (void)m.decode(pieces);
    }
  } catch (const DataError&) {
  }
  return 0;
}
