// TSV and line-aligned pair loaders (see load_text_pairs.h).
#include "datasets/load_text_pairs.h"

#include <algorithm>

#include "datasets/line_reader.h"

namespace attend {

namespace {

// Splits on tabs (not spaces: both sentences contain spaces).
std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return out;
    start = tab + 1;
  }
}

}  // namespace

std::vector<TextPair> load_tsv_pairs(const std::string& path, const TsvPairsOptions& options) {
  if (options.source_column < 0 || options.target_column < 0 ||
      options.source_column == options.target_column)
    throw DataError(path, 0, "source and target columns must be two different columns >= 0");
  const size_t need =
      static_cast<size_t>(std::max(options.source_column, options.target_column)) + 1;
  LineReader in(path);
  std::vector<TextPair> pairs;
  std::string line;
  while (in.next(line)) {
    if (options.has_header && in.line_number() == 1) continue;
    if (line.empty()) continue;
    const auto cols = split_tabs(line);
    if (cols.size() < need)
      in.fail("wrong column count: " + std::to_string(cols.size()) +
              " tab-separated field(s), need at least " + std::to_string(need) + ": " +
              quote_excerpt(line));
    TextPair p{std::string(cols[options.source_column]), std::string(cols[options.target_column]),
               in.line_number()};
    if (p.source.empty())
      in.fail("empty source (column " + std::to_string(options.source_column + 1) + ")");
    if (p.target.empty())
      in.fail("empty target (column " + std::to_string(options.target_column + 1) + ")");
    pairs.push_back(std::move(p));
  }
  if (in.line_number() == 0) in.fail_at(1, "file is empty, expected sentence pairs");
  if (pairs.empty()) in.fail("file has no sentence pairs, only empty lines or a header");
  return pairs;
}

std::vector<TextPair> load_parallel_text(const std::string& source_path,
                                         const std::string& target_path) {
  LineReader src(source_path), tgt(target_path);
  std::vector<TextPair> pairs;
  std::string a, b;
  for (;;) {
    const bool has_a = src.next(a), has_b = tgt.next(b);
    if (!has_a && !has_b) break;
    if (!has_a)
      src.fail_at(src.line_number() + 1, "file ends before " + target_path + " (which has line " +
                                             std::to_string(tgt.line_number()) + ")");
    if (!has_b)
      tgt.fail_at(tgt.line_number() + 1, "file ends before " + source_path + " (which has line " +
                                             std::to_string(src.line_number()) + ")");
    if (a.empty()) src.fail("empty line");
    if (b.empty()) tgt.fail("empty line");
    pairs.push_back({std::move(a), std::move(b), src.line_number()});
  }
  if (pairs.empty()) src.fail_at(1, "file is empty");
  return pairs;
}

}  // namespace attend
