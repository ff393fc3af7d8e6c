// The tokenizers and vocabularies of a text task, made from its training split: word vocabularies
// from token counts, or SentencePiece models trained on the training text; separate for source
// and target, or one shared by both sides (joint).
#pragma once

#include <memory>
#include <vector>

#include "datasets/text_pairs.h"
#include "datasets/text_tokenizer.h"

namespace attend {

struct TextPipelineOptions {
  TokenizerKind kind = TokenizerKind::kWord;
  TokenizerOptions tokenizer;     // both kinds: lowercase, unescape_html; word: split_elision
  VocabOptions vocab;             // word: min_freq, max_size
  SentencePieceOptions subwords;  // sentencepiece: vocab_size, algorithm, seed
  // One tokenizer and one vocabulary for both sides, made from both sides' training text (as
  // fairseq's --joined-dictionary); needed to share embeddings between encoder and decoder.
  bool joint = false;
};

struct TextPipeline {
  // The same object on both sides when joint.
  std::shared_ptr<const TextTokenizer> source_tokenizer, target_tokenizer;
  Vocab source_vocab, target_vocab;
};

// Throws DataError as SentencePieceModel::train does (a vocabulary size the text cannot fill,
// SentencePiece missing from this build), naming the side it was training.
TextPipeline build_text_pipeline(const std::vector<TextPair>& train,
                                 const TextPipelineOptions& options);

// Tokenizes both sides of every pair with the pipeline's tokenizers.
TokenizedPairs tokenize_pairs(const std::vector<TextPair>& pairs, const TextPipeline& pipeline);

}  // namespace attend
