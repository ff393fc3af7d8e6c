// TSV sentence pairs (Tatoeba/manythings layout) and line-aligned parallel files.
#include <boost/test/unit_test.hpp>

#include "data_test_util.h"
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

BOOST_AUTO_TEST_SUITE_END()
