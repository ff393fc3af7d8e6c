// Sentence pairs (translation) and document-summary pairs (summarisation), as text and as token
// indices, and the step between them: tokenize, then encode with a vocabulary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/tokenizer.h"
#include "datasets/vocab.h"

namespace attend {

// One example as read from a file: source (English sentence, document) and target (French
// sentence, summary). line is where it started in its file, for messages about it later.
struct TextPair {
  std::string source;
  std::string target;
  int64_t line = 0;
};

// One example as vocabulary indices, without <bos>/<eos> (batching adds them).
struct SequencePair {
  std::vector<int64_t> source;
  std::vector<int64_t> target;
};

struct TokenizedPairs {
  std::vector<std::vector<std::string>> source;
  std::vector<std::vector<std::string>> target;
};

// Tokenizes both sides of every pair; build a Vocab from .source / .target.
TokenizedPairs tokenize_pairs(const std::vector<TextPair>& pairs, const Tokenizer& source_tokenizer,
                              const Tokenizer& target_tokenizer);

// Encodes tokenized pairs (unknown tokens become <unk>).
std::vector<SequencePair> encode_pairs(const TokenizedPairs& pairs, const Vocab& source_vocab,
                                       const Vocab& target_vocab);

// Keeps the examples at these positions, in this order (e.g. one split).
template <typename T>
std::vector<T> select(const std::vector<T>& items, const std::vector<int64_t>& positions) {
  std::vector<T> out;
  out.reserve(positions.size());
  for (int64_t p : positions) out.push_back(items.at(p));
  return out;
}

}  // namespace attend
