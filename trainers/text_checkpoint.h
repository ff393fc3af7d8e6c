// How a text experiment's tokenizers travel in a checkpoint, so eval, translate and attention
// need no side files:
//   config["tokenizer"]         the settings (small, compared by --resume, in config.json):
//                               {"kind": "word" | "sentencepiece", "lowercase", "split_elision",
//                                "unescape_html", "joint", and for sentencepiece "vocab_size" and
//                                "model_type"}; a checkpoint from before subwords has only
//                               lowercase and split_elision (a word tokenizer, no unescaping).
//   metadata["sentencepiece"]   the trained models' bytes, base64 (JSON {"source": ..., "target":
//                               ...}, or {"joint": ...} for one model shared by both sides).
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "datasets/text_pipeline.h"

namespace attend {

inline constexpr const char* kSubwordModelsKey = "sentencepiece";

nlohmann::json tokenizer_config(const TextPipelineOptions& options);
// The settings back; throws nlohmann::json::exception on a missing or mistyped field and
// DataError on an unknown kind or model type.
TextPipelineOptions read_tokenizer_config(const nlohmann::json& config);

// The "sentencepiece" metadata entry of a pipeline with SentencePiece tokenizers ("" otherwise).
std::string subword_models_metadata(const TextPipeline& pipeline);

// The tokenizers a checkpoint was trained with, over its vocabularies. Throws CheckpointError
// naming path when a SentencePiece model is missing, not base64, not a model, or its pieces are
// not the checkpoint's vocabulary.
TextPipeline checkpoint_pipeline(const std::string& path,
                                 const std::map<std::string, std::string>& metadata,
                                 const TextPipelineOptions& options, Vocab source_vocab,
                                 Vocab target_vocab);

}  // namespace attend
