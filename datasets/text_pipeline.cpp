// Tokenizers and vocabularies from a training split (see text_pipeline.h).
#include "datasets/text_pipeline.h"

#include "datasets/data_error.h"

namespace attend {

namespace {

std::shared_ptr<const TextTokenizer> train_sentencepiece(const std::vector<std::string>& text,
                                                         const TextPipelineOptions& o,
                                                         const std::string& side) {
  std::vector<std::string> prepared;
  prepared.reserve(text.size());
  for (const auto& t : text) prepared.push_back(prepare_text(t, o.tokenizer));
  try {
    auto model =
        std::make_shared<const SentencePieceModel>(SentencePieceModel::train(prepared, o.subwords));
    return std::make_shared<SentencePieceTokenizer>(std::move(model), o.tokenizer);
  } catch (const DataError& e) {
    throw DataError(side + " SentencePiece model: " + e.what());
  }
}

}  // namespace

TokenizedPairs tokenize_pairs(const std::vector<TextPair>& pairs, const TextPipeline& p) {
  TokenizedPairs out;
  out.source.reserve(pairs.size());
  out.target.reserve(pairs.size());
  for (const auto& pair : pairs) {
    out.source.push_back(p.source_tokenizer->tokenize(pair.source));
    out.target.push_back(p.target_tokenizer->tokenize(pair.target));
  }
  return out;
}

TextPipeline build_text_pipeline(const std::vector<TextPair>& train, const TextPipelineOptions& o) {
  TextPipeline p;
  if (o.kind == TokenizerKind::kSentencePiece) {
    std::vector<std::string> source, target;
    for (const auto& pair : train) {
      source.push_back(pair.source);
      (o.joint ? source : target).push_back(pair.target);
    }
    p.source_tokenizer = train_sentencepiece(source, o, o.joint ? "joint" : "source");
    p.target_tokenizer = o.joint ? p.source_tokenizer : train_sentencepiece(target, o, "target");
    p.source_vocab = *p.source_tokenizer->vocab();
    p.target_vocab = *p.target_tokenizer->vocab();
    return p;
  }
  p.source_tokenizer = std::make_shared<WordTokenizer>(o.tokenizer);
  p.target_tokenizer = o.joint ? p.source_tokenizer : std::make_shared<WordTokenizer>(o.tokenizer);
  TokenizedPairs tokens = tokenize_pairs(train, p);
  if (o.joint) {
    tokens.source.insert(tokens.source.end(), std::make_move_iterator(tokens.target.begin()),
                         std::make_move_iterator(tokens.target.end()));
    p.source_vocab = p.target_vocab = Vocab::build(tokens.source, o.vocab);
  } else {
    p.source_vocab = Vocab::build(tokens.source, o.vocab);
    p.target_vocab = Vocab::build(tokens.target, o.vocab);
  }
  return p;
}

}  // namespace attend
