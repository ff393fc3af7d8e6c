// Loaders for sentence pairs stored as text lines: the Tatoeba/manythings TSV layout
// ("English<TAB>French[<TAB>attribution]") and two line-aligned files (AESLC's body/subject files,
// Multi30k's train.en/train.de).
#pragma once

#include <string>
#include <vector>

#include "datasets/text_pairs.h"

namespace attend {

struct TsvPairsOptions {
  // 0-based columns of the source and target; swap them to translate French -> English. Columns
  // after the last one used (the attribution column of newer manythings releases) are ignored.
  int source_column = 0;
  int target_column = 1;
  bool has_header = false;  // skip the first line
};

// One pair per non-empty line. Throws DataError (FILE:LINE) on a line with too few tab-separated
// columns, an empty source or target, invalid UTF-8, an empty or missing file.
std::vector<TextPair> load_tsv_pairs(const std::string& path, const TsvPairsOptions& options = {});

// Line k of source_path pairs with line k of target_path. Throws DataError when the files have
// different line counts (naming the shorter file and the first line it lacks), on an empty line,
// invalid UTF-8, an empty or missing file.
std::vector<TextPair> load_parallel_text(const std::string& source_path,
                                         const std::string& target_path);

}  // namespace attend
