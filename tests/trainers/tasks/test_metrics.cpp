// Metrics against the reference tools' own published numbers: corpus BLEU and 13a tokenisation
// against sacreBLEU (its test files and outputs quoted by others), ROUGE against Google's
// rouge-score tests, macro-F1 against scikit-learn's docstring, the rest against hand arithmetic
// written next to each case. sacreBLEU and rouge-score are Python-only, so the expected values are
// copied here with the file they come from.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "trainers/tasks/metrics.h"

BOOST_AUTO_TEST_SUITE(test_metrics)

using namespace attend;
using Strings = std::vector<std::string>;
using Labels = std::vector<int64_t>;

namespace {

// |actual - expected| <= tol, printing both: BOOST_CHECK_CLOSE is relative, which is meaningless
// at 0 and hides the tolerance the reference was published with.
void check_near(double actual, double expected, double tol) {
  BOOST_CHECK_MESSAGE(std::fabs(actual - expected) <= tol,
                      "got " << actual << ", expected " << expected << " +- " << tol);
}

// A std::invalid_argument whose message contains every one of `parts`.
template <class F>
void check_throws_naming(F f, const Strings& parts) {
  try {
    f();
    BOOST_ERROR("no std::invalid_argument thrown");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    for (const auto& p : parts)
      BOOST_CHECK_MESSAGE(what.find(p) != std::string::npos,
                          "message '" << what << "' does not mention '" << p << "'");
  }
}

void check_counts(const BleuScore& s, const std::vector<int64_t>& matches,
                  const std::vector<int64_t>& totals) {
  BOOST_CHECK(s.matches == matches);
  BOOST_CHECK(s.totals == totals);
}

}  // namespace

// ---- 13a tokenisation ---------------------------------------------------------------------------
// Expected tokens follow by hand from the regexes in sacrebleu/tokenizers/tokenizer_13a.py and
// tokenizer_re.py (mjpost/sacrebleu), and were checked by running those regexes under CPython's re.

// sbintuitions/flexeval tests/core/metric/tokenizer/test_sacrebleu_tokenizer.py, which runs the
// real sacreBLEU 13a tokenizer: the apostrophe is not in 13a's symbol class, the final '.' is.
BOOST_AUTO_TEST_CASE(tokenize_13a_keeps_apostrophes_and_splits_final_period) {
  BOOST_CHECK(tokenize_13a("I'm a student.") == (Strings{"I'm", "a", "student", "."}));
}

// '.' and ',' stay inside numbers (digit on both sides) and split everywhere else; '$' and '%'
// are symbols.
BOOST_AUTO_TEST_CASE(tokenize_13a_numbers_keep_inner_periods_and_commas) {
  BOOST_CHECK(tokenize_13a("It costs $1,000.50, or 3.5%.") ==
              (Strings{"It", "costs", "$", "1,000.50", ",", "or", "3.5", "%", "."}));
  // A period needs a digit on BOTH sides to stay: "a.1" splits (rule 2), "1.a" splits (rule 3),
  // and "..." becomes three tokens.
  BOOST_CHECK(tokenize_13a("U.S.A. 3.14, a,b 5,c x.5") ==
              (Strings{"U", ".", "S", ".", "A", ".", "3.14", ",", "a", ",", "b", "5", ",", "c", "x",
                       ".", "5"}));
  BOOST_CHECK(tokenize_13a("3.-4 1.a a.1 ...") ==
              (Strings{"3", ".", "-4", "1", ".", "a", "a", ".", "1", ".", ".", "."}));
}

// '-' splits only after a digit: number ranges split, hyphenated words and a leading minus do not.
BOOST_AUTO_TEST_CASE(tokenize_13a_dash_splits_only_after_a_digit) {
  BOOST_CHECK(
      tokenize_13a("pages 10-20 of the well-known e-mail, -5 a") ==
      (Strings{"pages", "10", "-", "20", "of", "the", "well-known", "e-mail", ",", "-5", "a"}));
}

// The four entities are unescaped in order (&quot; before &amp;), so "&amp;quot;" ends up as the
// literal text "&quot;" and is then split on its symbols.
BOOST_AUTO_TEST_CASE(tokenize_13a_unescapes_entities_once) {
  BOOST_CHECK(tokenize_13a("He said &quot;hi&quot; &amp; left") ==
              (Strings{"He", "said", "\"", "hi", "\"", "&", "left"}));
  BOOST_CHECK(tokenize_13a("&amp;quot; &lt;b&gt;") == (Strings{"&", "quot", ";", "<", "b", ">"}));
}

