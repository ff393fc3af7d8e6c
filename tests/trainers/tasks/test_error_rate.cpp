// Character and word error rates (trainers/error_rate.h) against hand-computed alignments and the
// values jiwer documents (its usage page and its tests/test_cer.py), S/D/I split included.
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "trainers/tasks/error_rate.h"

using namespace attend;

namespace {

double cer(const std::vector<std::string>& refs, const std::vector<std::string>& hyps) {
  return character_errors(refs, hyps).rate();
}

void check_counts(const ErrorCounts& c, int64_t hits, int64_t s, int64_t d, int64_t i) {
  BOOST_CHECK_EQUAL(c.hits, hits);
  BOOST_CHECK_EQUAL(c.substitutions, s);
  BOOST_CHECK_EQUAL(c.deletions, d);
  BOOST_CHECK_EQUAL(c.insertions, i);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_error_rate)

BOOST_AUTO_TEST_CASE(hand_computed_alignments) {
  auto chars = [](const std::string& s) { return error_rate_characters(s); };
  // kitten -> sitting: k/s and e/i substituted, g inserted.
  check_counts(align_counts(chars("kitten"), chars("sitting")), 4, 2, 0, 1);
  check_counts(align_counts(chars("abc"), chars("")), 0, 0, 3, 0);
  check_counts(align_counts(chars(""), chars("ab")), 0, 0, 0, 2);
  check_counts(align_counts(chars("abc"), chars("abc")), 3, 0, 0, 0);
  // "one two" -> "one too two": one inserted word.
  check_counts(align_counts(error_rate_words("one two"), error_rate_words("one too two")), 2, 0, 0,
               1);
  // Ties in distance go to the alignment with most hits: ab -> ba is a deletion, a hit and an
  // insertion, not two substitutions (both cost 2).
  check_counts(align_counts(chars("ab"), chars("ba")), 1, 0, 1, 1);
}

BOOST_AUTO_TEST_CASE(jiwer_documented_character_error_rates) {
  // tests/test_cer.py of jiwer: spaces are characters ("This is a test" has 14).
  BOOST_CHECK_EQUAL(cer({"This is a test"}, {"This is a test"}), 0.0);
  BOOST_CHECK_EQUAL(cer({"This is a test"}, {""}), 1.0);
  BOOST_CHECK_CLOSE(cer({"This is a test"}, {"This test"}), 5.0 / 14, 1e-12);
  // Its "known values" (from the WER/RIL/MER/WIL paper) as characters.
  BOOST_CHECK_EQUAL(cer({"X"}, {"X"}), 0.0);
  BOOST_CHECK_EQUAL(cer({"X"}, {"X X Y Y"}), 6.0);
  BOOST_CHECK_CLOSE(cer({"X Y X"}, {"X Z"}), 3.0 / 5, 1e-12);
  BOOST_CHECK_EQUAL(cer({"X"}, {"Y"}), 1.0);
  BOOST_CHECK_EQUAL(cer({"X"}, {"Y Z"}), 3.0);
  // Corpus level: sums before dividing, whatever the order of the pairs.
  BOOST_CHECK_CLOSE(cer({"i", "am i good"}, {"i am", "i good"}), 0.6, 1e-12);
  BOOST_CHECK_CLOSE(cer({"am i good", "i"}, {"i good", "i am"}), 0.6, 1e-12);
  // Its return_dict case: cer 0.7, hits 6, substitutions 1, deletions 3, insertions 3.
  const ErrorCounts c = character_errors({"i", "am i good"}, {"i am", "y good"});
  check_counts(c, 6, 1, 3, 3);
  BOOST_CHECK_CLOSE(c.rate(), 0.7, 1e-12);
}

BOOST_AUTO_TEST_CASE(jiwer_documented_word_error_rates) {
  BOOST_CHECK_EQUAL(word_errors({"hello world"}, {"hello duck"}).rate(), 0.5);
  BOOST_CHECK_CLOSE(
      word_errors({"hello world", "i like monthy python"}, {"hello duck", "i like python"}).rate(),
      2.0 / 6, 1e-12);
  // The alignment example of jiwer's usage page: substitutions=2 deletions=2 insertions=4
  // hits=5, wer=88.89%.
  const ErrorCounts w =
      word_errors({"short one here", "quite a bit of longer sentence"},
                  {"shoe order one", "quite bit of an even longest sentence here"});
  check_counts(w, 5, 2, 2, 4);
  BOOST_CHECK_CLOSE(w.rate(), 8.0 / 9, 1e-12);
}

BOOST_AUTO_TEST_CASE(text_is_normalised_as_jiwer_leaves_it) {
  BOOST_CHECK_EQUAL(cer({"  three   one "}, {"three one"}), 0.0);
  BOOST_CHECK(error_rate_characters(" a\t b ") == std::vector<std::string>({"a", " ", "b"}));
  // Code points, not bytes: é is one character.
  check_counts(character_errors({"héllo"}, {"hello"}), 4, 1, 0, 0);
  BOOST_CHECK_EQUAL(error_rate_characters("né").size(), 2u);
  BOOST_CHECK(error_rate_words("  two  words\n") == std::vector<std::string>({"two", "words"}));
}

BOOST_AUTO_TEST_CASE(degenerate_input) {
  BOOST_CHECK(std::isnan(cer({""}, {"abc"})));  // no reference characters: undefined
  BOOST_CHECK(std::isnan(cer({}, {})));
  BOOST_CHECK_THROW(character_errors({"a", "b"}, {"a"}), std::invalid_argument);
  try {
    word_errors({"ok", "bad \xff"}, {"ok", "ok"});
    BOOST_FAIL("no error");
  } catch (const std::invalid_argument& e) {
    BOOST_CHECK(std::string(e.what()).find("reference 2") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
