#include "trainers/tasks/metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "datasets/utf8.h"

namespace attend {
namespace {

constexpr int kMaxOrder = 4;  // sacreBLEU's MAX_NGRAM_ORDER

// The size check every metric shares; the message names both sizes so a caller sees which
// side is short.
void check_sizes(const char* metric, size_t a, const char* a_name, size_t b, const char* b_name) {
  if (a != b)
    throw std::invalid_argument(std::string(metric) + ": " + std::to_string(a) + " " + a_name +
                                " but " + std::to_string(b) + " " + b_name);
}

// ---- Python string semantics on UTF-8 ---------------------------------------------------------
// sacreBLEU works on Python str, so "whitespace" is whatever str.split()/strip() treat as such,
// which includes a few non-ASCII code points (NBSP, ideographic space, ...).

// Byte length of the Python-whitespace code point starting at s[i], or 0 if there is none.
size_t space_length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  const unsigned c = b(0);
  if ((c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20)) return 1;
  if (c == 0xC2 && (b(1) == 0x85 || b(1) == 0xA0)) return 2;  // U+0085, U+00A0
  if (c == 0xE1 && b(1) == 0x9A && b(2) == 0x80) return 3;    // U+1680
  if (c == 0xE2 && b(1) == 0x80) {
    const unsigned d = b(2);  // U+2000-200A, U+2028, U+2029, U+202F
    if ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF) return 3;
  }
  if (c == 0xE2 && b(1) == 0x81 && b(2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && b(1) == 0x80 && b(2) == 0x80) return 3;  // U+3000
  return 0;
}

// Python's str.split() with no argument: runs of whitespace separate, none are kept.
std::vector<std::string> split_whitespace(std::string_view s) {
  std::vector<std::string> out;
  size_t start = std::string_view::npos;  // where the current word began, if in one
  for (size_t i = 0; i < s.size();) {
    const size_t n = space_length(s, i);
    if (n == 0) {
      if (start == std::string_view::npos) start = i;
      ++i;
      continue;
    }
    if (start != std::string_view::npos) out.emplace_back(s.substr(start, i - start));
    start = std::string_view::npos;
    i += n;
  }
  if (start != std::string_view::npos) out.emplace_back(s.substr(start));
  return out;
}

// Several reference streams, each as long as the hypotheses (references[k][i]).
void check_streams(const char* metric, size_t hypotheses,
                   const std::vector<std::vector<std::string>>& references) {
  if (references.empty()) throw std::invalid_argument(std::string(metric) + ": no references");
  for (size_t k = 0; k < references.size(); ++k)
    if (references[k].size() != hypotheses)
      throw std::invalid_argument(
          std::string(metric) + ": " + std::to_string(hypotheses) + " hypotheses but " +
          std::to_string(references[k].size()) + " references" +
          (references.size() > 1 ? " in stream " + std::to_string(k + 1) : std::string()));
}

// Python's str.rstrip(): sacreBLEU strips the segment before tokenising, which decides whether
// a trailing "-\n" is a line-break hyphen.
std::string_view rstrip(std::string_view s) {
  size_t end = 0;  // one past the last non-space code point
  for (size_t i = 0; i < s.size();) {
    const size_t n = space_length(s, i);
    i += n > 0 ? n : 1;
    if (n == 0) end = i;
  }
  return s.substr(0, end);
}

// Python's str.replace: every non-overlapping occurrence, left to right.
std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

// ---- 13a ----------------------------------------------------------------------------------------
// The four regexes of sacrebleu/tokenizers/tokenizer_re.py, applied in order. Every class in them
// is ASCII, so working on UTF-8 bytes gives the same result as Python on code points: a
// multi-byte character is a "non-digit" whichever of its bytes the pattern looks at.

// Regex 1 class [{-~[-` -&(-+:-@/]: symbols that always become their own token. Note it leaves
// out ' - . , which the later rules (or nothing) handle.
bool is_13a_symbol(unsigned char c) {
  return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') ||
         (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';
}
bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool is_non_digit(unsigned char c) {
  return !is_digit(c);
}
bool is_period_or_comma(unsigned char c) {
  return c == '.' || c == ',';
}
bool is_dash(unsigned char c) {
  return c == '-';
}

// re.sub(r'([symbol])', r' \1 ', s)
std::string pad_symbols(const std::string& s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    if (is_13a_symbol(c)) {
      out += ' ';
      out += static_cast<char>(c);
      out += ' ';
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// re.sub for a two-character pattern (first)(second) -> before \1 middle \2 after. re.sub takes
// the leftmost match and resumes after it, so a matched pair is consumed whole: "a.." gives
// "a . ." through regex 2 and the second '.' is left for regex 3.
std::string sub_pairs(const std::string& s, bool (*first)(unsigned char),
                      bool (*second)(unsigned char), std::string_view before,
                      std::string_view after) {
  std::string out;
  out.reserve(s.size() * 2);
  size_t i = 0;
  while (i < s.size()) {
    const auto a = static_cast<unsigned char>(s[i]);
    if (i + 1 < s.size() && first(a) && second(static_cast<unsigned char>(s[i + 1]))) {
      out.append(before).append(1, s[i]).append(" ").append(1, s[i + 1]).append(after);
      i += 2;
    } else {
      out += s[i++];
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> tokenize_13a(const std::string& line) {
  // The language-independent part of Tokenizer13a, in its order (&amp; after &quot;, so
  // "&amp;quot;" ends as "&quot;" text, not '"').
  std::string s(rstrip(line));
  s = replace_all(std::move(s), "<skipped>", "");
  s = replace_all(std::move(s), "-\n", "");
  s = replace_all(std::move(s), "\n", " ");
  s = replace_all(std::move(s), "&quot;", "\"");
  s = replace_all(std::move(s), "&amp;", "&");
  s = replace_all(std::move(s), "&lt;", "<");
  s = replace_all(std::move(s), "&gt;", ">");
  s = pad_symbols(" " + s + " ");
  s = sub_pairs(s, is_non_digit, is_period_or_comma, "", " ");  // '.'/',' unless after a digit
  s = sub_pairs(s, is_period_or_comma, is_non_digit, " ", "");  // '.'/',' unless before a digit
  s = sub_pairs(s, is_digit, is_dash, "", " ");                 // '-' after a digit
  return split_whitespace(s);
}

namespace {

// ---- BLEU ---------------------------------------------------------------------------------------

// Counts of the n-grams of each order 1..4, keyed by the tokens joined with ' ' (13a tokens never
// hold whitespace, so the key is unambiguous).
using NgramCounts = std::array<std::unordered_map<std::string, int64_t>, kMaxOrder>;

NgramCounts count_ngrams(const std::vector<std::string>& tokens) {
  NgramCounts counts;
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string key = tokens[i];
    for (int n = 1; n <= kMaxOrder && i + n <= tokens.size(); ++n) {
      if (n > 1) key.append(" ").append(tokens[i + n - 1]);
      ++counts[n - 1][key];
    }
  }
  return counts;
}

// One segment's sufficient statistics added into the corpus totals
// (BLEU._extract_reference_info and _compute_segment_statistics): each hypothesis n-gram's count
// clipped by its largest count in any reference, and the reference length closest to the
// hypothesis length (the shorter one on a tie).
void add_segment(const std::vector<std::string>& hyp,
                 const std::vector<std::vector<std::string>>& refs, BleuScore& s) {
  NgramCounts r = count_ngrams(refs.front());
  for (size_t k = 1; k < refs.size(); ++k) {
    const NgramCounts more = count_ngrams(refs[k]);
    for (int n = 0; n < kMaxOrder; ++n)
      for (const auto& [gram, count] : more[n]) {
        int64_t& c = r[n][gram];
        c = std::max(c, count);
      }
  }
  const NgramCounts h = count_ngrams(hyp);
  for (int n = 0; n < kMaxOrder; ++n)
    for (const auto& [gram, count] : h[n]) {
      s.totals[n] += count;
      auto it = r[n].find(gram);
      if (it != r[n].end()) s.matches[n] += std::min(count, it->second);
    }
  const int64_t hyp_len = static_cast<int64_t>(hyp.size());
  int64_t closest = -1;
  for (const auto& ref : refs) {
    const int64_t len = static_cast<int64_t>(ref.size());
    const int64_t diff = std::abs(hyp_len - len), best = std::abs(hyp_len - closest);
    if (closest < 0 || diff < best || (diff == best && len < closest)) closest = len;
  }
  s.hypothesis_length += hyp_len;
  s.reference_length += closest;
}

// sacrebleu.utils.my_log: log(0) is floored to a huge negative number, so a zero precision drives
// BLEU to exactly 0 after exp.
double floored_log(double x) {
  return x == 0.0 ? -9999999999.0 : std::log(x);
}

// BLEU.compute_bleu with smooth_method='exp', effective_order=False, the same floating-point
// operations in the same order, so scores agree to the last bit in ordinary cases.
void compute_bleu(BleuScore& s) {
  const double c = static_cast<double>(s.hypothesis_length);
  const double r = static_cast<double>(s.reference_length);
  s.brevity_penalty = c < r ? (c > 0 ? std::exp(1.0 - r / c) : 0.0) : 1.0;
  s.precisions.assign(kMaxOrder, 0.0);
  s.score = 0.0;
  if (std::all_of(s.matches.begin(), s.matches.end(), [](int64_t m) { return m == 0; })) return;
  double smooth = 1.0;
  for (int n = 0; n < kMaxOrder; ++n) {
    if (s.totals[n] == 0) break;  // leaves this and higher precisions at 0, hence BLEU 0
    const double total = static_cast<double>(s.totals[n]);
    if (s.matches[n] == 0) {
      smooth *= 2;  // NIST "exp" smoothing: 1/2, 1/4, ... of a match for each empty order
      s.precisions[n] = 100.0 / (smooth * total);
    } else {
      s.precisions[n] = 100.0 * static_cast<double>(s.matches[n]) / total;
    }
  }
  double log_sum = 0.0;
  for (double p : s.precisions) log_sum += floored_log(p);
  s.score = s.brevity_penalty * std::exp(log_sum / kMaxOrder);
}

}  // namespace

BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::string>& references) {
  return corpus_bleu(hypotheses, std::vector<std::vector<std::string>>{references}, {});
}

BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references,
                      const BleuOptions& options) {
  check_streams("corpus_bleu", hypotheses.size(), references);
  BleuScore s;
  s.matches.assign(kMaxOrder, 0);
  s.totals.assign(kMaxOrder, 0);
  const auto prepare = [&](const std::string& text) {
    return tokenize_13a(options.lowercase ? utf8::lower(text) : text);
  };
  std::vector<std::vector<std::string>> refs(references.size());
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    bool any = false;
    for (size_t k = 0; k < references.size(); ++k) {
      any = any || !references[k][i].empty();
      refs[k] = prepare(references[k][i]);
    }
    if (!any)
      throw std::invalid_argument("corpus_bleu: reference " + std::to_string(i) +
                                  " is empty (sacreBLEU refuses empty references)");
    add_segment(prepare(hypotheses[i]), refs, s);
  }
  compute_bleu(s);
  return s;
}

std::string bleu_signature(size_t num_references, const BleuOptions& options) {
  return "nrefs:" + std::to_string(num_references) +
         "|case:" + (options.lowercase ? "lc" : "mixed") +
         "|eff:no|tok:13a|smooth:exp|version:attend-" ATTEND_VERSION;
}

std::string format_bleu(const BleuScore& s, const std::string& signature, int width) {
  // Python's f"{x:.Nf}" is printf's %.Nf (both round half to even on the binary value).
  const auto fixed = [](double x, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, x);
    return std::string(buf);
  };
  std::string precisions;
  for (double p : s.precisions) {
    if (!precisions.empty()) precisions += '/';
    precisions += fixed(p, 1);
  }
  const double ratio = s.reference_length > 0 ? static_cast<double>(s.hypothesis_length) /
                                                    static_cast<double>(s.reference_length)
                                              : 0.0;
  return "BLEU|" + signature + " = " + fixed(s.score, width) + " " + precisions +
         " (BP = " + fixed(s.brevity_penalty, 3) + " ratio = " + fixed(ratio, 3) +
         " hyp_len = " + std::to_string(s.hypothesis_length) +
         " ref_len = " + std::to_string(s.reference_length) + ")";
}

namespace {

// ---- ROUGE --------------------------------------------------------------------------------------

// rouge_score.tokenize: lowercase, every run of characters outside [a-z0-9] becomes a separator.
// Python lowercases before filtering, and exactly two non-ASCII code points lowercase into ASCII
// letters: U+0130 'İ' -> "i" + U+0307 (a separator) and U+212A (Kelvin sign) -> "k". Every other
// non-ASCII byte is part of a separator.
std::vector<std::string> rouge_tokens(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  const auto flush = [&] {
    if (!word.empty()) out.push_back(std::move(word));
    word.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 'A' && c <= 'Z') {
      word += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      word += static_cast<char>(c);
    } else if (c == 0xC4 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) == 0xB0) {
      word += 'i';  // U+0130
      flush();      // the combining dot that follows it in the lowercased text
      ++i;
    } else if (c == 0xE2 && text.compare(i, 3, "\xE2\x84\xAA") == 0) {
      word += 'k';  // U+212A
      i += 2;
    } else {
      flush();
    }
  }
  flush();
  return out;
}

// rouge_score.scoring.fmeasure: harmonic mean, 0 when both are 0.
double fmeasure(double precision, double recall) {
  return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

// ROUGE-N F1 (rouge_scorer._score_ngrams): clipped n-gram overlap over the prediction's and the
// target's n-gram counts (each at least 1, so an empty side gives 0 rather than 0/0).
double rouge_n(const std::vector<std::string>& hyp, const std::vector<std::string>& ref, size_t n) {
  const auto grams = [n](const std::vector<std::string>& t) {
    std::map<std::vector<std::string>, int64_t> c;
    for (size_t i = 0; i + n <= t.size(); ++i) ++c[{t.begin() + i, t.begin() + i + n}];
    return c;
  };
  const auto h = grams(hyp), r = grams(ref);
  int64_t overlap = 0, h_total = 0, r_total = 0;
  for (const auto& [g, c] : r) {
    r_total += c;
    auto it = h.find(g);
    if (it != h.end()) overlap += std::min(c, it->second);
  }
  for (const auto& [g, c] : h) h_total += c;
  return fmeasure(
      static_cast<double>(overlap) / static_cast<double>(std::max<int64_t>(h_total, 1)),
      static_cast<double>(overlap) / static_cast<double>(std::max<int64_t>(r_total, 1)));
}

// Length of the longest common subsequence, one DP row at a time (memory O(|hyp|)).
size_t lcs_length(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// ROUGE-L F1 (rouge_scorer._score_lcs): LCS over the prediction and target lengths; 0 if either
// text has no token.
double rouge_l(const std::vector<std::string>& hyp, const std::vector<std::string>& ref) {
  if (hyp.empty() || ref.empty()) return 0.0;
  const double lcs = static_cast<double>(lcs_length(ref, hyp));
  return fmeasure(lcs / static_cast<double>(hyp.size()), lcs / static_cast<double>(ref.size()));
}

}  // namespace

RougeScore rouge(const std::vector<std::string>& hypotheses,
                 const std::vector<std::string>& references) {
  check_sizes("rouge", hypotheses.size(), "hypotheses", references.size(), "references");
  return rouge_multi(hypotheses, {references});
}

RougeScore rouge_multi(const std::vector<std::string>& hypotheses,
                       const std::vector<std::vector<std::string>>& references) {
  check_streams("rouge", hypotheses.size(), references);
  RougeScore sum;
  if (hypotheses.empty()) return sum;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    const auto h = rouge_tokens(hypotheses[i]);
    RougeScore best;  // each type's best reference on its own (score_multi's argmax per key)
    for (const auto& stream : references) {
      const auto r = rouge_tokens(stream[i]);
      best.rouge1 = std::max(best.rouge1, rouge_n(h, r, 1));
      best.rouge2 = std::max(best.rouge2, rouge_n(h, r, 2));
      best.rougeL = std::max(best.rougeL, rouge_l(h, r));
    }
    sum.rouge1 += best.rouge1;
    sum.rouge2 += best.rouge2;
    sum.rougeL += best.rougeL;
  }
  const double n = static_cast<double>(hypotheses.size());
  return {sum.rouge1 / n, sum.rouge2 / n, sum.rougeL / n};
}

// ---- Classification and perplexity --------------------------------------------------------------

namespace {
void check_labels(const char* metric, const std::vector<int64_t>& predicted,
                  const std::vector<int64_t>& truth) {
  check_sizes(metric, predicted.size(), "predictions", truth.size(), "true labels");
  if (truth.empty()) throw std::invalid_argument(std::string(metric) + ": no labels");
}
}  // namespace

double accuracy(const std::vector<int64_t>& predicted, const std::vector<int64_t>& truth) {
  check_labels("accuracy", predicted, truth);
  size_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) correct += predicted[i] == truth[i];
  return static_cast<double>(correct) / static_cast<double>(truth.size());
}

