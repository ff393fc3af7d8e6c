// A text file for language modelling, as nanoGPT's data/shakespeare_char/prepare.py makes it: the
// whole file as one stream of character ids, the first 90% for training and the rest for
// validation, the vocabulary from the whole file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/char_vocab.h"

namespace attend {

struct LMCorpus {
  std::string source;  // the file the text came from
  CharVocab vocab;
  std::vector<int32_t> train, valid;  // token ids
};

// The bundled corpus names (tinyshakespeare), each found under ../shared/datasets when present.
std::vector<std::string> lm_corpus_names();
// A corpus name -> its file; anything else is taken as a path. Throws DataError for a name whose
// file is missing.
std::string resolve_lm_corpus(const std::string& data);

// The text of a file that must be non-empty UTF-8 text: a missing or unreadable file, an empty
// one, one with NUL bytes (binary) or invalid UTF-8 is a DataError naming the file and the line.
std::string read_lm_text(const std::string& path);

// Reads and splits: train = the first floor(0.9 n) characters. min_tokens: each split must hold
// at least that many ids (one window of context + 1), else a DataError says how long the file is.
// With vocab given (a checkpoint's), its characters are used and any other is an error.
LMCorpus load_lm_corpus(const std::string& data, int64_t min_tokens,
                        const CharVocab* vocab = nullptr);

}  // namespace attend
