#include "trainers/tasks/error_rate.h"

#include <cmath>
#include <stdexcept>

#include "datasets/utf8.h"

namespace attend {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// One cell of the alignment table: fewer errors is better, then more hits.
struct Cell {
  int64_t errors = 0, hits = 0;
  bool operator<(const Cell& o) const {
    return errors != o.errors ? errors < o.errors : hits > o.hits;
  }
};

template <class Split>
ErrorCounts corpus_errors(const std::vector<std::string>& refs,
                          const std::vector<std::string>& hyps, Split split, const char* what) {
  if (refs.size() != hyps.size())
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(refs.size()) +
                                " references but " + std::to_string(hyps.size()) + " hypotheses");
  ErrorCounts total;
  for (size_t i = 0; i < refs.size(); ++i) {
    for (const std::string* s : {&refs[i], &hyps[i]})
      if (const size_t bad = utf8::find_invalid(*s); bad != utf8::npos)
        throw std::invalid_argument(std::string(what) + ": " +
                                    (s == &refs[i] ? "reference " : "hypothesis ") +
                                    std::to_string(i + 1) + ": " + utf8::describe_invalid(*s, bad));
    total += align_counts(split(refs[i]), split(hyps[i]));
  }
  return total;
}

}  // namespace

double ErrorCounts::rate() const {
  const int64_t n = reference_length();
  return n > 0 ? static_cast<double>(errors()) / static_cast<double>(n) : std::nan("");
}

ErrorCounts& ErrorCounts::operator+=(const ErrorCounts& o) {
  hits += o.hits;
  substitutions += o.substitutions;
  deletions += o.deletions;
  insertions += o.insertions;
  return *this;
}

ErrorCounts align_counts(const std::vector<std::string>& ref, const std::vector<std::string>& hyp) {
  const size_t R = ref.size(), H = hyp.size();
  // row[j]: the best alignment of ref[0..i) with hyp[0..j), one reference row at a time.
  std::vector<Cell> prev(H + 1), row(H + 1);
  for (size_t j = 0; j <= H; ++j) prev[j] = {static_cast<int64_t>(j), 0};  // j insertions
  for (size_t i = 1; i <= R; ++i) {
    row[0] = {static_cast<int64_t>(i), 0};  // i deletions
    for (size_t j = 1; j <= H; ++j) {
      const bool same = ref[i - 1] == hyp[j - 1];
      Cell best = {prev[j - 1].errors + (same ? 0 : 1), prev[j - 1].hits + (same ? 1 : 0)};
      const Cell del = {prev[j].errors + 1, prev[j].hits},
                 ins = {row[j - 1].errors + 1, row[j - 1].hits};
      if (del < best) best = del;
      if (ins < best) best = ins;
      row[j] = best;
    }
    std::swap(prev, row);
  }
  // With E errors and h hits: S + D = R - h, S + I = H - h, S + D + I = E.
  const Cell end = prev[H];
  ErrorCounts c;
  c.hits = end.hits;
  const int64_t r = static_cast<int64_t>(R) - end.hits, h = static_cast<int64_t>(H) - end.hits;
  c.substitutions = r + h - end.errors;
  c.deletions = r - c.substitutions;
  c.insertions = h - c.substitutions;
  return c;
}

std::vector<std::string> error_rate_words(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

std::vector<std::string> error_rate_characters(std::string_view text) {
  std::vector<std::string> chars;
  for (const std::string& w : error_rate_words(text)) {
    if (!chars.empty()) chars.emplace_back(" ");
    for (size_t pos = 0; pos < w.size();) {
      const size_t start = pos;
      utf8::decode(w, pos);
      chars.push_back(w.substr(start, pos - start));
    }
  }
  return chars;
}

ErrorCounts character_errors(const std::vector<std::string>& refs,
                             const std::vector<std::string>& hyps) {
  return corpus_errors(refs, hyps, error_rate_characters, "character_errors");
}

ErrorCounts word_errors(const std::vector<std::string>& refs,
                        const std::vector<std::string>& hyps) {
  return corpus_errors(refs, hyps, error_rate_words, "word_errors");
}

}  // namespace attend
