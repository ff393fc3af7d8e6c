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

struct RougeScore {
  double rouge1 = 0, rouge2 = 0, rougeL = 0;  // F1, 0-1, averaged over the pairs
};
// ROUGE-1/2/L F1 as rouge-score's defaults (lowercase, anything but [a-z0-9] -- non-ASCII too --
// separates tokens, no stemming; ROUGE-L over the whole text), averaged (plain mean) over pairs.
// A pair with no common token scores 0; no pairs score 0. Throws std::invalid_argument on a size
// mismatch.
RougeScore rouge(const std::vector<std::string>& hypotheses,
                 const std::vector<std::string>& references);

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
