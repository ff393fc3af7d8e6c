// TSV sentence pairs (Tatoeba/manythings layout) and line-aligned parallel files.
#include <boost/test/unit_test.hpp>

#include "data_test_util.h"
#include "datasets/line_reader.h"
#include "datasets/load_text_pairs.h"

using namespace attend;

BOOST_AUTO_TEST_SUITE(test_load_text_pairs)

BOOST_AUTO_TEST_CASE(reads_manythings_layout_and_ignores_extra_columns) {
  test::TempDir dir;
  // Newer manythings releases add an attribution column; it must be ignored.
  const std::string p =
      dir.write("fra.txt",
                "Go.\tVa\u00A0!\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM)\n"
                "Who?\tQui\u202F?\n"
                "\n"
                "I'm here.\tJe suis l\u00E0.\n");
  const auto pairs = load_tsv_pairs(p);
  BOOST_REQUIRE_EQUAL(pairs.size(), 3u);
  BOOST_CHECK_EQUAL(pairs[0].source, "Go.");
  BOOST_CHECK_EQUAL(pairs[0].target, "Va\u00A0!");
  BOOST_CHECK_EQUAL(pairs[1].target, "Qui\u202F?");
  BOOST_CHECK_EQUAL(pairs[2].source, "I'm here.");
  BOOST_CHECK_EQUAL(pairs[2].line, 4);  // the blank line 3 is skipped but counted
}

BOOST_AUTO_TEST_CASE(columns_can_be_swapped_and_a_header_skipped) {
  test::TempDir dir;
  const std::string p = dir.write("pairs.tsv", "en\tfr\nCat.\tChat.\n");
  TsvPairsOptions o;
  o.source_column = 1;
  o.target_column = 0;
  o.has_header = true;
  const auto pairs = load_tsv_pairs(p, o);
  BOOST_REQUIRE_EQUAL(pairs.size(), 1u);
  BOOST_CHECK_EQUAL(pairs[0].source, "Chat.");
  BOOST_CHECK_EQUAL(pairs[0].target, "Cat.");
  o.target_column = 1;
  BOOST_CHECK_THROW(load_tsv_pairs(p, o), DataError);
}

BOOST_AUTO_TEST_CASE(crlf_and_byte_order_mark_are_dropped) {
  test::TempDir dir;
  const std::string p = dir.write("win.txt", "\xEF\xBB\xBFHi.\tSalut.\r\nBye.\tAu revoir.\r\n");
  const auto pairs = load_tsv_pairs(p);
  BOOST_REQUIRE_EQUAL(pairs.size(), 2u);
  BOOST_CHECK_EQUAL(pairs[0].source, "Hi.");
  BOOST_CHECK_EQUAL(pairs[1].target, "Au revoir.");
}

BOOST_AUTO_TEST_CASE(parallel_files_pair_line_by_line) {
  test::TempDir dir;
  const std::string a = dir.write("train.body.txt", "Please review the memo.\nLunch tomorrow?\n");
  const std::string b = dir.write("train.subject.txt", "Memo\nLunch\n");
  const auto pairs = load_parallel_text(a, b);
  BOOST_REQUIRE_EQUAL(pairs.size(), 2u);
  BOOST_CHECK_EQUAL(pairs[1].source, "Lunch tomorrow?");
  BOOST_CHECK_EQUAL(pairs[1].target, "Lunch");
  BOOST_CHECK_EQUAL(pairs[1].line, 2);
}

BOOST_AUTO_TEST_CASE(parallel_files_skip_lines_empty_on_both_sides) {
  test::TempDir dir;
  // Line 2 is empty on both sides (whitespace counts as empty): skipped, but still counted.
  const std::string a = dir.write("train.de", "Ein Hund.\n \nZwei Katzen.\n");
  const std::string b = dir.write("train.en", "A dog.\n\t\nTwo cats.\n");
  const auto pairs = load_parallel_text(a, b);
  BOOST_REQUIRE_EQUAL(pairs.size(), 2u);
  BOOST_CHECK_EQUAL(pairs[1].target, "Two cats.");
  BOOST_CHECK_EQUAL(pairs[1].line, 3);
}

