// The text datasets that ship with attend, under datasets/data/ (written by the generators in
// datasets/generators/, whose docstrings describe them in full; running a generator again
// rewrites its files byte for byte):
//   "toy-en-fr"          English -> French sentence pairs from a small grammar over a bilingual
//                        lexicon: adjective reordering, gender and number agreement, four tenses,
//                        negation, object pronouns, relative clauses, elision and contractions.
//                        English sides of 3..30 tokens; 28,000 / 1,000 / 1,000 pairs
//                        (translation.{train,valid,test}.tsv.gz, "English<TAB>French").
//   "toy-fr-en"          the same pairs, French -> English.
//   "toy-summarization"  short news items (match reports, weather bulletins, company results) of
//                        40..150 tokens with distractor sentences, and one-sentence summaries
//                        whose names and numbers are copied from the document; 13,000 / 1,000 /
//                        1,000 pairs (summarization.{train,valid,test}.jsonl.gz, fields
//                        "document" and "summary").
// No source occurs twice, in one split or across them, in either translation direction.
//
// The data directory is the environment variable ATTEND_DATA_DIR when it is set, else the source
// tree's datasets/data (compiled in as ATTEND_DATA_DIR).
#pragma once

#include <string>
#include <vector>

#include "datasets/text_pairs.h"

namespace attend {

// The directory the bundled files are read from (see above). Throws DataError when it does not
// exist, saying how to point attend at it.
std::string bundled_data_dir();

// "toy-en-fr", "toy-fr-en", "toy-summarization".
std::vector<std::string> bundled_dataset_names();

// Paths of the train, valid and test files of a bundled text dataset (whether or not they exist).
// Throws DataError for an unknown name, listing the known ones.
std::vector<std::string> bundled_dataset_files(const std::string& name);

struct TextSplits {
  std::vector<TextPair> train, valid, test;
};

// Reads the three splits with load_tsv_pairs / load_jsonl_pairs (source = English, French or
// document; target = French, English or summary). Throws DataError for an unknown name, a missing
// file (naming it and the generator that writes it) or a malformed one (FILE:LINE).
TextSplits load_bundled_text(const std::string& name);

}  // namespace attend
