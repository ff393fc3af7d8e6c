// The text pipeline on arbitrary bytes: tokenize (all four option sets), detokenize, a vocabulary
// built from the tokens with encode/decode, and the input read as a saved vocabulary (the text
// file of Vocab::save and the JSON of Vocab::to_json that checkpoints embed).
#include <cstddef>
#include <cstdint>

#include "datasets/data_error.h"
#include "datasets/tokenizer.h"
#include "datasets/utf8.h"
#include "datasets/vocab.h"
#include "fuzz_util.h"

using namespace attend;

namespace {

void check_tokens(const std::vector<std::string>& tokens) {
  for (const std::string& t : tokens) {
    ATTEND_FUZZ_CHECK(!t.empty());
    ATTEND_FUZZ_CHECK(utf8::find_invalid(t) == utf8::npos);
    // Whitespace separates tokens, so no token holds any.
    ATTEND_FUZZ_CHECK(t.find_first_of(" \t\n\r") == std::string::npos);
  }
}

void text_pipeline(std::string_view text) {
  std::vector<std::vector<std::string>> sentences;
  for (bool lowercase : {false, true})
    for (bool split_elision : {false, true}) {
      const TokenizerOptions options{.lowercase = lowercase, .split_elision = split_elision};
      std::vector<std::string> tokens;
      try {
        tokens = tokenize(text, options);
      } catch (const DataError&) {
        ATTEND_FUZZ_CHECK(utf8::find_invalid(text) != utf8::npos);
        return;
      }
      check_tokens(tokens);
      // detokenize's promise: its text tokenizes back to the same tokens.
      const std::string joined = detokenize(tokens);
      ATTEND_FUZZ_CHECK(utf8::find_invalid(joined) == utf8::npos);
      ATTEND_FUZZ_CHECK(tokenize(joined, options) == tokens);
      sentences.push_back(std::move(tokens));
    }
  // Tokens are always storable, and every one of them survives encode/decode.
  const Vocab vocab = Vocab::build(sentences, {.min_freq = 1, .max_size = 0});
  for (const auto& s : sentences) {
    const std::vector<int64_t> ids = vocab.encode(s, true, true);
    ATTEND_FUZZ_CHECK(static_cast<int64_t>(ids.size()) == static_cast<int64_t>(s.size()) + 2);
    for (int64_t id : ids) ATTEND_FUZZ_CHECK(id >= 0 && id < vocab.size());
    ATTEND_FUZZ_CHECK(vocab.decode(ids, false).size() == ids.size());
  }
  // Its JSON form reads back equal; a size limit keeps the same order of the most frequent.
  ATTEND_FUZZ_CHECK(Vocab::from_json(vocab.to_json()) == vocab);
  const Vocab small = Vocab::build(sentences, {.min_freq = 2, .max_size = 6});
  ATTEND_FUZZ_CHECK(small.size() <= 6);
}

void saved_vocab(std::string_view bytes) {
  try {
    const Vocab v = Vocab::from_json(std::string(bytes));
    ATTEND_FUZZ_CHECK(v.size() >= Vocab::kNumSpecials);
    ATTEND_FUZZ_CHECK(Vocab::from_json(v.to_json()) == v);
  } catch (const DataError&) {
  }
  try {
    const Vocab v = Vocab::load(fuzz::write_file("vocab.txt", bytes));
    ATTEND_FUZZ_CHECK(v.size() >= Vocab::kNumSpecials);
    for (int64_t i = 0; i < v.size(); ++i) ATTEND_FUZZ_CHECK(v.index(v.token(i)) == i);
  } catch (const DataError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  text_pipeline(bytes);
  saved_vocab(bytes);
  return 0;
}