BOOST_AUTO_TEST_CASE(parallel_files_read_gzip_and_crlf) {
  test::TempDir dir;
  const std::string a = dir.write("val.de.gz", test::gzip_stored("Ein Hund.\r\nEine Katze.\r\n"));
  const std::string b = dir.write("val.en", "A dog.\nA cat.\n");
  if (!gzip_supported()) {
    test::check_data_error([&] { load_parallel_text(a, b); }, a, 0, "decompress it first");
    return;
  }
  const auto pairs = load_parallel_text(a, b);
  BOOST_REQUIRE_EQUAL(pairs.size(), 2u);
  BOOST_CHECK_EQUAL(pairs[0].source, "Ein Hund.");
  BOOST_CHECK_EQUAL(pairs[1].source, "Eine Katze.");
}

BOOST_AUTO_TEST_CASE(parallel_files_bad_input_names_file_and_line) {
  test::TempDir dir;
  const std::string two = dir.write("two.en", "A dog.\nA cat.\n");
  const std::string three = dir.write("three.de", "Ein Hund.\nEine Katze.\nEin Vogel.\n");
  // Different line counts: the shorter file, at the first line it lacks.
  test::check_data_error([&] { load_parallel_text(three, two); }, two, 3, "file ends before");
  test::check_data_error([&] { load_parallel_text(two, three); }, two, 3, "file ends before");
  // An empty line on one side only: the files are out of step.
  const std::string gap = dir.write("gap.de", "Ein Hund.\n\n");
  test::check_data_error([&] { load_parallel_text(gap, two); }, gap, 2, "out of step");
  test::check_data_error([&] { load_parallel_text(two, gap); }, gap, 2, "line 2 of " + two);
  // Invalid UTF-8 (Latin-1), and a binary file (a zero byte).
  const std::string latin1 = dir.write("latin1.de", "Ein Hund.\nM\xE4nner.\n");
  test::check_data_error([&] { load_parallel_text(latin1, two); }, latin1, 2, "invalid UTF-8");
  const std::string binary = dir.write("model.bin", std::string("\x12\x34\0\x01\n", 5));
  test::check_data_error([&] { load_parallel_text(binary, two); }, binary, 1, "binary");
  // Empty files, files with only empty lines, a directory, a missing file.
  const std::string empty = dir.write("empty.de", "");
  test::check_data_error([&] { load_parallel_text(empty, dir.write("e.en", "")); }, empty, 1,
                         "empty");
  const std::string blank = dir.write("blank.de", "\n\n");
  test::check_data_error([&] { load_parallel_text(blank, dir.write("blank.en", "\n\n")); }, blank,
                         1, "no sentence pairs");
  test::check_data_error([&] { load_parallel_text(dir.root(), two); }, dir.root(), 0, "directory");
  test::check_data_error([&] { load_parallel_text(dir.path("nope.de"), two); }, dir.path("nope.de"),
                         0, "no such file");
}

BOOST_AUTO_TEST_CASE(parallel_files_from_prefix_and_languages) {
  test::TempDir dir;
  dir.write("train.de", "Ein Hund.\n");
  dir.write("train.en.gz", test::gzip_stored("A dog.\n"));
  dir.write("val.de", "x\n");
  dir.write("val.en", "x\n");
  dir.write("test_2016_flickr.de", "x\n");
  dir.write("test_2016_flickr.en", "x\n");
  dir.write("test_2017_mscoco.de", "x\n");  // no .en: not a pair
  dir.write("README", "x\n");
  const ParallelFiles f = parallel_files(dir.path("train"), "de", "en");
  BOOST_CHECK_EQUAL(f.source, dir.path("train.de"));
  BOOST_CHECK_EQUAL(f.target, dir.path("train.en.gz"));  // the .gz spelling is found too
  test::check_data_error([&] { parallel_files(dir.path("train"), "de", "fr"); },
                         dir.path("train.fr"), 0, "no such file (nor " + dir.path("train.fr.gz"));
  test::check_data_error([&] { parallel_files(dir.path("train"), "", "en"); }, dir.path("train"), 0,
                         "language code");
  const std::vector<std::string> stems = parallel_stems(dir.root(), "de", "en");
  BOOST_CHECK((stems == std::vector<std::string>{"test_2016_flickr", "train", "val"}));
  BOOST_CHECK(parallel_stems(dir.root(), "en", "fr").empty());
  // The two suffixes that share a stem (README and the lone mscoco file do not count).
  BOOST_CHECK((parallel_languages(dir.root()) == std::pair<std::string, std::string>{"de", "en"}));
  dir.write("train.fr", "Un chien.\n");  // a third language: which two is not for attend to guess
  BOOST_CHECK(parallel_languages(dir.root()).first.empty());
}

BOOST_AUTO_TEST_SUITE_END()
