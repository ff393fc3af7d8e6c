// Loaders for sentence pairs stored as text lines: the Tatoeba/manythings TSV layout
// ("English<TAB>French[<TAB>attribution]") and two line-aligned files (AESLC's body/subject files,
// Multi30k's train.en/train.de).
#pragma once

#include <string>
#include <utility>
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

// Line k of source_path pairs with line k of target_path (either file may be gzip-compressed).
// A line that is empty (or only whitespace) in both files is skipped, as Moses'
// clean-corpus-n.perl and fairseq-preprocess drop such pairs; line numbers still count it. Throws
// DataError naming the file and line on: different line counts (the shorter file and the first
// line it lacks), a line empty on one side only (the files are out of step), invalid UTF-8, a zero
// byte (a binary file), an empty or missing file, or files with no pair at all.
std::vector<TextPair> load_parallel_text(const std::string& source_path,
                                         const std::string& target_path);

// The two files of one split of a parallel corpus, as fairseq-preprocess names them from a prefix
// and two language codes: PREFIX.SRC and PREFIX.TGT ("data/train" + "de" + "en" ->
// data/train.de, data/train.en), each also found as PREFIX.LANG.gz. Throws DataError naming the
// file that is missing (both spellings) or a language code that is empty or has a '/'.
struct ParallelFiles {
  std::string source, target;
};
ParallelFiles parallel_files(const std::string& prefix, const std::string& source_lang,
                             const std::string& target_lang);

// The parallel splits in a directory: every STEM for which STEM.SRC and STEM.TGT (or .gz) both
// exist, sorted ("train", "val", "test_2016_flickr" in Multi30k's raw/ with "de" and "en").
std::vector<std::string> parallel_stems(const std::string& dir, const std::string& source_lang,
                                        const std::string& target_lang);

// The two languages of a directory of parallel text: the two file suffixes that share a stem
// (multi30k/raw: "de" and "en", in name order), or two empty strings when there are not exactly
// two such suffixes.
std::pair<std::string, std::string> parallel_languages(const std::string& dir);

}  // namespace attend
