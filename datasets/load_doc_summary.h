// Loaders for document-summary pairs (summarisation): JSON Lines, one object per line, or CSV with
// a header row; the names of the two fields are options (AESLC-style "body"/"subject", CNN/DM-style
// "article"/"highlights", ...).
#pragma once

#include <string>
#include <vector>

#include "datasets/text_pairs.h"

namespace attend {

struct DocSummaryOptions {
  std::string document_field = "document";  // becomes TextPair::source
  std::string summary_field = "summary";    // becomes TextPair::target
  char csv_delimiter = ',';
};

// Each non-empty line a JSON object with both fields as strings; other fields are ignored.
// Throws DataError (FILE:LINE) on invalid JSON, a line that is not an object, a missing, non-string
// or empty field, invalid UTF-8, an empty or missing file.
std::vector<TextPair> load_jsonl_pairs(const std::string& path,
                                       const DocSummaryOptions& options = {});

// RFC 4180 CSV whose first record names the columns. Throws DataError (FILE:LINE) on a header
// without the two fields, a record with a different column count than the header, an empty
// field, bad quoting, invalid UTF-8, an empty or missing file.
std::vector<TextPair> load_csv_pairs(const std::string& path,
                                     const DocSummaryOptions& options = {});

// By extension (under an optional .gz): .jsonl/.json -> load_jsonl_pairs, .csv -> load_csv_pairs,
// .tsv -> CSV with tab delimiter; anything else throws DataError.
std::vector<TextPair> load_doc_summary(const std::string& path,
                                       const DocSummaryOptions& options = {});

}  // namespace attend
