// Vocab: token <-> index, with the four special tokens at fixed indices
//   <pad> = 0, <bos> = 1, <eos> = 2, <unk> = 3
// (pad is 0 so zero-initialised index tensors are padding, as in most seq2seq code). Built from
// token counts with a minimum frequency and a maximum size; saved as a text file (line k holds the
// token with index k) or as a JSON string to embed in a checkpoint.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace attend {

struct VocabOptions {
  // Tokens seen fewer times are left out (and encode as <unk>).
  int64_t min_freq = 1;
  // Largest vocabulary, the 4 specials included (so it is the embedding table's row count);
  // 0 = no limit. The most frequent tokens are kept; equal counts are ordered by the token's
  // bytes, so the result never depends on input order or hash-table layout.
  int64_t max_size = 0;
};

class Vocab {
 public:
  static constexpr int64_t kPad = 0, kBos = 1, kEos = 2, kUnk = 3, kNumSpecials = 4;
  static const std::vector<std::string>& specials();  // {"<pad>", "<bos>", "<eos>", "<unk>"}

  // Only the specials.
  Vocab();
  // Specials followed by these tokens, in this order. Throws DataError on a duplicate, an empty
  // token, a token with whitespace, or invalid UTF-8.
  explicit Vocab(const std::vector<std::string>& regular_tokens);

  // Counts the tokens of every sentence, then builds as from_counts does.
  static Vocab build(const std::vector<std::vector<std::string>>& sentences,
                     const VocabOptions& options = {});
  // Tokens sorted by count (descending), then bytes (ascending); the specials themselves are
  // skipped if they occur in the counts.
  static Vocab from_counts(const std::unordered_map<std::string, int64_t>& counts,
                           const VocabOptions& options = {});

  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  bool contains(const std::string& token) const { return index_.count(token) > 0; }
  // The token's index, or kUnk.
  int64_t index(const std::string& token) const;
  // The token with this index; throws DataError when out of range.
  const std::string& token(int64_t index) const;
  const std::vector<std::string>& tokens() const { return tokens_; }

  // Indices of the tokens, optionally wrapped in <bos> ... <eos>.
  std::vector<int64_t> encode(const std::vector<std::string>& tokens, bool add_bos = false,
                              bool add_eos = false) const;
  // Tokens of the indices. With strip_specials, <pad> and <bos> are dropped and decoding stops at
  // the first <eos> (what a generated sequence means); <unk> is kept.
  std::vector<std::string> decode(const std::vector<int64_t>& indices,
                                  bool strip_specials = true) const;

  // Text file, one token per line, line k = index k (the first four lines are the specials).
  // save writes a temporary file and renames it, so a crash never leaves half a vocabulary.
  void save(const std::string& path) const;
  static Vocab load(const std::string& path);

  // {"format": "attend-vocab", "version": 1, "tokens": [...]} (specials included).
  std::string to_json() const;
  static Vocab from_json(const std::string& json);

  friend bool operator==(const Vocab& a, const Vocab& b) { return a.tokens_ == b.tokens_; }

 private:
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t> index_;
};

}  // namespace attend