BOOST_AUTO_TEST_CASE(tokenize_13a_symbols_are_single_tokens) {
  BOOST_CHECK(tokenize_13a("(a) [b] {c} x/y a+b=c; @me #1 ~ `q` ^_|") ==
              (Strings{"(", "a", ")", "[", "b",  "]", "{", "c", "}", "x", "/", "y", "a", "+", "b",
                       "=", "c", ";", "@", "me", "#", "1", "~", "`", "q", "`", "^", "_", "|"}));
}

// <skipped> vanishes, "-\n" joins a word broken across lines, other newlines are spaces, and the
// segment is right-stripped first (so a trailing newline is not a separator token).
BOOST_AUTO_TEST_CASE(tokenize_13a_skipped_markers_and_line_breaks) {
  BOOST_CHECK(tokenize_13a("a <skipped> b") == (Strings{"a", "b"}));
  BOOST_CHECK(tokenize_13a("co-\noperate\nnow") == (Strings{"cooperate", "now"}));
  BOOST_CHECK(tokenize_13a("end.  \n") == (Strings{"end", "."}));
  // Stripping comes before the "-\n" rule: a hyphen ending the segment stays, one inside joins.
  BOOST_CHECK(tokenize_13a("state-\n") == (Strings{"state-"}));
  BOOST_CHECK(tokenize_13a("a-\nb -\n") == (Strings{"ab", "-"}));
  BOOST_CHECK(tokenize_13a("").empty());
  BOOST_CHECK(tokenize_13a(" \t ").empty());
}

// Python's str.split() also splits on non-ASCII spaces (U+00A0, U+3000, U+2003 here); letters
// outside ASCII are ordinary word characters.
BOOST_AUTO_TEST_CASE(tokenize_13a_unicode_spaces_and_letters) {
  BOOST_CHECK(tokenize_13a("a\u00a0b\u3000c\u2003d") == (Strings{"a", "b", "c", "d"}));
  BOOST_CHECK(tokenize_13a("zah\u0103r alb;") == (Strings{"zah\u0103r", "alb", ";"}));
}

// ---- corpus BLEU --------------------------------------------------------------------------------

// mjpost/sacrebleu test/test_sentence_bleu.py (example from issue #98): 'exp' smoothing, 13a,
// expected 8.493 within 1e-3. That test turns effective order on, but every order has n-grams
// here (14 hypothesis tokens), so the default (off) gives the same score. The counts follow by
// hand: 13a splits off ';'; matches are de, zahăr, în, alb, ';' and "de zahăr", "alb ;".
BOOST_AUTO_TEST_CASE(bleu_sacrebleu_sentence_example_with_exp_smoothing) {
  const BleuScore s =
      corpus_bleu({"Produc\u021bia de zah\u0103r prim\u0103 va fi exprimat\u0103 \u00een ceea ce "
                   "prive\u0219te zah\u0103rul alb;"},
                  {"produc\u0163ia de zah\u0103r brut se exprim\u0103 \u00een zah\u0103r alb;"});
  check_near(s.score, 8.493, 1e-3);
  check_counts(s, {5, 2, 0, 0}, {14, 13, 12, 11});
  BOOST_CHECK_EQUAL(s.hypothesis_length, 14);
  BOOST_CHECK_EQUAL(s.reference_length, 10);
  BOOST_CHECK_EQUAL(s.brevity_penalty, 1.0);
}

