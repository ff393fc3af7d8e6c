// Scoring hypothesis and reference files (see scoring.h).
#include "trainers/tasks/scoring.h"

#include <cstdio>

#include "datasets/data_error.h"
#include "datasets/line_reader.h"

namespace attend {

namespace {

struct Lines {
  std::string path;
  std::vector<std::string> lines;
};

Lines read_lines(const std::string& path) {
  LineReader in(path);
  Lines out{path, {}};
  for (std::string line; in.next(line);) out.lines.push_back(std::move(line));
  return out;
}

}  // namespace

FileScores score_files(const std::string& hypotheses, const std::vector<std::string>& references,
                       const ScoreFilesOptions& options) {
  if (references.empty()) throw DataError(hypotheses, 0, "no reference file to score against");
  const Lines hyp = read_lines(hypotheses);
  if (hyp.lines.empty()) throw DataError(hypotheses, 1, "file is empty, expected hypotheses");
  std::vector<std::vector<std::string>> refs;
  for (const std::string& path : references) {
    Lines ref = read_lines(path);
    const size_t n = hyp.lines.size(), m = ref.lines.size();
    if (m < n)
      throw DataError(
          path, static_cast<int64_t>(m) + 1,
          "file ends before " + hypotheses + " (which has " + std::to_string(n) + " lines)");
    if (m > n)
      throw DataError(hypotheses, static_cast<int64_t>(n) + 1,
                      "file ends before " + path + " (which has " + std::to_string(m) + " lines)");
    refs.push_back(std::move(ref.lines));
  }
  // A line with no reference text at all would score against nothing.
  for (size_t i = 0; i < hyp.lines.size(); ++i) {
    bool any = false;
    for (const auto& r : refs) any = any || r[i].find_first_not_of(" \t") != std::string::npos;
    if (!any)
      throw DataError(references.front(), static_cast<int64_t>(i) + 1,
                      references.size() == 1 ? "empty reference" : "empty in every reference file");
  }
  FileScores s;
  s.segments = hyp.lines.size();
  s.references = refs.size();
  if (options.bleu) s.bleu = corpus_bleu(hyp.lines, refs, options.bleu_options);
  if (options.rouge) s.rouge = rouge_multi(hyp.lines, refs);
  return s;
}

std::string format_rouge(const RougeScore& r, size_t num_references) {
  char buf[160];
  std::snprintf(buf, sizeof buf, " = rouge1 %.2f rouge2 %.2f rougeL %.2f", 100 * r.rouge1,
                100 * r.rouge2, 100 * r.rougeL);
  return "ROUGE|nrefs:" + std::to_string(num_references) +
         (num_references > 1 ? "|multi:max" : "") + "|case:lc|tok:rouge-score|stem:no" + buf;
}

}  // namespace attend
