// Scoring files line by line (attend score): the same numbers as the in-memory metrics, blank
// hypothesis lines, and one-line errors naming the file and line of a misaligned file.
#include <boost/test/unit_test.hpp>

#include "datasets/data_test_util.h"
#include "trainers/tasks/scoring.h"

using namespace attend;

BOOST_AUTO_TEST_SUITE(test_scoring)

BOOST_AUTO_TEST_CASE(files_score_as_the_metrics_do) {
  test::TempDir dir;
  const std::string hyp = dir.write("hyp", "The dog bit the man.\nIt wasn't surprising.\n");
  const std::string r1 = dir.write("r1", "The dog bit the man.\nIt was not unexpected.\n");
  const std::string r2 = dir.write("r2", "The dog had bit the man.\nNo one was surprised.\n");
  const FileScores s = score_files(hyp, {r1, r2});
  BOOST_CHECK_EQUAL(s.segments, 2u);
  BOOST_CHECK_EQUAL(s.references, 2u);
  const std::vector<std::string> h = {"The dog bit the man.", "It wasn't surprising."};
  const std::vector<std::vector<std::string>> refs = {
      {"The dog bit the man.", "It was not unexpected."},
      {"The dog had bit the man.", "No one was surprised."}};
  BOOST_CHECK_EQUAL(s.bleu.score, corpus_bleu(h, refs, {}).score);
  BOOST_CHECK_EQUAL(s.rouge.rougeL, rouge_multi(h, refs).rougeL);
  ScoreFilesOptions lc;
  lc.rouge = false;
  lc.bleu_options.lowercase = true;
  BOOST_CHECK_EQUAL(score_files(hyp, {r1}, lc).bleu.score,
                    corpus_bleu(h, {refs[0]}, {.lowercase = true}).score);
  BOOST_CHECK_EQUAL(format_rouge({0.2367, 0.1029, 0.2344}, 3),
                    "ROUGE|nrefs:3|multi:max|case:lc|tok:rouge-score|stem:no = rouge1 23.67 rouge2 "
                    "10.29 rougeL 23.44");
}

BOOST_AUTO_TEST_CASE(a_blank_hypothesis_is_an_empty_output) {
  test::TempDir dir;
  const FileScores s =
      score_files(dir.write("hyp", "a b c d\n\n"), {dir.write("ref", "a b c d\na b\n")});
  BOOST_CHECK_EQUAL(s.segments, 2u);
  BOOST_CHECK_EQUAL(s.bleu.hypothesis_length, 4);
  BOOST_CHECK_EQUAL(s.bleu.reference_length, 6);
  BOOST_CHECK_CLOSE(s.rouge.rouge1, 0.5, 1e-9);  // (1 + 0) / 2
}

BOOST_AUTO_TEST_CASE(misaligned_files_name_file_and_line) {
  test::TempDir dir;
  const std::string three = dir.write("three", "a\nb\nc\n");
  const std::string two = dir.write("two", "a\nb\n");
  test::check_data_error([&] { score_files(three, {three, two}); }, two, 3, "file ends before");
  test::check_data_error([&] { score_files(two, {three}); }, two, 3, "file ends before " + three);
  const std::string gap = dir.write("gap", "a\n \nc\n");
  test::check_data_error([&] { score_files(three, {gap}); }, gap, 2, "empty reference");
  test::check_data_error(
      [&] {
        score_files(three, {gap, gap});
      },
      gap, 2, "empty in every reference file");
  BOOST_CHECK_NO_THROW(score_files(three, {gap, three}));  // another reference has line 2
  const std::string empty = dir.write("empty", "");
  test::check_data_error([&] { score_files(empty, {three}); }, empty, 1, "empty");
  const std::string binary = dir.write("model.bin", std::string("\x80\x02\x00\x01\n", 5));
  test::check_data_error([&] { score_files(three, {binary}); }, binary, 1, "binary data");
  test::check_data_error([&] { score_files(three, {}); }, three, 0, "no reference file");
}

BOOST_AUTO_TEST_SUITE_END()