// huggingface/evaluate metrics/sacrebleu/README.md: sacrebleu.compute on these pairs printed
// {'score': 39.76353643835252, 'counts': [6, 4, 2, 1], 'totals': [10, 8, 6, 4],
//  'precisions': [60.0, 50.0, 33.333333333333336, 25.0], 'bp': 1.0, 'sys_len': 10, 'ref_len': 7}.
// The card passes two references per segment; the second ones ("hello there !", "ankh morpork")
// hold no n-gram the first ones lack and are not the closest length, so the first references
// alone give the same statistics.
BOOST_AUTO_TEST_CASE(bleu_huggingface_card_example) {
  const BleuScore s = corpus_bleu({"hello there general kenobi", "on our way to ankh morpork"},
                                  {"hello there general kenobi", "goodbye ankh morpork"});
  check_near(s.score, 39.76353643835252, 1e-12);
  check_counts(s, {6, 4, 2, 1}, {10, 8, 6, 4});
  BOOST_REQUIRE_EQUAL(s.precisions.size(), 4u);
  check_near(s.precisions[0], 60.0, 1e-12);
  check_near(s.precisions[1], 50.0, 1e-12);
  check_near(s.precisions[2], 33.333333333333336, 1e-12);
  check_near(s.precisions[3], 25.0, 1e-12);
  BOOST_CHECK_EQUAL(s.brevity_penalty, 1.0);
  BOOST_CHECK_EQUAL(s.hypothesis_length, 10);
  BOOST_CHECK_EQUAL(s.reference_length, 7);
}

// IBM/unitxt prepare/metrics/sacrebleu.py, second instance scored alone with sacreBLEU's defaults:
// counts [2, 1, 0, 0], totals [6, 5, 4, 3], precisions [33.33, 20.0, 12.5, 8.33], bp 1.0,
// sys_len 6, ref_len 3, score 16.23 (2 decimals). The 3- and 4-gram orders have no match, and
// 'exp' smoothing scores them 100/(2*4) = 12.5 and 100/(4*3) = 8.33 instead of zeroing BLEU.
BOOST_AUTO_TEST_CASE(bleu_exp_smoothing_for_orders_without_match) {
  const BleuScore s = corpus_bleu({"on our way to ankh morpork"}, {"goodbye ankh morpork"});
  check_near(s.score, 16.23, 0.005);
  check_counts(s, {2, 1, 0, 0}, {6, 5, 4, 3});
  check_near(s.precisions[0], 33.33, 0.005);
  check_near(s.precisions[1], 20.0, 0.005);
  check_near(s.precisions[2], 12.5, 0.005);
  check_near(s.precisions[3], 8.33, 0.005);
  BOOST_CHECK_EQUAL(s.brevity_penalty, 1.0);
  BOOST_CHECK_EQUAL(s.hypothesis_length, 6);
  BOOST_CHECK_EQUAL(s.reference_length, 3);
}

// mjpost/sacrebleu test/test_bleu.py test_case_statistics: counts [4, 2, 1, 0], totals
// [6, 5, 4, 3]. Clipping matters: the hypothesis has "am" twice, the reference once.
// The hypothesis is shorter (6 < 8 tokens), so BP = exp(1 - 8/6) (sacreBLEU's formula).
BOOST_AUTO_TEST_CASE(bleu_sacrebleu_statistics_case_clips_counts) {
  const BleuScore s =
      corpus_bleu({"am I am a character sequence"}, {"I am a symbol string sequence a a"});
  check_counts(s, {4, 2, 1, 0}, {6, 5, 4, 3});
  BOOST_CHECK_EQUAL(s.hypothesis_length, 6);
  BOOST_CHECK_EQUAL(s.reference_length, 8);
  check_near(s.brevity_penalty, std::exp(1.0 - 8.0 / 6.0), 1e-15);
}

// mjpost/sacrebleu test/test_bleu.py test_case_scoring: statistics correct [9, 7, 5, 3], total
// [10, 8, 6, 4] with equal lengths give 0.8375922397 (checked to 1e-8 on the 0-1 scale). Two
// 5-token segments produce exactly these statistics: one identical (5, 4, 3, 2 of 5, 4, 3, 2) and
// one with its last token wrong (4, 3, 2, 1); lengths 10 = 10, so BP = 1 as in the test.
BOOST_AUTO_TEST_CASE(bleu_sacrebleu_scoring_case) {
  const BleuScore s = corpus_bleu({"a b c d e", "a b c d x"}, {"a b c d e", "a b c d e"});
  check_counts(s, {9, 7, 5, 3}, {10, 8, 6, 4});
  check_near(s.score / 100, 0.8375922397, 1e-8);
}

