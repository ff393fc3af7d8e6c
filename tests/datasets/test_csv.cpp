// CsvReader: RFC 4180 quoting, embedded delimiters/newlines, record line numbers, and bad quoting.
#include <boost/test/unit_test.hpp>

#include "data_test_util.h"
#include "datasets/csv.h"

using namespace attend;
using Rec = std::vector<std::string>;

BOOST_AUTO_TEST_SUITE(test_csv)

BOOST_AUTO_TEST_CASE(quoted_fields_hold_delimiters_quotes_and_newlines) {
  test::TempDir dir;
  const std::string p = dir.write("a.csv",
                                  "id,text\n"
                                  "1,plain\n"
                                  "2,\"with, comma\"\n"
                                  "\n"
                                  "3,\"say \"\"hi\"\"\"\n"
                                  "4,\"two\nlines\"\n"
                                  "5,\n"
                                  "\"6\",\"\"\n");
  CsvReader csv(p);
  Rec r;
  std::vector<Rec> recs;
  std::vector<int64_t> lines;
  while (csv.next(r)) {
    recs.push_back(r);
    lines.push_back(csv.record_line());
  }
  const std::vector<Rec> expected = {{"id", "text"},
                                     {"1", "plain"},
                                     {"2", "with, comma"},
                                     {"3", "say \"hi\""},
                                     {"4", "two\nlines"},
                                     {"5", ""},
                                     {"6", ""}};
  BOOST_CHECK(recs == expected);
  BOOST_CHECK(lines == std::vector<int64_t>({1, 2, 3, 5, 6, 8, 9}));
}

BOOST_AUTO_TEST_CASE(other_delimiters) {
  test::TempDir dir;
  const std::string p = dir.write("a.tsv", "a\tb,c\t\"d\te\"\n");
  CsvReader csv(p, '\t');
  Rec r;
  BOOST_REQUIRE(csv.next(r));
  BOOST_CHECK(r == Rec({"a", "b,c", "d\te"}));
  BOOST_CHECK(!csv.next(r));
}

BOOST_AUTO_TEST_CASE(bad_quoting_names_the_line) {
  test::TempDir dir;
  const std::string stray = dir.write("s.csv", "a,b\nx,y\"z\n");
  test::check_data_error(
      [&] {
        CsvReader c(stray);
        Rec r;
        while (c.next(r)) {
        }
      },
      stray, 2, "stray quote in unquoted field 2");
  const std::string after = dir.write("t.csv", "a,b\n\"x\"y,z\n");
  test::check_data_error(
      [&] {
        CsvReader c(after);
        Rec r;
        while (c.next(r)) {
        }
      },
      after, 2, "after the closing quote of field 1");
  const std::string open = dir.write("u.csv", "a,b\nx,\"never\nclosed\n");
  test::check_data_error(
      [&] {
        CsvReader c(open);
        Rec r;
        while (c.next(r)) {
        }
      },
      open, 2, "unterminated quoted field 2");
}

BOOST_AUTO_TEST_SUITE_END()