double macro_f1(const std::vector<int64_t>& predicted, const std::vector<int64_t>& truth) {
  check_labels("macro_f1", predicted, truth);
  // Per class: true positives, false positives, false negatives. Keyed by label, so the classes
  // are the sorted union of both sides, as sklearn's unique_labels.
  struct Counts {
    int64_t tp = 0, fp = 0, fn = 0;
  };
  std::map<int64_t, Counts> classes;
  for (size_t i = 0; i < truth.size(); ++i) {
    if (predicted[i] == truth[i]) {
      ++classes[truth[i]].tp;
    } else {
      ++classes[predicted[i]].fp;
      ++classes[truth[i]].fn;
    }
  }
  // F1 = 2tp / (2tp + fp + fn), the same as 2PR/(P+R) and 0 when tp = 0; every class here has a
  // true or predicted member, so the denominator is never 0.
  double sum = 0;
  for (const auto& [label, c] : classes)
    sum += 2.0 * static_cast<double>(c.tp) / static_cast<double>(2 * c.tp + c.fp + c.fn);
  return sum / static_cast<double>(classes.size());
}

double perplexity(double total_nll, int64_t tokens) {
  if (tokens < 0)
    throw std::invalid_argument("perplexity: token count must be >= 0, got " +
                                std::to_string(tokens));
  if (tokens == 0) return std::numeric_limits<double>::quiet_NaN();
  return std::exp(total_nll / static_cast<double>(tokens));
}

}  // namespace attend
