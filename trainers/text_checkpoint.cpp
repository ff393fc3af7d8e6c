// Tokenizers in checkpoints (see text_checkpoint.h).
#include "trainers/text_checkpoint.h"

#include "datasets/base64.h"
#include "datasets/data_error.h"
#include "trainers/checkpoint.h"

namespace attend {

namespace {

using json = nlohmann::json;

std::shared_ptr<const TextTokenizer> load_subword_model(const std::string& path, const json& models,
                                                        const char* key,
                                                        const TokenizerOptions& options) {
  if (!models.contains(key) || !models.at(key).is_string())
    throw CheckpointError(path + ": no " + key + " SentencePiece model in its \"" +
                          kSubwordModelsKey + "\" metadata");
  try {
    auto model = std::make_shared<const SentencePieceModel>(
        SentencePieceModel::load(base64_decode(models.at(key).get<std::string>())));
    return std::make_shared<SentencePieceTokenizer>(std::move(model), options);
  } catch (const DataError& e) {
    throw CheckpointError(path + ": its " + key + " SentencePiece model is corrupt: " + e.what());
  }
}

}  // namespace

json tokenizer_config(const TextPipelineOptions& o) {
  json j = {{"kind", kTokenizerKinds.name(o.kind)},
            {"lowercase", o.tokenizer.lowercase},
            {"split_elision", o.tokenizer.split_elision},
            {"unescape_html", o.tokenizer.unescape_html},
            {"joint", o.joint}};
  if (o.kind == TokenizerKind::kSentencePiece) {
    j["vocab_size"] = o.subwords.vocab_size;
    j["model_type"] = kSubwordAlgorithms.name(o.subwords.algorithm);
  }
  return j;
}

TextPipelineOptions read_tokenizer_config(const json& j) {
  TextPipelineOptions o;
  o.tokenizer.lowercase = j.at("lowercase").get<bool>();
  o.tokenizer.split_elision = j.at("split_elision").get<bool>();
  // Written before subword vocabularies: a word tokenizer that kept entities as they were.
  o.kind = kTokenizerKinds.parse<DataError>(j.value("kind", "word"), "tokenizer");
  o.tokenizer.unescape_html = j.value("unescape_html", false);
  o.joint = j.value("joint", false);
  if (o.kind == TokenizerKind::kSentencePiece) {
    o.subwords.vocab_size = j.at("vocab_size").get<int64_t>();
    o.subwords.algorithm = kSubwordAlgorithms.parse<DataError>(
        j.at("model_type").get<std::string>(), "SentencePiece model type");
  }
  return o;
}

std::string subword_models_metadata(const TextPipeline& p) {
  const auto* source = dynamic_cast<const SentencePieceTokenizer*>(p.source_tokenizer.get());
  const auto* target = dynamic_cast<const SentencePieceTokenizer*>(p.target_tokenizer.get());
  if (!source || !target) return "";
  if (source == target) return json{{"joint", base64_encode(source->model().serialized())}}.dump();
  return json{{"source", base64_encode(source->model().serialized())},
              {"target", base64_encode(target->model().serialized())}}
      .dump();
}

TextPipeline checkpoint_pipeline(const std::string& path,
                                 const std::map<std::string, std::string>& metadata,
                                 const TextPipelineOptions& o, Vocab source_vocab,
                                 Vocab target_vocab) {
  TextPipeline p;
  p.source_vocab = std::move(source_vocab);
  p.target_vocab = std::move(target_vocab);
  if (o.kind == TokenizerKind::kWord) {
    p.source_tokenizer = std::make_shared<WordTokenizer>(o.tokenizer);
    p.target_tokenizer =
        o.joint ? p.source_tokenizer : std::make_shared<WordTokenizer>(o.tokenizer);
    return p;
  }
  const auto it = metadata.find(kSubwordModelsKey);
  if (it == metadata.end())
    throw CheckpointError(path + ": trained with SentencePiece, but no \"" + kSubwordModelsKey +
                          "\" models in its metadata");
  json models;
  try {
    models = json::parse(it->second);
  } catch (const json::exception& e) {
    throw CheckpointError(path + ": its \"" + kSubwordModelsKey +
                          "\" metadata is not JSON: " + e.what());
  }
  if (!models.is_object())
    throw CheckpointError(path + ": its \"" + kSubwordModelsKey + "\" metadata is not an object");
  if (o.joint) {
    p.source_tokenizer = p.target_tokenizer =
        load_subword_model(path, models, "joint", o.tokenizer);
  } else {
    p.source_tokenizer = load_subword_model(path, models, "source", o.tokenizer);
    p.target_tokenizer = load_subword_model(path, models, "target", o.tokenizer);
  }
  // The pieces are the vocabulary the embeddings were trained with, token for token.
  if (!(*p.source_tokenizer->vocab() == p.source_vocab) ||
      !(*p.target_tokenizer->vocab() == p.target_vocab))
    throw CheckpointError(path + ": its SentencePiece models' pieces are not its vocabularies");
  return p;
}

}  // namespace attend
