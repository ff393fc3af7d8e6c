// Tokenize and encode pairs (see text_pairs.h).
#include "datasets/text_pairs.h"

#include "datasets/data_error.h"

namespace attend {

TokenizedPairs tokenize_pairs(const std::vector<TextPair>& pairs, const Tokenizer& source_tokenizer,
                              const Tokenizer& target_tokenizer) {
  TokenizedPairs out;
  out.source.reserve(pairs.size());
  out.target.reserve(pairs.size());
  for (const auto& p : pairs) {
    out.source.push_back(source_tokenizer(p.source));
    out.target.push_back(target_tokenizer(p.target));
  }
  return out;
}

std::vector<SequencePair> encode_pairs(const TokenizedPairs& pairs, const Vocab& source_vocab,
                                       const Vocab& target_vocab) {
  if (pairs.source.size() != pairs.target.size())
    throw DataError("encode_pairs: " + std::to_string(pairs.source.size()) + " sources but " +
                    std::to_string(pairs.target.size()) + " targets");
  std::vector<SequencePair> out(pairs.source.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].source = source_vocab.encode(pairs.source[i]);
    out[i].target = target_vocab.encode(pairs.target[i]);
  }
  return out;
}

}  // namespace attend
