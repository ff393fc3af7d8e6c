// attend datasets split: three files that together hold every pair once, sized and seeded as
// asked, with one-line errors for what cannot be split.
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "data_test_util.h"
#include "datasets/split_file.h"

using namespace attend;
using attend::test::check_data_error;
using attend::test::TempDir;

namespace {

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// n pairs "src i TAB tgt i TAB attribution i", with a blank line in the middle (skipped).
std::string pairs_text(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += "src " + std::to_string(i) + "\ttgt " + std::to_string(i) + "\tby " + std::to_string(i) +
         "\n";
    if (i == n / 2) s += "\n";
  }
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_split_file)

BOOST_AUTO_TEST_CASE(every_pair_lands_in_exactly_one_split_in_file_order) {
  TempDir dir;
  const std::string in = dir.write("pairs.tsv", pairs_text(40));
  const FileSplitResult r =
      split_pairs_file(in, dir.path("out"), {.valid_fraction = 0.1, .test_fraction = 0.2});
  BOOST_CHECK_EQUAL(r.train_pairs, 28);
  BOOST_CHECK_EQUAL(r.valid_pairs, 4);
  BOOST_CHECK_EQUAL(r.test_pairs, 8);
  std::multiset<std::string> all;
  for (const std::string* p : {&r.train, &r.valid, &r.test}) {
    const auto lines = read_lines(*p);
    // Lines copied whole (the third column too), in the input's order.
    int last = -1;
    for (const std::string& l : lines) {
      const int i = std::stoi(l.substr(4));
      BOOST_CHECK_EQUAL(l, "src " + std::to_string(i) + "\ttgt " + std::to_string(i) + "\tby " +
                               std::to_string(i));
      BOOST_CHECK_GT(i, last);
      last = i;
      all.insert(l);
    }
  }
  BOOST_CHECK_EQUAL(all.size(), 40u);
  BOOST_CHECK_EQUAL(std::set<std::string>(all.begin(), all.end()).size(), 40u);
  BOOST_CHECK_EQUAL(read_lines(r.valid).size(), 4u);
}

BOOST_AUTO_TEST_CASE(the_seed_decides_the_split_and_repeats_it) {
  TempDir dir;
  const std::string in = dir.write("pairs.tsv", pairs_text(100));
  const auto test_lines = [&](uint64_t seed, const std::string& out) {
    return read_lines(split_pairs_file(in, dir.path(out), {.seed = seed}).test);
  };
  const auto a = test_lines(3, "a"), b = test_lines(3, "b"), c = test_lines(4, "c");
  BOOST_CHECK_EQUAL(a.size(), 5u);  // round(100 * 0.05)
  BOOST_CHECK(a == b);
  BOOST_CHECK(a != c);
}

BOOST_AUTO_TEST_CASE(bad_input_is_one_line_naming_the_file) {
  TempDir dir;
  const std::string out = dir.path("out");
  const std::string bad = dir.write("bad.tsv", "a\tb\nonly one column\nc\td\n");
  check_data_error([&] { split_pairs_file(bad, out, {}); }, bad, 2, "wrong column count");
  const std::string csv = dir.write("pairs.csv", "document,summary\na,b\n");
  check_data_error([&] { split_pairs_file(csv, out, {}); }, csv, 0, "only TSV pairs");
  const std::string few = dir.write("few.tsv", pairs_text(3));
  check_data_error([&] { split_pairs_file(few, out, {}); }, few, 0, "split empty");
  const std::string ok = dir.write("ok.tsv", pairs_text(40));
  check_data_error(
      [&] { split_pairs_file(ok, out, {.valid_fraction = 0.7, .test_fraction = 0.5}); }, ok, 0,
      "sum to at most 1");
  split_pairs_file(ok, out, {});
  check_data_error([&] { split_pairs_file(ok, out, {}); }, out + "/train.tsv", 0, "exists already");
  BOOST_CHECK_NO_THROW(split_pairs_file(ok, out, {.overwrite = true}));
}

BOOST_AUTO_TEST_SUITE_END()
