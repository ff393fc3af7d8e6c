// The character vocabulary of character-level language modelling (nanoGPT's shakespeare_char):
// every distinct Unicode code point of the training text, sorted, one id each, no special tokens.
// A subword vocabulary (SentencePiece) would sit behind the same encode/decode/size/to_json calls.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attend {

class CharVocab {
 public:
  CharVocab() = default;
  // The distinct code points of text (valid UTF-8), sorted by code point as nanoGPT sorts them.
  static CharVocab build(std::string_view text);
  // {"chars": ["\n", " ", "!", ...]}: what a checkpoint stores. Throws std::invalid_argument.
  static CharVocab from_json(const std::string& json);
  std::string to_json() const;

  int64_t size() const { return static_cast<int64_t>(chars_.size()); }
  // Id of one character (a UTF-8 code point), or -1 when it is not in the vocabulary.
  int64_t id(std::string_view ch) const;
  const std::string& token(int64_t id) const { return chars_.at(static_cast<size_t>(id)); }

  // text (valid UTF-8) -> ids. Characters outside the vocabulary are left out and listed, each
  // once in order of appearance, in *unknown (when given); without it they throw DataError.
  std::vector<int64_t> encode(std::string_view text,
                              std::vector<std::string>* unknown = nullptr) const;
  std::string decode(const std::vector<int64_t>& ids) const;

 private:
  std::vector<std::string> chars_;
  std::unordered_map<std::string, int64_t> ids_;
};

// "'é' (U+00E9)": one character for a message, control characters escaped.
std::string describe_char(std::string_view ch);

}  // namespace attend