// mjpost/sacrebleu test/test_bleu.py test_raw_bleu_cases: an identical segment scores 1.0 (100),
// and a corpus with no matching n-gram at all scores 0.0 (issue #141), whatever the smoothing.
BOOST_AUTO_TEST_CASE(bleu_identical_and_disjoint_corpora) {
  const BleuScore same = corpus_bleu({"this is a test"}, {"this is a test"});
  check_near(same.score, 100.0, 1e-8);
  const BleuScore none = corpus_bleu({"this is a test", "another test"}, {"ref1", "ref2"});
  BOOST_CHECK_EQUAL(none.score, 0.0);
  check_counts(none, {0, 0, 0, 0}, {6, 4, 2, 1});
  // test/test_sentence_bleu.py test_cases_zero_bleu (issue #141): 0.0 under 'exp' too.
  BOOST_CHECK_EQUAL(corpus_bleu({"this is a cat"}, {"okay thanks"}).score, 0.0);
}

// mjpost/sacrebleu test/test_bleu.py test_corpus_bleu_cases: empty hypotheses are kept and score
// 0.0 (first reference stream of the README example). compute_bleu gives BP 0 for c = 0.
BOOST_AUTO_TEST_CASE(bleu_empty_hypotheses_score_zero) {
  const BleuScore s = corpus_bleu(
      {"", "", ""}, {"The dog bit the man.", "It was not unexpected.", "The man bit him first."});
  BOOST_CHECK_EQUAL(s.score, 0.0);
  BOOST_CHECK_EQUAL(s.brevity_penalty, 0.0);
  BOOST_CHECK_EQUAL(s.hypothesis_length, 0);
  BOOST_CHECK_EQUAL(s.reference_length, 17);  // 6 + 5 + 6 tokens after 13a
}

// Effective order is off by default: with only 2 tokens there are no 3-grams, compute_bleu stops
// at that order and leaves precisions 3 and 4 at 0, so BLEU is 0 although every n-gram present
// matches. (test/test_bleu.py's test_case_effective_order has 1.0 here with effective order ON;
// this is the source's `if total[n - 1] == 0: break` path with it off.)
BOOST_AUTO_TEST_CASE(bleu_short_corpus_without_effective_order_is_zero) {
  const BleuScore s = corpus_bleu({"a test"}, {"a test"});
  check_counts(s, {2, 1, 0, 0}, {2, 1, 0, 0});
  check_near(s.precisions[0], 100.0, 1e-12);
  BOOST_CHECK_EQUAL(s.precisions[2], 0.0);
  BOOST_CHECK_EQUAL(s.score, 0.0);
}

// Case-sensitive by default: "Hello" does not match "hello" (1 of 2 unigrams match).
BOOST_AUTO_TEST_CASE(bleu_is_case_sensitive) {
  const BleuScore s = corpus_bleu({"Hello world"}, {"hello world"});
  check_counts(s, {1, 0, 0, 0}, {2, 1, 0, 0});
}

BOOST_AUTO_TEST_CASE(bleu_rejects_size_mismatch_and_empty_reference) {
  check_throws_naming([] { corpus_bleu({"a", "b"}, {"a"}); }, {"corpus_bleu", "2", "1"});
  // sacreBLEU raises "Empty or `None` reference sentence found." (metrics/base.py).
  check_throws_naming([] { corpus_bleu({"a", "b"}, {"a", ""}); }, {"reference 1", "empty"});
}

// ---- several references, case, the signature ---------------------------------------------------

// mjpost/sacrebleu README.md (object-oriented API) and test/test_bleu.py test_corpus_bleu_cases
// (48.530827 within 1e-8): two reference streams. The README prints
// "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)".
const Strings kReadmeHyps = {"The dog bit the man.", "It wasn't surprising.",
                             "The man had just bitten him."};
