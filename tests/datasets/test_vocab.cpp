// Vocab: specials, min_freq, max_size with deterministic ties, encode/decode, and both saved forms.
#include <boost/test/unit_test.hpp>

#include "data_test_util.h"
#include "datasets/vocab.h"

using namespace attend;
using Sents = std::vector<std::vector<std::string>>;

namespace {

// Counts: le 4, chat 3, chien 3, été 2, un 1, noir 1.
Sents corpus() {
  return {{"le", "chat", "noir"}, {"le", "chien"},   {"le", "chat", "été"},
          {"le", "chien", "un"},  {"chat", "chien"}, {"été"}};
}

std::vector<std::string> regular(const Vocab& v) {
  return {v.tokens().begin() + Vocab::kNumSpecials, v.tokens().end()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_vocab)

BOOST_AUTO_TEST_CASE(specials_have_fixed_indices) {
  Vocab v;
  BOOST_CHECK_EQUAL(v.size(), 4);
  BOOST_CHECK_EQUAL(v.index("<pad>"), 0);
  BOOST_CHECK_EQUAL(v.index("<bos>"), 1);
  BOOST_CHECK_EQUAL(v.index("<eos>"), 2);
  BOOST_CHECK_EQUAL(v.index("<unk>"), 3);
  BOOST_CHECK_EQUAL(v.token(Vocab::kEos), "<eos>");
  BOOST_CHECK_EQUAL(v.index("chat"), Vocab::kUnk);
}

BOOST_AUTO_TEST_CASE(ordered_by_count_then_bytes) {
  const Vocab v = Vocab::build(corpus());
  const std::vector<std::string> expected = {"le", "chat", "chien", "été", "noir", "un"};
  const auto got = regular(v);
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  BOOST_CHECK_EQUAL(v.index("le"), 4);
}

BOOST_AUTO_TEST_CASE(result_does_not_depend_on_input_order) {
  Sents reversed = corpus();
  std::reverse(reversed.begin(), reversed.end());
  for (auto& s : reversed) std::reverse(s.begin(), s.end());
  BOOST_CHECK(Vocab::build(corpus()) == Vocab::build(reversed));
}

BOOST_AUTO_TEST_CASE(min_freq_drops_rare_tokens) {
  const Vocab v = Vocab::build(corpus(), {.min_freq = 2});
  const std::vector<std::string> expected = {"le", "chat", "chien", "été"};
  const auto got = regular(v);
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  BOOST_CHECK_EQUAL(v.index("noir"), Vocab::kUnk);
  BOOST_CHECK_EQUAL(Vocab::build(corpus(), {.min_freq = 5}).size(), 4);
}

BOOST_AUTO_TEST_CASE(max_size_counts_the_specials_and_breaks_ties_by_bytes) {
  // chat and chien tie at 3: with room for two regular tokens, "le" and then "chat" (< "chien").
  const Vocab v = Vocab::build(corpus(), {.max_size = 6});
  BOOST_CHECK_EQUAL(v.size(), 6);
  const std::vector<std::string> expected = {"le", "chat"};
  const auto got = regular(v);
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
  BOOST_CHECK_EQUAL(Vocab::build(corpus(), {.max_size = 4}).size(), 4);
  BOOST_CHECK_EQUAL(Vocab::build(corpus(), {.max_size = 100}).size(), 10);
  BOOST_CHECK_THROW(Vocab::build(corpus(), {.max_size = 3}), DataError);
  BOOST_CHECK_THROW(Vocab::build(corpus(), {.min_freq = 0}), DataError);
}

BOOST_AUTO_TEST_CASE(specials_in_the_corpus_are_not_duplicated) {
  const Vocab v = Vocab::build({{"<unk>", "<pad>", "x"}});
  BOOST_CHECK_EQUAL(v.size(), 5);
  BOOST_CHECK_EQUAL(v.index("<unk>"), Vocab::kUnk);
}

BOOST_AUTO_TEST_CASE(encode_and_decode) {
  const Vocab v = Vocab::build(corpus());
  const std::vector<int64_t> ids = v.encode({"le", "chat", "inconnu"}, true, true);
  const std::vector<int64_t> expected = {1, 4, 5, 3, 2};
  BOOST_CHECK_EQUAL_COLLECTIONS(ids.begin(), ids.end(), expected.begin(), expected.end());

  // Stripped: <bos> and <pad> dropped, stops at the first <eos>, <unk> kept.
  const auto text = v.decode({1, 4, 0, 5, 3, 2, 6, 0});
  const std::vector<std::string> want = {"le", "chat", "<unk>"};
  BOOST_CHECK_EQUAL_COLLECTIONS(text.begin(), text.end(), want.begin(), want.end());
  const auto raw = v.decode({1, 4, 2, 0}, /*strip_specials=*/false);
  const std::vector<std::string> want_raw = {"<bos>", "le", "<eos>", "<pad>"};
  BOOST_CHECK_EQUAL_COLLECTIONS(raw.begin(), raw.end(), want_raw.begin(), want_raw.end());
  BOOST_CHECK_THROW(v.decode({4, 99}), DataError);
  BOOST_CHECK_THROW(v.token(-1), DataError);
}

BOOST_AUTO_TEST_CASE(bad_tokens_are_rejected) {
  BOOST_CHECK_THROW(Vocab({"a", "a"}), DataError);
  BOOST_CHECK_THROW(Vocab({"a b"}), DataError);
  BOOST_CHECK_THROW(Vocab({""}), DataError);
  BOOST_CHECK_THROW(Vocab({"\xE9t\xE9"}), DataError);
  BOOST_CHECK_THROW(Vocab({"<eos>"}), DataError);
}

BOOST_AUTO_TEST_CASE(text_file_round_trip) {
  test::TempDir dir;
  const Vocab v = Vocab::build(corpus());
  const std::string path = dir.path("vocab.txt");
  v.save(path);
  std::ifstream in(path);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_CHECK_EQUAL(content, "<pad>\n<bos>\n<eos>\n<unk>\nle\nchat\nchien\nété\nnoir\nun\n");
  BOOST_CHECK(!std::filesystem::exists(path + ".tmp"));
  const Vocab back = Vocab::load(path);
  BOOST_CHECK(back == v);
  BOOST_CHECK_EQUAL(back.index("été"), 7);
}

BOOST_AUTO_TEST_CASE(json_round_trip) {
  const Vocab v = Vocab::build(corpus(), {.min_freq = 2});
  const std::string j = v.to_json();
  BOOST_TEST_MESSAGE(j);
  BOOST_CHECK(j.find("\"attend-vocab\"") != std::string::npos);
  BOOST_CHECK(Vocab::from_json(j) == v);
  BOOST_CHECK_THROW(Vocab::from_json("{"), DataError);
  BOOST_CHECK_THROW(Vocab::from_json("[1, 2]"), DataError);
  BOOST_CHECK_THROW(Vocab::from_json(R"({"format":"attend-vocab","version":2,"tokens":[]})"),
                    DataError);
  BOOST_CHECK_THROW(Vocab::from_json(R"({"format":"attend-vocab","version":1,"tokens":["<pad>"]})"),
                    DataError);
  BOOST_CHECK_THROW(
      Vocab::from_json(
          R"({"format":"attend-vocab","version":1,"tokens":["<pad>","<bos>","<eos>","<unk>",3]})"),
      DataError);
  BOOST_CHECK_THROW(Vocab::from_json(R"({"format":"attend-vocab","version":"1","tokens":[]})"),
                    DataError);
}

BOOST_AUTO_TEST_CASE(load_names_file_and_line_of_a_bad_vocabulary) {
  test::TempDir dir;
  const std::string no_specials = dir.write("a.txt", "<pad>\n<bos>\nle\n<unk>\n");
  test::check_data_error([&] { Vocab::load(no_specials); }, no_specials, 3,
                         "expected the special token <eos>");
  const std::string dup = dir.write("b.txt", "<pad>\n<bos>\n<eos>\n<unk>\nle\nchat\nle\n");
  test::check_data_error([&] { Vocab::load(dup); }, dup, 7,
                         "duplicate token 'le' (first on line 5)");
  const std::string blank = dir.write("c.txt", "<pad>\n<bos>\n<eos>\n<unk>\nle\n\n");
  test::check_data_error([&] { Vocab::load(blank); }, blank, 6, "empty token");
  const std::string shorter = dir.write("d.txt", "<pad>\n<bos>\n");
  test::check_data_error([&] { Vocab::load(shorter); }, shorter, 3, "missing special token <eos>");
  const std::string empty = dir.write("e.txt", "");
  test::check_data_error([&] { Vocab::load(empty); }, empty, 1, "file is empty");
  test::check_data_error([&] { Vocab::load(dir.path("nope.txt")); }, dir.path("nope.txt"), 0,
                         "no such file");
  const std::string latin1 = dir.write("f.txt", "<pad>\n<bos>\n<eos>\n<unk>\n\xE9t\xE9\n");
  test::check_data_error([&] { Vocab::load(latin1); }, latin1, 5, "invalid UTF-8 at byte 1");
}

BOOST_AUTO_TEST_SUITE_END()
