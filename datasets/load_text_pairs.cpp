// TSV and line-aligned pair loaders (see load_text_pairs.h).
#include "datasets/load_text_pairs.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "datasets/line_reader.h"

namespace attend {

namespace {

namespace fs = std::filesystem;

// Only ASCII whitespace: a line of U+00A0 alone is unusual enough to be worth keeping (and the
// tokenizer then says it has no tokens).
bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\v\f") == std::string_view::npos;
}

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
    const bool blank_a = is_blank(a), blank_b = is_blank(b);
    if (blank_a && blank_b) continue;
    if (blank_a || blank_b) {
      const LineReader& empty = blank_a ? src : tgt;
      const std::string& other = blank_a ? target_path : source_path;
      empty.fail("empty line, but line " + std::to_string(empty.line_number()) + " of " + other +
                 " is not: the files are out of step");
    }
    pairs.push_back({std::move(a), std::move(b), src.line_number()});
  }
  if (src.line_number() == 0) src.fail_at(1, "file is empty");
  if (pairs.empty()) src.fail_at(1, "no sentence pairs: every line is empty in both files");
  return pairs;
}

ParallelFiles parallel_files(const std::string& prefix, const std::string& source_lang,
                             const std::string& target_lang) {
  const auto file = [&](const std::string& lang) {
    if (lang.empty() || lang.find('/') != std::string::npos)
      throw DataError(prefix, 0,
                      "language code " + quote_excerpt(lang) +
                          " must be a non-empty file name suffix (like de or en)");
    const std::string plain = prefix + "." + lang;
    if (fs::is_regular_file(plain)) return plain;
    if (fs::is_regular_file(plain + ".gz")) return plain + ".gz";
    throw DataError(plain, 0, "no such file (nor " + plain + ".gz)");
  };
  return {file(source_lang), file(target_lang)};
}

std::vector<std::string> parallel_stems(const std::string& dir, const std::string& source_lang,
                                        const std::string& target_lang) {
  std::vector<std::string> stems;
  std::error_code ec;
  const std::string suffix = "." + source_lang;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.ends_with(".gz")) name.resize(name.size() - 3);
    if (name.size() <= suffix.size() || !name.ends_with(suffix)) continue;
    const std::string stem = name.substr(0, name.size() - suffix.size());
    const fs::path other = fs::path(dir) / (stem + "." + target_lang);
    if ((fs::is_regular_file(other) || fs::is_regular_file(other.string() + ".gz")) &&
        std::find(stems.begin(), stems.end(), stem) == stems.end())
      stems.push_back(stem);
  }
  std::sort(stems.begin(), stems.end());
  return stems;
}

std::pair<std::string, std::string> parallel_languages(const std::string& dir) {
  std::map<std::string, std::vector<std::string>> stems_by_suffix;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    fs::path p = entry.path().filename();
    if (p.extension() == ".gz") p = p.stem();
    if (p.extension().string().size() < 2 || p.stem().empty()) continue;
    stems_by_suffix[p.extension().string().substr(1)].push_back(p.stem().string());
  }
  // Suffixes that share a stem with another suffix; exactly two of them are the languages.
  std::vector<std::string> langs;
  for (auto& [suffix, stems] : stems_by_suffix)
    for (auto& [other, other_stems] : stems_by_suffix)
      if (other != suffix && std::any_of(stems.begin(), stems.end(),
                                         [&other_stems = other_stems](const std::string& s) {
                                           return std::find(other_stems.begin(), other_stems.end(),
                                                            s) != other_stems.end();
                                         })) {
        langs.push_back(suffix);
        break;
      }
  if (langs.size() != 2) return {};
  return {langs[0], langs[1]};
}

}  // namespace attend
