// JSONL and CSV document-summary loaders (see load_doc_summary.h).
#include "datasets/load_doc_summary.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "datasets/csv.h"
#include "datasets/json_line.h"
#include "datasets/line_reader.h"

namespace attend {

namespace {

std::string field_of(const nlohmann::json& obj, const std::string& name, const LineReader& in) {
  const auto it = obj.find(name);
  if (it == obj.end()) in.fail("missing field \"" + name + "\"");
  if (!it->is_string())
    in.fail("field \"" + name + "\" is " + it->type_name() + ", expected a string");
  std::string s = it->get<std::string>();
  if (s.empty()) in.fail("field \"" + name + "\" is empty");
  return s;
}

}  // namespace

std::vector<TextPair> load_jsonl_pairs(const std::string& path, const DocSummaryOptions& options) {
  LineReader in(path);
  std::vector<TextPair> pairs;
  std::string line;
  while (in.next(line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const nlohmann::json obj = parse_json_line(line, in);
    if (!obj.is_object()) in.fail(std::string("expected a JSON object, found ") + obj.type_name());
    std::string doc = field_of(obj, options.document_field, in);
    std::string sum = field_of(obj, options.summary_field, in);
    pairs.push_back({std::move(doc), std::move(sum), in.line_number()});
  }
  if (in.line_number() == 0) in.fail_at(1, "file is empty, expected one JSON object per line");
  if (pairs.empty()) in.fail("file has no JSON objects, only empty lines");
  return pairs;
}

std::vector<TextPair> load_csv_pairs(const std::string& path, const DocSummaryOptions& options) {
  CsvReader csv(path, options.csv_delimiter);
  std::vector<std::string> header, rec;
  if (!csv.next(header)) throw DataError(path, 1, "file is empty, expected a header row");
  const auto column = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      std::string names;
      for (const auto& h : header) names += (names.empty() ? "" : ",") + h;
      csv.fail("header has no column \"" + name + "\" (it has " + quote_excerpt(names, 80) + ")");
    }
    return static_cast<size_t>(it - header.begin());
  };
  const size_t doc_col = column(options.document_field);
  const size_t sum_col = column(options.summary_field);
  std::vector<TextPair> pairs;
  while (csv.next(rec)) {
    if (rec.size() != header.size())
      csv.fail("wrong column count: " + std::to_string(rec.size()) + " field(s), the header has " +
               std::to_string(header.size()));
    if (rec[doc_col].empty()) csv.fail("field \"" + options.document_field + "\" is empty");
    if (rec[sum_col].empty()) csv.fail("field \"" + options.summary_field + "\" is empty");
    pairs.push_back({std::move(rec[doc_col]), std::move(rec[sum_col]), csv.record_line()});
  }
  if (pairs.empty()) csv.fail("no records after the header");
  return pairs;
}

std::vector<TextPair> load_doc_summary(const std::string& path, const DocSummaryOptions& options) {
  // The format is the extension under an optional .gz (the line reader decompresses).
  const std::string base = path.ends_with(".gz") ? path.substr(0, path.size() - 3) : path;
  const auto ends_with = [&](const char* ext) { return base.ends_with(ext); };
  if (ends_with(".jsonl") || ends_with(".json")) return load_jsonl_pairs(path, options);
  if (ends_with(".csv")) return load_csv_pairs(path, options);
  if (ends_with(".tsv")) {
    DocSummaryOptions tab = options;
    tab.csv_delimiter = '\t';
    return load_csv_pairs(path, tab);
  }
  throw DataError(
      path, 0,
      "unknown document-summary format: expected .jsonl, .json, .csv or .tsv (optionally .gz)");
}

}  // namespace attend
