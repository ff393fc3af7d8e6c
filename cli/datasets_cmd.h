// `attend datasets list` and `attend datasets show NAME|PATH`: what a dataset holds, before
// training on it.
#pragma once

#include <cstdint>
#include <string>

namespace attend::cli {

void list_datasets();

struct ShowDataset {
  std::string what;    // a name or a path
  std::string target;  // a second path: `what` and `target` are line-aligned parallel text
  // Parallel text by language: `what` is a prefix (data/train -> data/train.de, data/train.en)
  // or a directory (every split that has both files).
  std::string source_lang, target_lang;
  int samples = 3;
};

// Every kind of data `attend train` reads: a bundled dataset; a TSV/JSONL/CSV pairs file
// (optionally .gz); two line-aligned files; a prefix or directory of parallel text (languages
// given, or a directory's two file suffixes found); a Cora/Citeseer directory; a LINQS
// NAME.content file (NAME.cites beside it); a JSONL file of graphs; speech data. Throws with a
// one-line message on bad input.
void show_dataset(const ShowDataset& request);

// `attend datasets split FILE --out DIR`: a seeded train/valid/test split of a TSV of pairs.
struct SplitDataset {
  std::string file, out;
  double valid = 0.05, test = 0.05;
  uint64_t seed = 0;
  bool overwrite = false;
};

void split_dataset(const SplitDataset& request);

}  // namespace attend::cli
