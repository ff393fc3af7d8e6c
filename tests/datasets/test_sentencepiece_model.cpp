// SentencePiece models trained in memory on the bundled English-French sentences: attend's
// specials at its indices, determinism, exact detokenisation, the serialised form, and the errors
// (a vocabulary the text cannot fill, bytes that are no model, a model with other specials).
#include <boost/test/unit_test.hpp>

#include "data_test_util.h"
#include "datasets/bundled.h"
#include "datasets/sentencepiece_model.h"

using namespace attend;

namespace {

// The first n English and n French training sentences of toy-en-fr.
const std::vector<std::string>& corpus() {
  static const std::vector<std::string> text = [] {
    const TextSplits s = load_bundled_text("toy-en-fr");
    std::vector<std::string> out;
    for (size_t i = 0; i < 1500; ++i) {
      out.push_back(s.train[i].source);
      out.push_back(s.train[i].target);
    }
    return out;
  }();
  return text;
}

SentencePieceOptions options(int64_t size, SubwordAlgorithm algorithm) {
  SentencePieceOptions o;
  o.vocab_size = size;
  o.algorithm = algorithm;
  return o;
}

// Every case needs the library; without it the one case below checks the error instead.
bool have_sentencepiece() {
  if (sentencepiece_supported()) return true;
  BOOST_TEST_MESSAGE("SKIPPED: attend was built without SentencePiece");
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_sentencepiece_model)

BOOST_AUTO_TEST_CASE(without_the_library_it_says_so) {
  if (sentencepiece_supported()) return;
  test::check_data_error([] { SentencePieceModel::train({"a b"}, {}); }, "", 0,
                         "libsentencepiece-dev");
}

BOOST_AUTO_TEST_CASE(specials_are_attend_indices_and_the_vocab_is_the_pieces) {
  if (!have_sentencepiece()) return;
  for (SubwordAlgorithm a : {SubwordAlgorithm::kUnigram, SubwordAlgorithm::kBpe}) {
    const SentencePieceModel m = SentencePieceModel::train(corpus(), options(600, a));
    BOOST_REQUIRE_EQUAL(m.pieces().size(), 600u);
    for (int64_t k = 0; k < Vocab::kNumSpecials; ++k)
      BOOST_CHECK_EQUAL(m.pieces()[k], Vocab::specials()[k]);
    const Vocab v = m.vocab();
    BOOST_CHECK_EQUAL(v.size(), 600);
    for (int64_t k = 0; k < v.size(); ++k) BOOST_CHECK_EQUAL(v.token(k), m.pieces()[k]);
    // Word starts carry SentencePiece's U+2581; every piece of a sentence is in the vocabulary.
    const std::vector<std::string> p = m.encode("The small cat sleeps.");
    BOOST_CHECK_EQUAL(p.front().rfind("\u2581", 0), 0u);
    for (const auto& piece : p) BOOST_CHECK_MESSAGE(v.index(piece) != Vocab::kUnk, piece);
  }
}

BOOST_AUTO_TEST_CASE(training_is_deterministic) {
  if (!have_sentencepiece()) return;
  for (SubwordAlgorithm a : {SubwordAlgorithm::kUnigram, SubwordAlgorithm::kBpe}) {
    const std::string first = SentencePieceModel::train(corpus(), options(500, a)).serialized();
    BOOST_CHECK(SentencePieceModel::train(corpus(), options(500, a)).serialized() == first);
  }
}

// decode(encode(x)) == x for normalised text (single spaces, none at the ends) whose characters
// all occur in the training text: every validation sentence of toy-en-fr, both languages.
BOOST_AUTO_TEST_CASE(decode_inverts_encode_exactly) {
  if (!have_sentencepiece()) return;
  const TextSplits s = load_bundled_text("toy-en-fr");
  for (SubwordAlgorithm a : {SubwordAlgorithm::kUnigram, SubwordAlgorithm::kBpe}) {
    const SentencePieceModel m = SentencePieceModel::train(corpus(), options(800, a));
    int64_t checked = 0;
    for (const TextPair& p : s.valid)
      for (const std::string& x : {p.source, p.target}) {
        const std::vector<std::string> pieces = m.encode(x);
        BOOST_REQUIRE_MESSAGE(m.decode(pieces) == x, x << " -> " << m.decode(pieces));
        ++checked;
      }
    BOOST_CHECK_EQUAL(checked, 2000);
  }
}

BOOST_AUTO_TEST_CASE(serialized_model_loads_back_the_same) {
  if (!have_sentencepiece()) return;
  const SentencePieceModel m =
      SentencePieceModel::train(corpus(), options(500, SubwordAlgorithm::kBpe));
  const SentencePieceModel back = SentencePieceModel::load(m.serialized());
  BOOST_CHECK(back.pieces() == m.pieces());
  BOOST_CHECK(back.serialized() == m.serialized());
  const std::string x = "Les petites filles ne chanteront pas.";
  BOOST_CHECK(back.encode(x) == m.encode(x));
}

BOOST_AUTO_TEST_CASE(a_vocabulary_larger_than_the_text_allows_is_a_clear_error) {
  if (!have_sentencepiece()) return;
  const std::vector<std::string> tiny = {"the cat sleeps", "the dog eats"};
  for (SubwordAlgorithm a : {SubwordAlgorithm::kUnigram, SubwordAlgorithm::kBpe})
    test::check_data_error([&] { SentencePieceModel::train(tiny, options(5000, a)); }, "", 0,
                           "vocabulary size 5000 is more than the training text allows: at most");
  test::check_data_error(
      [] { SentencePieceModel::train({"a"}, options(4, SubwordAlgorithm::kUnigram)); }, "", 0,
      "too small");
  test::check_data_error(
      [] {
        SentencePieceModel::train({"", ""}, options(100, SubwordAlgorithm::kUnigram));
      },
      "", 0, "no training sentences");
}

BOOST_AUTO_TEST_CASE(bytes_that_are_no_attend_model_are_a_data_error) {
  if (!have_sentencepiece()) return;
  test::check_data_error([] { SentencePieceModel::load("not a model"); }, "", 0,
                         "not a SentencePiece model");
  test::check_data_error([] { SentencePieceModel::load(""); }, "", 0, "not a SentencePiece model");
  // A well-formed model whose first piece is spelled differently (same length, so the protobuf
  // stays valid): not one attend trained, so its ids would not be attend's.
  std::string bytes =
      SentencePieceModel::train(corpus(), options(300, SubwordAlgorithm::kUnigram)).serialized();
  const size_t at = bytes.find("<pad>");
  BOOST_REQUIRE(at != std::string::npos);
  bytes.replace(at, 5, "<PAD>");
  test::check_data_error([&] { SentencePieceModel::load(bytes); }, "", 0, "piece 0 must be <pad>");
}

// libsentencepiece reads strings at offsets its normalisation table gives without checking them;
// the fuzzer found a model whose damaged table crashed it. Such a model is refused before use.
BOOST_AUTO_TEST_CASE(a_model_with_another_normalisation_table_is_refused) {
  if (!have_sentencepiece()) return;
  const std::string good =
      SentencePieceModel::train(corpus(), options(300, SubwordAlgorithm::kUnigram)).serialized();
  const size_t rule = good.find("nmt_nfkc");
  BOOST_REQUIRE(rule != std::string::npos);
  for (const size_t at : {rule + 1, rule + 8 + 100000}) {  // the rule's name; a table byte
    std::string bytes = good;
    BOOST_REQUIRE(at < bytes.size());
    bytes[at] = static_cast<char>(bytes[at] ^ 0x20);
    test::check_data_error([&] { SentencePieceModel::load(bytes); }, "", 0,
                           "SentencePiece model: its normalisation rules are not the ones attend "
                           "trains with (nmt_nfkc)");
  }
  BOOST_CHECK_NO_THROW(SentencePieceModel::load(good));
}

BOOST_AUTO_TEST_SUITE_END()
