// Tokenizer: French accents, elision and apostrophes, hyphens, punctuation, Tatoeba's no-break
// spaces, numbers, lowercasing, and invalid UTF-8.
#include <boost/test/unit_test.hpp>

#include "data_test_util.h"
#include "datasets/bundled.h"
#include "datasets/tokenizer.h"

using namespace attend;
using Toks = std::vector<std::string>;

namespace {

void check_tokens(const std::string& text, const Toks& expected, TokenizerOptions o = {}) {
  const Toks got = tokenize(text, o);
  std::string shown;
  for (const auto& t : got) shown += "[" + t + "]";
  BOOST_TEST_INFO("text: " << text << " -> " << shown);
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_tokenizer)

BOOST_AUTO_TEST_CASE(french_elision_splits_after_the_apostrophe) {
  check_tokens("L'homme est là.", {"L'", "homme", "est", "là", "."});
  check_tokens("Je t'aime.", {"Je", "t'", "aime", "."});
  check_tokens("Qu'il vienne jusqu'à demain.",
               {"Qu'", "il", "vienne", "jusqu'", "à", "demain", "."});
  check_tokens("Lorsqu'elle parle, j'écoute.",
               {"Lorsqu'", "elle", "parle", ",", "j'", "écoute", "."});
  check_tokens("Ç'a été dur.", {"Ç'", "a", "été", "dur", "."});
}

BOOST_AUTO_TEST_CASE(word_internal_apostrophes_that_are_not_elision_stay) {
  check_tokens("Aujourd'hui, c'est l'été !", {"Aujourd'hui", ",", "c'", "est", "l'", "été", "!"});
  check_tokens("d'aujourd'hui", {"d'", "aujourd'hui"});
  check_tokens("quelqu'un", {"quelqu'un"});
  check_tokens("I don't know, I'm Tom's friend.",
               {"I", "don't", "know", ",", "I'm", "Tom's", "friend", "."});
}

BOOST_AUTO_TEST_CASE(typographic_apostrophe_is_written_as_ascii) {
  check_tokens("l\u2019homme aujourd\u2019hui", {"l'", "homme", "aujourd'hui"});
}

BOOST_AUTO_TEST_CASE(quotes_at_word_edges_are_punctuation) {
  check_tokens("'Bonjour'", {"'", "Bonjour", "'"});
  check_tokens("les enfants' jouets", {"les", "enfants", "'", "jouets"});
}

BOOST_AUTO_TEST_CASE(hyphenated_words_stay_whole) {
  check_tokens("Qu'est-ce que c'est ?", {"Qu'", "est-ce", "que", "c'", "est", "?"});
  check_tokens("peut-être a-t-il raison", {"peut-être", "a-t-il", "raison"});
  check_tokens("-Non - jamais--", {"-", "Non", "-", "jamais", "--"});
}

BOOST_AUTO_TEST_CASE(punctuation_and_french_spacing) {
  // Tatoeba writes NO-BREAK SPACE (U+00A0) and NARROW NO-BREAK SPACE (U+202F) before ! ? :
  check_tokens("Va\u00A0!", {"Va", "!"});
  check_tokens("Quoi\u202F?\u202FVraiment\u202F!", {"Quoi", "?", "Vraiment", "!"});
  check_tokens("\u00AB\u00A0Bonjour\u00A0\u00BB, dit-il\u2026",
               {"\u00AB", "Bonjour", "\u00BB", ",", "dit-il", "\u2026"});
  check_tokens("Attends... Non?!", {"Attends", "...", "Non", "?", "!"});
  check_tokens("\u00BFQu\u00E9?", {"\u00BF", "Qu\u00E9", "?"});
  check_tokens("(a) [b] 5\u20AC", {"(", "a", ")", "[", "b", "]", "5", "\u20AC"});
}

BOOST_AUTO_TEST_CASE(numbers_keep_their_separators) {
  check_tokens("3,5 km et 1.000,50 euros", {"3,5", "km", "et", "1.000,50", "euros"});
  check_tokens("a,b. 3.", {"a", ",", "b", ".", "3", "."});
}

BOOST_AUTO_TEST_CASE(accents_and_combining_marks_are_word_characters) {
  check_tokens("Noël à l'hôpital, où ça ?", {"Noël", "à", "l'", "hôpital", ",", "où", "ça", "?"});
  // A decomposed é (e + U+0301) is one word, not "caf" + mark.
  check_tokens("cafe\u0301 cr\u00E8me", {"cafe\u0301", "cr\u00E8me"});
  check_tokens("Привет, мир", {"Привет", ",", "мир"});
}

BOOST_AUTO_TEST_CASE(lowercase_option) {
  TokenizerOptions lower;
  lower.lowercase = true;
  check_tokens("L'ÉTÉ À PARIS, ŒUVRE ÇA", {"l'", "été", "à", "paris", ",", "œuvre", "ça"}, lower);
  check_tokens("Aujourd'hui", {"aujourd'hui"}, lower);
  check_tokens("ΑΒΓ ПРИВЕТ Ÿ", {"αβγ", "привет", "ÿ"}, lower);
  // Off by default.
  check_tokens("ÉTÉ", {"ÉTÉ"});
}

BOOST_AUTO_TEST_CASE(elision_split_can_be_turned_off) {
  TokenizerOptions keep;
  keep.split_elision = false;
  check_tokens("L'homme qu'il voit", {"L'homme", "qu'il", "voit"}, keep);
}

BOOST_AUTO_TEST_CASE(whitespace_only_gives_no_tokens) {
  BOOST_CHECK(tokenize("").empty());
  BOOST_CHECK(tokenize(" \t\n\u00A0\u202F\u200B").empty());
  check_tokens("  un\tdeux\r\ntrois ", {"un", "deux", "trois"});
}

BOOST_AUTO_TEST_CASE(tokenizer_object_uses_its_options) {
  Tokenizer tok(TokenizerOptions{.lowercase = true, .split_elision = true});
  const Toks got = tok("L'Été");
  const Toks expected = {"l'", "été"};
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  BOOST_CHECK(tok.options().lowercase);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_throws_naming_the_byte) {
  // "été" in Latin-1: 0xE9 't' 0xE9.
  test::check_data_error([] { tokenize("ok \xE9t\xE9"); }, "", 0, "invalid UTF-8 at byte 4 (0xE9)");
  test::check_data_error([] { tokenize("\xC3"); }, "", 0, "at byte 1");
}

BOOST_AUTO_TEST_CASE(detokenize_restores_spacing) {
  BOOST_CHECK_EQUAL(detokenize(tokenize("Il n'a pas vu l'hôpital, dit-il.")),
                    "Il n'a pas vu l'hôpital, dit-il.");
  BOOST_CHECK_EQUAL(detokenize(tokenize("Qu'il vienne (demain) !")), "Qu'il vienne (demain)!");
  BOOST_CHECK_EQUAL(detokenize(tokenize("He said \"yes\" twice...")), "He said \"yes\" twice...");
  BOOST_CHECK_EQUAL(detokenize({}), "");
}

BOOST_AUTO_TEST_CASE(detokenize_keeps_equal_punctuation_apart) {
  // Found by fuzz/fuzz_tokenizer: glued, two equal marks read back as one token ("!!", '""').
  for (const char* text : {"Quoi ! !", "\" \"", "( (a", "Non . ...", "\xE2\x80\xA6 \xE2\x80\xA6"}) {
    const std::vector<std::string> t = tokenize(text);
    BOOST_CHECK_MESSAGE(tokenize(detokenize(t)) == t, text << " -> " << detokenize(t));
  }
  BOOST_CHECK_EQUAL(detokenize({"Quoi", "!", "!"}), "Quoi! !");
  BOOST_CHECK_EQUAL(detokenize({"\"", "\""}), "\" \"");
  BOOST_CHECK_EQUAL(detokenize({"Non", "?", "!"}), "Non?!");
}

BOOST_AUTO_TEST_CASE(detokenize_round_trips_every_bundled_sentence) {
  // tokenize(detokenize(tokens)) == tokens: what the models output reads back as what they saw.
  for (const std::string name : {"toy-en-fr", "toy-summarization"}) {
    TextSplits s = load_bundled_text(name);
    int64_t checked = 0;
    for (const auto& p : s.valid)
      for (const std::string* text : {&p.source, &p.target}) {
        std::vector<std::string> t = tokenize(*text);
        BOOST_REQUIRE_MESSAGE(tokenize(detokenize(t)) == t, name << ": " << *text);
        ++checked;
      }
    BOOST_CHECK_EQUAL(checked, 2000);
  }
}

BOOST_AUTO_TEST_SUITE_END()
