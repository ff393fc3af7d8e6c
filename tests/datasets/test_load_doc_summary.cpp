// Document-summary pairs from JSON Lines and CSV, with configurable field names.
#include <boost/test/unit_test.hpp>

#include "data_test_util.h"
#include "datasets/load_doc_summary.h"

using namespace attend;

BOOST_AUTO_TEST_SUITE(test_load_doc_summary)

BOOST_AUTO_TEST_CASE(jsonl_with_custom_field_names) {
  test::TempDir dir;
  const std::string p = dir.write(
      "aeslc.jsonl",
      "{\"id\": \"allen-p_inbox_29\", \"body\": \"Let's meet at 3pm \\u00e0 l'\\u00e9cole.\", "
      "\"subject\": \"Meeting\"}\n"
      "\n"
      "{\"subject\": \"Re: gas\", \"body\": \"Prices \\\"rose\\\".\\nSee attached.\", \"n\": 3}\n");
  DocSummaryOptions o;
  o.document_field = "body";
  o.summary_field = "subject";
  const auto pairs = load_jsonl_pairs(p, o);
  BOOST_REQUIRE_EQUAL(pairs.size(), 2u);
  BOOST_CHECK_EQUAL(pairs[0].source, "Let's meet at 3pm à l'école.");
  BOOST_CHECK_EQUAL(pairs[0].target, "Meeting");
  BOOST_CHECK_EQUAL(pairs[1].source, "Prices \"rose\".\nSee attached.");
  BOOST_CHECK_EQUAL(pairs[1].line, 3);
  BOOST_CHECK_EQUAL(load_doc_summary(p, o).size(), 2u);
}

BOOST_AUTO_TEST_CASE(csv_with_header_and_quoting) {
  test::TempDir dir;
  const std::string p = dir.write("cnn.csv",
                                  "id,article,highlights\n"
                                  "1,\"The cat, a tabby, sat.\nThen it left.\",Cat sat\n"
                                  "2,Short one,\"He said \"\"no\"\"\"\n");
  DocSummaryOptions o;
  o.document_field = "article";
  o.summary_field = "highlights";
  const auto pairs = load_csv_pairs(p, o);
  BOOST_REQUIRE_EQUAL(pairs.size(), 2u);
  BOOST_CHECK_EQUAL(pairs[0].source, "The cat, a tabby, sat.\nThen it left.");
  BOOST_CHECK_EQUAL(pairs[0].target, "Cat sat");
  BOOST_CHECK_EQUAL(pairs[1].target, "He said \"no\"");
  BOOST_CHECK_EQUAL(pairs[1].line, 4);
  BOOST_CHECK_EQUAL(load_doc_summary(p, o).size(), 2u);
}

BOOST_AUTO_TEST_CASE(tsv_by_extension_and_unknown_extensions) {
  test::TempDir dir;
  const std::string p = dir.write("d.tsv", "document\tsummary\nA, b.\tA\n");
  const auto pairs = load_doc_summary(p);
  BOOST_REQUIRE_EQUAL(pairs.size(), 1u);
  BOOST_CHECK_EQUAL(pairs[0].source, "A, b.");
  const std::string x = dir.write("d.xml", "<doc/>");
  test::check_data_error([&] { load_doc_summary(x); }, x, 0, "unknown document-summary format");
}

BOOST_AUTO_TEST_SUITE_END()
