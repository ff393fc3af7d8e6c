// The tokenizer kinds behind TextTokenizer (see text_tokenizer.h).
#include "datasets/text_tokenizer.h"

#include "datasets/data_error.h"
#include "datasets/html_entities.h"
#include "datasets/utf8.h"

namespace attend {

std::string prepare_text(std::string_view text, const TokenizerOptions& options) {
  if (const size_t bad = utf8::find_invalid(text); bad != utf8::npos)
    throw DataError("tokenize: " + utf8::describe_invalid(text, bad));
  std::string out = options.unescape_html ? unescape_html(text) : std::string(text);
  return options.lowercase ? utf8::lower(out) : out;
}

SentencePieceTokenizer::SentencePieceTokenizer(std::shared_ptr<const SentencePieceModel> model,
                                               TokenizerOptions options)
    : model_(std::move(model)), options_(options) {}

std::vector<std::string> SentencePieceTokenizer::tokenize(std::string_view text) const {
  return model_->encode(prepare_text(text, options_));
}

}  // namespace attend
