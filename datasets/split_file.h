// A seeded train/valid/test split of a file of sentence pairs, written as three files that
// `attend train --train-file/--valid-file/--test-file` reads: how a corpus that ships as one file
// (Tatoeba's eng-fra.txt, 142,787 pairs) gets the split papers and tutorials describe.
#pragma once

#include <cstdint>
#include <string>

namespace attend {

struct FileSplitOptions {
  double valid_fraction = 0.05, test_fraction = 0.05;
  uint64_t seed = 0;
  bool overwrite = false;  // replace train.tsv, valid.tsv and test.tsv already in the folder
};

struct FileSplitResult {
  std::string train, valid, test;  // the paths written
  int64_t train_pairs = 0, valid_pairs = 0, test_pairs = 0;
};

// Reads `path` (TSV pairs, source TAB target [TAB ...], maybe .gz), checks every line as `attend
// train` would, and writes out_dir/{train,valid,test}.tsv: each pair's line as it was (less a CR
// before the LF), each split in the file's order. Valid and test get round(n * fraction) pairs
// each, drawn by a permutation seeded with options.seed (random_split: the same split on every
// machine). Each file is written to a temporary name and renamed into place. Throws DataError
// naming the file (and line) on bad input, on fractions outside [0, 1] or summing past 1, on a
// split that would be empty, and on existing outputs without options.overwrite.
FileSplitResult split_pairs_file(const std::string& path, const std::string& out_dir,
                                 const FileSplitOptions& options);

}  // namespace attend
