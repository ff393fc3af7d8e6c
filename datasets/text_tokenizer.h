// TextTokenizer: how a text task turns text into tokens and tokens back into text, whichever
// tokenizer a run uses. Tasks, decoding, attention maps and checkpoints see only this interface
// and the Vocab beside it, so they do not care which one it is:
//   WordTokenizer           the rule-based word tokenizer of tokenizer.h; its vocabulary is built
//                           from the training split's word counts (min-freq, max size);
//   SentencePieceTokenizer  subwords from a SentencePiece model trained on the training split
//                           (sentencepiece_model.h); the model brings its vocabulary.
// Both first unescape HTML character references and lowercase when asked (TokenizerOptions).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/enum_names.h"
#include "datasets/sentencepiece_model.h"
#include "datasets/tokenizer.h"
#include "datasets/vocab.h"

namespace attend {

enum class TokenizerKind { kWord, kSentencePiece };
// The --tokenizer values; parse<DataError>(name, "tokenizer") for text from a file.
inline constexpr EnumNames<TokenizerKind, 2> kTokenizerKinds{
    {{{TokenizerKind::kWord, "word"}, {TokenizerKind::kSentencePiece, "sentencepiece"}}}};

class TextTokenizer {
 public:
  virtual ~TextTokenizer() = default;
  virtual TokenizerKind kind() const = 0;
  // Lowercasing and HTML unescaping (for SentencePiece also its normalisation) happen here.
  virtual std::vector<std::string> tokenize(std::string_view text) const = 0;
  // Tokens back to text, for people and for the scorers.
  virtual std::string detokenize(const std::vector<std::string>& tokens) const = 0;
  // The vocabulary the tokenizer comes with (a SentencePiece model's pieces), or nullopt when one
  // is built from the training split's token counts (the word tokenizer).
  virtual std::optional<Vocab> vocab() const = 0;
  // What text goes through before tokenising: lowercase, unescape_html (and split_elision, which
  // only the word tokenizer uses).
  virtual const TokenizerOptions& options() const = 0;
};

class WordTokenizer final : public TextTokenizer {
 public:
  explicit WordTokenizer(TokenizerOptions options = {}) : options_(options) {}
  TokenizerKind kind() const override { return TokenizerKind::kWord; }
  std::vector<std::string> tokenize(std::string_view text) const override {
    return attend::tokenize(text, options_);
  }
  std::string detokenize(const std::vector<std::string>& tokens) const override {
    return attend::detokenize(tokens);
  }
  std::optional<Vocab> vocab() const override { return std::nullopt; }
  const TokenizerOptions& options() const override { return options_; }

 private:
  TokenizerOptions options_;
};

class SentencePieceTokenizer final : public TextTokenizer {
 public:
  // options.split_elision is ignored (SentencePiece learns its own splits).
  SentencePieceTokenizer(std::shared_ptr<const SentencePieceModel> model, TokenizerOptions options);
  TokenizerKind kind() const override { return TokenizerKind::kSentencePiece; }
  // Throws DataError on invalid UTF-8 (as the word tokenizer does).
  std::vector<std::string> tokenize(std::string_view text) const override;
  std::string detokenize(const std::vector<std::string>& tokens) const override {
    return model_->decode(tokens);
  }
  std::optional<Vocab> vocab() const override { return model_->vocab(); }
  const TokenizerOptions& options() const override { return options_; }
  const SentencePieceModel& model() const { return *model_; }

 private:
  std::shared_ptr<const SentencePieceModel> model_;
  TokenizerOptions options_;
};

// The text as a tokenizer with these options reads it before splitting: HTML references
// unescaped, then lowercased (each when asked). Throws DataError on invalid UTF-8.
std::string prepare_text(std::string_view text, const TokenizerOptions& options);

}  // namespace attend
