// A SentencePiece subword model (Kudo & Richardson 2018; the Debian libsentencepiece library, not
// a copy of it): trained in memory on a corpus's training sentences, serialised to bytes (which a
// checkpoint carries in its metadata) and loaded back from them.
//
// attend's four specials are the model's first four pieces, with SentencePiece's pad/bos/eos/unk
// renamed to attend's spelling: <pad> = 0, <bos> = 1, <eos> = 2, <unk> = 3, so piece k of the
// model is token k of the Vocab made from it (vocab()). Text is normalised as SentencePiece's
// default "nmt_nfkc" rule does (NFKC, whitespace runs collapsed to one space, none at either end);
// for such text whose characters all occur in the training sentences (character coverage 1.0),
// decode(encode(x)) == x.
//
// Built without SentencePiece (CMake says so), sentencepiece_supported() is false and training
// or loading a model throws DataError saying how to get it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/enum_names.h"
#include "datasets/vocab.h"

namespace attend {

bool sentencepiece_supported();

enum class SubwordAlgorithm { kUnigram, kBpe };
// SentencePiece's --model_type names (attend's --sp-model-type).
inline constexpr EnumNames<SubwordAlgorithm, 2> kSubwordAlgorithms{
    {{{SubwordAlgorithm::kUnigram, "unigram"}, {SubwordAlgorithm::kBpe, "bpe"}}}};

struct SentencePieceOptions {
  // Pieces in the model, attend's 4 specials included (so it is the embedding table's row count).
  int64_t vocab_size = 8000;
  SubwordAlgorithm algorithm = SubwordAlgorithm::kUnigram;
  // Seeds SentencePiece's random generator; training on the same sentences with the same options
  // gives the same model, byte for byte.
  uint64_t seed = 0;
};

class SentencePieceModel {
 public:
  // Trains on these sentences (one example each; empty ones are left out). Throws DataError when
  // vocab_size is more than the text allows (saying the largest it allows), when there are no
  // sentences, or when SentencePiece refuses the options.
  static SentencePieceModel train(const std::vector<std::string>& sentences,
                                  const SentencePieceOptions& options);
  // Loads a serialised model (what serialized() returned). Throws DataError when the bytes are not
  // a SentencePiece model, or are one whose first four pieces are not attend's specials.
  static SentencePieceModel load(std::string serialized);

  ~SentencePieceModel();
  SentencePieceModel(SentencePieceModel&&) noexcept;
  SentencePieceModel& operator=(SentencePieceModel&&) noexcept;

  // Normalised text as pieces ("Zwei Männer." -> "▁Zwei" "▁Männer" "."); a character the model
  // has never seen is a piece of its own that vocab() maps to <unk>.
  std::vector<std::string> encode(std::string_view text) const;
  // Pieces back to text: "▁" marks where a space goes; <unk> is SentencePiece's " ⁇ ".
  std::string decode(const std::vector<std::string>& pieces) const;
  // The model's pieces in id order, the four specials first.
  const std::vector<std::string>& pieces() const { return pieces_; }
  // Specials + pieces: token k is piece k.
  Vocab vocab() const;
  const std::string& serialized() const { return serialized_; }

 private:
  SentencePieceModel();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string serialized_;
  std::vector<std::string> pieces_;
};

}  // namespace attend