const std::vector<Strings> kReadmeRefs = {
    {"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
    {"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."}};

BOOST_AUTO_TEST_CASE(bleu_two_references_sacrebleu_readme) {
  const BleuScore s = corpus_bleu(kReadmeHyps, kReadmeRefs, {});
  check_near(s.score, 48.530827, 1e-6);
  BOOST_CHECK_EQUAL(s.hypothesis_length, 17);
  BOOST_CHECK_EQUAL(s.reference_length, 18);
  BOOST_CHECK_EQUAL(
      format_bleu(s, bleu_signature(2, {})),
      "BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:attend-" ATTEND_VERSION
      " = 48.5 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 "
      "ref_len = 18)");
  BOOST_CHECK_EQUAL(format_bleu(s, "sig", 2).substr(0, 18), "BLEU|sig = 48.53 8");
  // Either stream alone scores lower: the second reference adds matches.
  BOOST_CHECK_LT(corpus_bleu(kReadmeHyps, kReadmeRefs[0]).score, s.score);
  BOOST_CHECK_LT(corpus_bleu(kReadmeHyps, kReadmeRefs[1]).score, s.score);
  // The order of the streams does not matter.
  check_near(corpus_bleu(kReadmeHyps, {kReadmeRefs[1], kReadmeRefs[0]}, {}).score, s.score, 0);
}

// The README's "variable number of references" example: the first hypothesis's first reference
// is '' (a reference with no tokens; sacreBLEU keeps it). Printed: "BLEU = 29.44
// 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)".
BOOST_AUTO_TEST_CASE(bleu_an_empty_reference_among_others_has_no_tokens) {
  std::vector<Strings> refs = kReadmeRefs;
  refs[0][0] = "";
  const BleuScore s = corpus_bleu(kReadmeHyps, refs, {});
  BOOST_CHECK_EQUAL(format_bleu(s, "x", 2),
                    "BLEU|x = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 "
                    "ref_len = 19)");
  // All references of a hypothesis empty: refused, as with one reference.
  refs[1][0] = "";
  check_throws_naming([&] { corpus_bleu(kReadmeHyps, refs, {}); }, {"reference 0", "empty"});
}

// huggingface/evaluate metrics/sacrebleu/README.md passes these two references per segment;
// its printed statistics (the test bleu_huggingface_card_example above) hold with both.
BOOST_AUTO_TEST_CASE(bleu_huggingface_card_example_two_references) {
  const BleuScore s = corpus_bleu(
      {"hello there general kenobi", "on our way to ankh morpork"},
      {{"hello there general kenobi", "goodbye ankh morpork"}, {"hello there !", "ankh morpork"}},
      {});
  check_near(s.score, 39.76353643835252, 1e-12);
  check_counts(s, {6, 4, 2, 1}, {10, 8, 6, 4});
  BOOST_CHECK_EQUAL(s.reference_length, 7);
}

// By hand: the reference length is the closest to the hypothesis's, the shorter on a tie; each
// n-gram is clipped by its largest count in one reference, not the sum over references.
//   hyp "a a b c" (4 tokens), refs "a b c" (3) and "a a b c d" (5): |4-3| = |4-5| = 1 -> r = 3.
//   unigrams: a x2 (max count 2, in ref 2), b, c -> 4/4; bigrams "a a" "a b" "b c" -> 3/3;
//   trigrams "a a b" "a b c" -> 2/2; 4-gram "a a b c" -> 1/1. BLEU = 100, BP = 1 (c = 4 > r = 3).
//   With refs "a b c" and "a b d": "a" clips to 1 in both -> unigrams 3/4.
BOOST_AUTO_TEST_CASE(bleu_closest_length_and_clipping_by_hand) {
  const BleuScore s = corpus_bleu({"a a b c"}, {{"a b c"}, {"a a b c d"}}, {});
  BOOST_CHECK_EQUAL(s.reference_length, 3);
  check_counts(s, {4, 3, 2, 1}, {4, 3, 2, 1});
  check_near(s.score, 100.0, 1e-12);
  const BleuScore t = corpus_bleu({"a a b c"}, {{"a b c"}, {"a b d"}}, {});
  BOOST_CHECK_EQUAL(t.matches[0], 3);
  // Lengths 6 and 2 around a hypothesis of 4: a tie again, the shorter (2) wins.
  BOOST_CHECK_EQUAL(corpus_bleu({"a b c d"}, {{"a b c d e f"}, {"a b"}}, {}).reference_length, 2);
}

BOOST_AUTO_TEST_CASE(bleu_lowercase_option_and_signature) {
  const BleuScore mixed = corpus_bleu({"Hello World"}, {{"hello world"}}, {});
  const BleuScore lc = corpus_bleu({"Hello World"}, {{"hello world"}}, {.lowercase = true});
  check_counts(mixed, {0, 0, 0, 0}, {2, 1, 0, 0});
  check_counts(lc, {2, 1, 0, 0}, {2, 1, 0, 0});
  // Accented capitals too: "ÉTÉ" is "été".
  check_counts(corpus_bleu({"ÉTÉ ici"}, {{"été ici"}}, {.lowercase = true}), {2, 1, 0, 0},
               {2, 1, 0, 0});
  BOOST_CHECK_EQUAL(bleu_signature(1, {.lowercase = true}),
                    "nrefs:1|case:lc|eff:no|tok:13a|smooth:exp|version:attend-" ATTEND_VERSION);
}

BOOST_AUTO_TEST_CASE(bleu_several_references_reject_bad_streams) {
  check_throws_naming([] { corpus_bleu({"a"}, std::vector<Strings>{}, {}); }, {"no references"});
  check_throws_naming(
      [] {
        corpus_bleu({"a", "b"}, {{"a", "b"}, {"a"}}, {});
      },
      {"2 hypotheses", "1 references", "stream 2"});
}

// ---- ROUGE --------------------------------------------------------------------------------------
// rouge-score's scorer.score(target, prediction) is rouge({prediction}, {target}) here.

// google-research rouge/rouge_scorer_test.py testRouge1, testRouge2, testRougeLConsecutive,
// testRougeLNonConsecutive, testMultipleRougeTypes (F-measures).
BOOST_AUTO_TEST_CASE(rouge_scorer_test_small_cases) {
  check_near(rouge({"testing"}, {"testing one two"}).rouge1, 1.0 / 2, 1e-7);
  const RougeScore one = rouge({"testing one"}, {"testing one two"});
  check_near(one.rouge1, 4.0 / 5, 1e-7);
  check_near(one.rouge2, 2.0 / 3, 1e-7);
  check_near(one.rougeL, 4.0 / 5, 1e-7);
  check_near(rouge({"testing two"}, {"testing one two"}).rougeL, 4.0 / 5, 1e-7);
  // Hand: "testing two" has bigram "testing two", absent from the target -> ROUGE-2 = 0, while
  // ROUGE-L still finds the non-consecutive subsequence.
  BOOST_CHECK_EQUAL(rouge({"testing two"}, {"testing one two"}).rouge2, 0.0);
}

// rouge_scorer_test.py testRougeEmpty: an empty prediction scores 0 everywhere.
BOOST_AUTO_TEST_CASE(rouge_empty_prediction_scores_zero) {
  const RougeScore s = rouge({""}, {"testing one two"});
  BOOST_CHECK_EQUAL(s.rouge1, 0.0);
  BOOST_CHECK_EQUAL(s.rouge2, 0.0);
  BOOST_CHECK_EQUAL(s.rougeL, 0.0);
}

// rouge_scorer_test.py testRouge1/2/LAgainstRouge155 (no stemming): ROUGE-1.5.5's F-measures on
// lines 1 and 2 of rouge/testdata/target.txt and prediction.txt, to 5 places. The lines are
// random strings full of punctuation and mixed case, so they exercise the tokenizer too.
BOOST_AUTO_TEST_CASE(rouge_against_rouge155_testdata) {
  const Strings targets = {
      "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM "
      "EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n",
      "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q "
      "m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing "
      "tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu "
      "pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n"};
  const Strings predictions = {
      "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n",
      "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed "
      "HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n"};
  const RougeScore a = rouge({predictions[0]}, {targets[0]});
  check_near(a.rouge1, 0.51163, 5e-6);
  check_near(a.rouge2, 0.39024, 5e-6);
  check_near(a.rougeL, 0.51163, 5e-6);
  const RougeScore b = rouge({predictions[1]}, {targets[1]});
  check_near(b.rouge1, 0.50000, 5e-6);
  check_near(b.rouge2, 0.36364, 5e-6);
  check_near(b.rougeL, 0.50000, 5e-6);
  // Both pairs at once: the plain mean of the per-pair F1s.
  const RougeScore both = rouge(predictions, targets);
  check_near(both.rouge1, (0.51163 + 0.50000) / 2, 5e-6);
  check_near(both.rouge2, (0.39024 + 0.36364) / 2, 5e-6);
  check_near(both.rougeL, (0.51163 + 0.50000) / 2, 5e-6);
}

// Hand-computed. hyp [the cat sat on the mat], ref [the cat is on the mat]:
// ROUGE-1 overlap the x2, cat, on, mat = 5 of 6 each side -> P = R = F = 5/6.
// ROUGE-2 overlap "the cat", "on the", "the mat" = 3 of 5 each side -> 3/5.
// ROUGE-L LCS "the cat on the mat" = 5 -> 5/6.
BOOST_AUTO_TEST_CASE(rouge_hand_computed_overlap) {
  const RougeScore s = rouge({"the cat sat on the mat"}, {"the cat is on the mat"});
  check_near(s.rouge1, 5.0 / 6, 1e-12);
  check_near(s.rouge2, 3.0 / 5, 1e-12);
  check_near(s.rougeL, 5.0 / 6, 1e-12);
  // Unequal lengths: hyp [a b], ref [a b c d]. ROUGE-1 and ROUGE-L: P = 1, R = 1/2 -> F = 2/3.
  // ROUGE-2: bigram "a b" is 1 of 1 and 1 of 3 -> P = 1, R = 1/3 -> F = 1/2.
  const RougeScore u = rouge({"a b"}, {"a b c d"});
  check_near(u.rouge1, 2.0 / 3, 1e-12);
  check_near(u.rouge2, 1.0 / 2, 1e-12);
  check_near(u.rougeL, 2.0 / 3, 1e-12);
}

// rouge_score/tokenize.py lowercases, then turns every run outside [a-z0-9] into a separator, so
// case and punctuation do not matter and non-ASCII letters split words ("café" -> "caf").
// Python's lower() maps exactly two non-ASCII code points into ASCII: U+212A (Kelvin sign) -> "k"
// and U+0130 -> "i" + U+0307 (the latter a separator). Hand-derived from tokenize.py.
BOOST_AUTO_TEST_CASE(rouge_tokenizer_lowercases_and_drops_non_alphanumerics) {
  BOOST_CHECK_EQUAL(rouge({"The Cat's HAT!"}, {"the cat s hat"}).rouge2, 1.0);
  BOOST_CHECK_EQUAL(rouge({"caf\u00e9 na\u00efve"}, {"caf na ve"}).rougeL, 1.0);
  BOOST_CHECK_EQUAL(rouge({"caf\u00e9 na\u00efve"}, {"cafe naive"}).rouge1, 0.0);
  BOOST_CHECK_EQUAL(rouge({"\u212Aelvin \u0130stanbul"}, {"kelvin i stanbul"}).rouge2, 1.0);
}

// Two pairs, one identical (1.0) and one disjoint (0.0): the mean is 0.5 for every measure.
BOOST_AUTO_TEST_CASE(rouge_averages_over_pairs) {
  const RougeScore s = rouge({"a b c", "x y"}, {"a b c", "p q"});
  check_near(s.rouge1, 0.5, 1e-12);
  check_near(s.rouge2, 0.5, 1e-12);
  check_near(s.rougeL, 0.5, 1e-12);
}

BOOST_AUTO_TEST_CASE(rouge_rejects_size_mismatch) {
  check_throws_naming([] { rouge({"a"}, {"a", "b", "c"}); }, {"rouge", "1", "3"});
}

// rouge-score's RougeScorer.score_multi takes, per rouge type, the reference with the best F1.
// By hand, hypothesis "a b c d" (4 tokens, bigrams ab bc cd):
//   ref "c d a b":     R1 4/4 and 4/4 -> 1.0; R2 {cd, ab} of 3 and 3 -> 2/3; LCS 2 -> F 0.5.
//   ref "a b c x y z": R1 P 3/4, R 3/6 -> 0.6; R2 {ab, bc}: P 2/3, R 2/5 -> 0.5; LCS 3 -> F 0.6.
//   Best per type: R1 1.0 and R2 2/3 from the first reference, RL 0.6 from the second.
BOOST_AUTO_TEST_CASE(rouge_several_references_best_per_type) {
  const RougeScore s = rouge_multi({"a b c d"}, std::vector<Strings>{{"c d a b"}, {"a b c x y z"}});
  check_near(s.rouge1, 1.0, 1e-12);
  check_near(s.rouge2, 2.0 / 3.0, 1e-12);
  check_near(s.rougeL, 0.6, 1e-12);
  // One stream is the single-reference score; then the mean over pairs of each pair's best.
  const RougeScore one = rouge_multi({"a b c d"}, std::vector<Strings>{{"c d a b"}});
  check_near(one.rougeL, 0.5, 1e-12);
  const RougeScore two =
      rouge_multi({"a b c d", "x"}, std::vector<Strings>{{"c d a b", "y"}, {"a b c x y z", "x"}});
  check_near(two.rouge1, (1.0 + 1.0) / 2, 1e-12);
  check_near(two.rougeL, (0.6 + 1.0) / 2, 1e-12);
  check_throws_naming(
      [] {
        rouge_multi({"a"}, std::vector<Strings>{{"a"}, {}});
      },
      {"rouge", "1 hypotheses", "0 references", "stream 2"});
}

// ---- accuracy, macro-F1, perplexity -------------------------------------------------------------

// 3 of 4 labels equal -> 0.75.
BOOST_AUTO_TEST_CASE(accuracy_counts_equal_labels) {
  check_near(accuracy({1, 2, 3, 4}, {1, 2, 0, 4}), 0.75, 1e-15);
  check_near(accuracy({7}, {7}), 1.0, 1e-15);
  check_near(accuracy({7}, {8}), 0.0, 1e-15);
}

BOOST_AUTO_TEST_CASE(accuracy_rejects_size_mismatch_and_no_labels) {
  check_throws_naming([] { accuracy({1, 2, 3}, {1, 2, 3, 4}); }, {"accuracy", "3", "4"});
  check_throws_naming([] { accuracy({}, {}); }, {"accuracy", "no labels"});
}

// scikit-learn's f1_score docstring (sklearn/metrics/_classification.py): y_true [0,1,2,0,1,2],
// y_pred [0,2,1,0,0,1] gives per-class F1 [0.8, 0, 0] and macro 0.26... By hand: class 0 has
// tp 2, fp 1, fn 0 -> 2*2/(4+1) = 0.8; classes 1 and 2 have no true positive -> 0; mean 0.8/3.
BOOST_AUTO_TEST_CASE(macro_f1_sklearn_docstring_example) {
  check_near(macro_f1({0, 2, 1, 0, 0, 1}, {0, 1, 2, 0, 1, 2}), 0.8 / 3, 1e-15);
}

// Hand: truth [0,0,1,1,2], predicted [0,1,1,1,0].
// class 0: tp 1, fp 1 (the last item), fn 1 -> 2/(2+1+1) = 0.5
// class 1: tp 2, fp 1, fn 0 -> 4/5 = 0.8;  class 2: tp 0 -> 0.  Mean (0.5+0.8+0)/3 = 1.3/3.
BOOST_AUTO_TEST_CASE(macro_f1_hand_computed) {
  check_near(macro_f1({0, 1, 1, 1, 0}, {0, 0, 1, 1, 2}), 1.3 / 3, 1e-15);
}

// Classes are the union of both sides (sklearn's unique_labels): a class that is only predicted
// still counts, with F1 0. truth [0,0], predicted [0,1]: class 0 -> 2/(2+0+1) = 2/3, class 1 -> 0,
// mean 1/3 (it would be 2/3 if only true classes counted). Labels need not be contiguous.
BOOST_AUTO_TEST_CASE(macro_f1_counts_predicted_only_classes) {
  check_near(macro_f1({0, 1}, {0, 0}), 1.0 / 3, 1e-15);
  check_near(macro_f1({-5, 100, 100}, {-5, 100, 100}), 1.0, 1e-15);
}

BOOST_AUTO_TEST_CASE(macro_f1_rejects_size_mismatch_and_no_labels) {
  check_throws_naming([] { macro_f1({1}, {1, 2}); }, {"macro_f1", "1 predictions", "2 true"});
  check_throws_naming([] { macro_f1({}, {}); }, {"macro_f1", "no labels"});
}

// exp(nll / tokens): 10 tokens at log 2 nats each -> 2; 6 nats over 3 tokens -> e^2; 0 nats -> 1.
BOOST_AUTO_TEST_CASE(perplexity_is_exp_of_mean_nll) {
  check_near(perplexity(10 * std::log(2.0), 10), 2.0, 1e-12);
  check_near(perplexity(6.0, 3), 7.38905609893065, 1e-12);
  check_near(perplexity(0.0, 5), 1.0, 0.0);
}

// No tokens: undefined, NaN like the mean loss beside it; a negative count is a caller bug.
BOOST_AUTO_TEST_CASE(perplexity_edge_cases) {
  BOOST_CHECK(std::isnan(perplexity(1.0, 0)));
  check_throws_naming([] { perplexity(1.0, -2); }, {"perplexity", "-2"});
}

BOOST_AUTO_TEST_SUITE_END()
