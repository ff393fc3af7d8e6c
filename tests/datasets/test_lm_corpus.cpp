// The character vocabulary and the language-modelling corpus (datasets/char_vocab.cpp,
// datasets/lm_corpus.cpp): nanoGPT's sorted characters and 90/10 split, round trips, unknown
// characters named, and every bad file (missing, empty, binary, broken UTF-8, too short) a one-line
// DataError with the file and line.
#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "data_test_util.h"
#include "datasets/char_vocab.h"
#include "datasets/lm_corpus.h"

using namespace attend;
using attend::test::check_data_error;
using attend::test::TempDir;

BOOST_AUTO_TEST_SUITE(test_lm_corpus)

BOOST_AUTO_TEST_CASE(vocabulary_is_the_sorted_distinct_characters) {
  const CharVocab v = CharVocab::build("hello, world\nété");
  // "\n", " ", ",", "d", "e", "h", "l", "o", "r", "t", "w", "é" (U+00E9 sorts after ASCII).
  BOOST_CHECK_EQUAL(v.size(), 12);
  BOOST_CHECK_EQUAL(v.token(0), "\n");
  BOOST_CHECK_EQUAL(v.token(1), " ");
  BOOST_CHECK_EQUAL(v.token(11), "é");
  const std::vector<int64_t> ids = v.encode("été, hello");
  BOOST_CHECK_EQUAL(ids.size(), 10u);
  BOOST_CHECK_EQUAL(v.decode(ids), "été, hello");
  const CharVocab back = CharVocab::from_json(v.to_json());
  BOOST_CHECK_EQUAL(back.size(), v.size());
  BOOST_CHECK_EQUAL(back.id("é"), 11);
}

BOOST_AUTO_TEST_CASE(unknown_characters_are_listed_once_or_refused) {
  const CharVocab v = CharVocab::build("abc");
  std::vector<std::string> unknown;
  const auto ids = v.encode("abxzcx", &unknown);
  BOOST_CHECK_EQUAL(ids.size(), 3u);
  BOOST_REQUIRE_EQUAL(unknown.size(), 2u);
  BOOST_CHECK_EQUAL(unknown[0], "x");
  BOOST_CHECK_EQUAL(unknown[1], "z");
  check_data_error([&] { v.encode("abß"); }, "", 0, "'ß' (U+00DF) at byte 3");
  BOOST_CHECK_THROW(CharVocab::from_json("{\"chars\": [\"ab\"]}"), std::invalid_argument);
  BOOST_CHECK_THROW(CharVocab::from_json("{\"chars\": [\"a\", \"a\"]}"), std::invalid_argument);
  BOOST_CHECK_THROW(CharVocab::from_json("[1, 2]"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(split_is_nanogpts_ninety_ten) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 100; ++i) text += static_cast<char>('a' + i % 7);
  const std::string path = dir.write("t.txt", text);
  const LMCorpus c = load_lm_corpus(path, 5);
  BOOST_CHECK_EQUAL(c.train.size(), 90u);
  BOOST_CHECK_EQUAL(c.valid.size(), 10u);
  BOOST_CHECK_EQUAL(c.vocab.size(), 7);
  BOOST_CHECK_EQUAL(c.train[8], 1);  // 'b'
  BOOST_CHECK_EQUAL(c.valid[0], 90 % 7);
  check_data_error([&] { load_lm_corpus(path, 11); }, path, 0, "each part needs at least");
}

BOOST_AUTO_TEST_CASE(bad_files_are_one_line_errors) {
  TempDir dir;
  check_data_error([&] { read_lm_text(dir.path("missing.txt")); }, dir.path("missing.txt"), 0,
                   "no such file");
  const std::string empty = dir.write("empty.txt", "");
  check_data_error([&] { read_lm_text(empty); }, empty, 0, "empty file");
  const std::string binary = dir.write("bin.dat", std::string("ab\ncd\n\x7f"
                                                              "ELF\0\x01",
                                                              11));
  check_data_error([&] { read_lm_text(binary); }, binary, 3, "NUL byte at byte 11");
  const std::string latin1 = dir.write("latin1.txt", "ok\nd\xe9j\xe0 vu\n");
  check_data_error([&] { read_lm_text(latin1); }, latin1, 2, "invalid UTF-8");
  check_data_error([&] { read_lm_text(dir.root()); }, dir.root(), 0, "not a regular file");
}

BOOST_AUTO_TEST_CASE(a_checkpoint_vocabulary_refuses_new_characters) {
  TempDir dir;
  const std::string path = dir.write("t.txt", std::string(50, 'a') + "b" + std::string(49, 'a'));
  const CharVocab only_a = CharVocab::build("a");
  check_data_error([&] { load_lm_corpus(path, 2, &only_a); }, path, 0,
                   "'b' (U+0062) at byte 51 is not in the vocabulary of the checkpoint");
}

BOOST_AUTO_TEST_CASE(tinyshakespeare_resolves_when_present) {
  const std::string root = ATTEND_SOURCE_DIR "/../shared/datasets/tinyshakespeare/input.txt";
  if (!std::filesystem::exists(root)) return;  // the real corpus is not on every machine
  const std::string path = resolve_lm_corpus("tinyshakespeare");
  BOOST_CHECK_EQUAL(std::filesystem::file_size(path), 1115394u);
  const LMCorpus c = load_lm_corpus("tinyshakespeare", 257);
  BOOST_CHECK_EQUAL(c.vocab.size(), 65);
  BOOST_CHECK_EQUAL(c.train.size(), 1003854u);  // SOURCE.md's split
  BOOST_CHECK_EQUAL(c.valid.size(), 111540u);
}

BOOST_AUTO_TEST_SUITE_END()
