// Evaluation metrics, computed as the reference tools do so numbers are comparable with papers:
// corpus BLEU as sacreBLEU's defaults, ROUGE as Google's rouge-score, macro-F1 as scikit-learn.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace attend {

// sacreBLEU's default "13a" tokenisation (mteval-v13a): the text as it is scored. Unescapes
// &quot; &amp; &lt; &gt;, drops <skipped>, splits off punctuation and symbols, and splits '.'/','
// unless between digits and '-' after a digit. UTF-8 in; whitespace is Python's str.split() set.
std::vector<std::string> tokenize_13a(const std::string& line);

struct BleuScore {
  double score = 0;                // 0-100
  std::vector<double> precisions;  // 4 (smoothed) n-gram precisions, 0-100
  double brevity_penalty = 0;      // BP
  int64_t hypothesis_length = 0, reference_length = 0;
  std::vector<int64_t> matches, totals;  // per order, summed over the corpus
};

// Corpus BLEU-4 of detokenised hypotheses against one reference each, as sacreBLEU's defaults
// (sacrebleu.corpus_bleu(hyps, [refs])): 13a tokenisation, case-sensitive, effective order off,
// "exp" smoothing. So: BLEU = 0 when no n-gram of any order matches, or when some order has no
// n-grams at all (a corpus of sentences shorter than 4 tokens); an order with n-grams but no
// match counts as precision 100 / (2^k * total) for the k-th such order; BP = exp(1 - r/c) when
// c < r and 0 when c = 0. An empty corpus scores 0. Throws std::invalid_argument on a size
// mismatch or an empty reference string (sacreBLEU refuses those too).
BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::string>& references);

struct BleuOptions {
  // Case-insensitive BLEU (sacreBLEU's --lowercase, "case:lc"): both sides lowercased first.
  // attend lowercases Latin, Greek and Cyrillic letters (datasets/utf8.h); Python's str.lower,
  // which sacreBLEU uses, also knows the other cased scripts.
  bool lowercase = false;
};

// Several references per hypothesis, as sacreBLEU scores them: references[k][i] is the k-th
// reference of hypothesis i (one stream per reference file). Each n-gram's match is clipped by its
// largest count in any reference, and the reference length is the one closest to the hypothesis
// length (the shorter on a tie). An empty reference is a reference with no tokens, as in
// sacreBLEU; a hypothesis whose references are all empty throws. Throws std::invalid_argument on
// no reference stream or a stream whose size differs from the hypotheses'.
BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references,
                      const BleuOptions& options);

// sacreBLEU's signature of this computation, "nrefs:N|case:mixed|eff:no|tok:13a|smooth:exp|
// version:attend-X": the keys and values sacreBLEU 2.x prints, with the version field naming the
// implementation that computed the score (attend, whose numbers equal sacreBLEU 2.x's).
std::string bleu_signature(size_t num_references, const BleuOptions& options);
// sacreBLEU's score line: "BLEU|SIGNATURE = 48.5 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944
// hyp_len = 17 ref_len = 18)", the score with `width` decimals (its command line's default is 1).
std::string format_bleu(const BleuScore& score, const std::string& signature, int width = 1);

struct RougeScore {
  double rouge1 = 0, rouge2 = 0, rougeL = 0;  // F1, 0-1, averaged over the pairs
};
// ROUGE-1/2/L F1 as rouge-score's defaults (lowercase, anything but [a-z0-9] -- non-ASCII too --
// separates tokens, no stemming; ROUGE-L over the whole text), averaged (plain mean) over pairs.
// A pair with no common token scores 0; no pairs score 0. Throws std::invalid_argument on a size
// mismatch.
RougeScore rouge(const std::vector<std::string>& hypotheses,
                 const std::vector<std::string>& references);
// Several references per hypothesis (references[k][i], as for BLEU), as rouge-score's
// RougeScorer.score_multi: for each pair and each of ROUGE-1/2/L separately, the F1 of the
// reference that scores best, then the plain mean over pairs. Throws std::invalid_argument on no
// reference stream or a stream whose size differs from the hypotheses'.
RougeScore rouge_multi(const std::vector<std::string>& hypotheses,
                       const std::vector<std::vector<std::string>>& references);

// Fraction of equal labels (0-1). Throws std::invalid_argument on a size mismatch or no labels.
double accuracy(const std::vector<int64_t>& predicted, const std::vector<int64_t>& truth);
// Unweighted mean of per-class F1 over the classes present in truth or predictions
// (scikit-learn's f1_score(average="macro")); a class with no true positive scores 0.
// Throws std::invalid_argument on a size mismatch or no labels.
double macro_f1(const std::vector<int64_t>& predicted, const std::vector<int64_t>& truth);
// exp(total negative log-likelihood / tokens); NaN for 0 tokens (undefined, like the mean loss).
// Throws std::invalid_argument on a negative token count.
double perplexity(double total_nll, int64_t tokens);

}  // namespace attend
