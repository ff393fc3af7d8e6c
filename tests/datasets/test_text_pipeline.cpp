// Tokenizers and vocabularies from a training split behind one interface (TextTokenizer): word
// and SentencePiece, separate and joint, with lowercasing and HTML unescaping done by both.
#include <boost/test/unit_test.hpp>

#include "data_test_util.h"
#include "datasets/bundled.h"
#include "datasets/text_pipeline.h"
#include "datasets/utf8.h"

using namespace attend;

namespace {

std::vector<TextPair> some_pairs(size_t n) {
  const TextSplits s = load_bundled_text("toy-en-fr");
  return {s.train.begin(), s.train.begin() + static_cast<int64_t>(n)};
}

bool all_lowercase(const std::vector<std::string>& tokens) {
  for (const auto& t : tokens)
    if (utf8::lower(t) != t) return false;
  return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_text_pipeline)

BOOST_AUTO_TEST_CASE(word_vocabularies_separate_and_joint) {
  const std::vector<TextPair> train = some_pairs(500);
  TextPipelineOptions o;
  const TextPipeline sep = build_text_pipeline(train, o);
  BOOST_CHECK(sep.source_tokenizer != sep.target_tokenizer);
  BOOST_CHECK(sep.source_tokenizer->kind() == TokenizerKind::kWord);
  BOOST_CHECK(!sep.source_tokenizer->vocab());
  BOOST_CHECK(sep.source_vocab.contains("the") && !sep.source_vocab.contains("les"));
  BOOST_CHECK(sep.target_vocab.contains("les") && !sep.target_vocab.contains("the"));
  o.joint = true;
  const TextPipeline joint = build_text_pipeline(train, o);
  BOOST_CHECK(joint.source_tokenizer == joint.target_tokenizer);
  BOOST_CHECK(joint.source_vocab == joint.target_vocab);
  BOOST_CHECK(joint.source_vocab.contains("the") && joint.source_vocab.contains("les"));
  // Joint holds every word of both sides: at most the sum, at least the larger.
  BOOST_CHECK_GE(joint.source_vocab.size(),
                 std::max(sep.source_vocab.size(), sep.target_vocab.size()));
  BOOST_CHECK_LE(joint.source_vocab.size(),
                 sep.source_vocab.size() + sep.target_vocab.size() - Vocab::kNumSpecials);
}

BOOST_AUTO_TEST_CASE(sentencepiece_vocabularies_come_from_the_models) {
  if (!sentencepiece_supported()) {
    TextPipelineOptions o;
    o.kind = TokenizerKind::kSentencePiece;
    BOOST_CHECK_THROW(build_text_pipeline(some_pairs(10), o), DataError);
    return;
  }
  const std::vector<TextPair> train = some_pairs(1500);
  TextPipelineOptions o;
  o.kind = TokenizerKind::kSentencePiece;
  o.subwords.vocab_size = 400;
  const TextPipeline sep = build_text_pipeline(train, o);
  BOOST_CHECK(sep.source_tokenizer->kind() == TokenizerKind::kSentencePiece);
  BOOST_CHECK(sep.source_tokenizer != sep.target_tokenizer);
  BOOST_CHECK_EQUAL(sep.source_vocab.size(), 400);
  BOOST_CHECK_EQUAL(sep.target_vocab.size(), 400);
  BOOST_CHECK(sep.source_vocab == *sep.source_tokenizer->vocab());
  BOOST_CHECK(!(sep.source_vocab == sep.target_vocab));
  o.joint = true;
  o.subwords.vocab_size = 600;
  const TextPipeline joint = build_text_pipeline(train, o);
  BOOST_CHECK(joint.source_tokenizer == joint.target_tokenizer);
  BOOST_CHECK_EQUAL(joint.source_vocab.size(), 600);
  // Through the interface: tokens in, text out, exactly (toy-en-fr is normalised text).
  for (const TextPair& p : some_pairs(200))
    for (const TextPipeline* pipe : {&sep, &joint}) {
      BOOST_CHECK_EQUAL(
          pipe->source_tokenizer->detokenize(pipe->source_tokenizer->tokenize(p.source)), p.source);
      BOOST_CHECK_EQUAL(
          pipe->target_tokenizer->detokenize(pipe->target_tokenizer->tokenize(p.target)), p.target);
    }
  // The side being trained is named when its vocabulary cannot be filled.
  o.joint = false;
  o.subwords.vocab_size = 100000;
  test::check_data_error([&] { build_text_pipeline(train, o); }, "", 0,
                         "source SentencePiece model: vocabulary size 100000");
}

BOOST_AUTO_TEST_CASE(lowercase_and_html_references_apply_to_both_kinds) {
  std::vector<TextPair> train = some_pairs(1500);
  train.push_back({"A &quot;Lounge &amp; Grill&quot;.", "Un &quot;Lounge &amp; Grill&quot;.", 0});
  for (TokenizerKind kind : {TokenizerKind::kWord, TokenizerKind::kSentencePiece}) {
    if (kind == TokenizerKind::kSentencePiece && !sentencepiece_supported()) continue;
    TextPipelineOptions o;
    o.kind = kind;
    o.subwords.vocab_size = 400;
    o.tokenizer.lowercase = true;
    const TextPipeline p = build_text_pipeline(train, o);
    const std::vector<std::string> toks = p.source_tokenizer->tokenize("The Small CAT &amp; Dog.");
    BOOST_CHECK(all_lowercase(toks));
    for (const auto& t : p.source_vocab.tokens())
      if (t.front() != '<') BOOST_CHECK_MESSAGE(utf8::lower(t) == t, t);
    // The entity reads as the character; it never reaches the vocabulary as "quot" or "amp".
    BOOST_CHECK_EQUAL(p.source_tokenizer->detokenize(
                          p.source_tokenizer->tokenize("A &quot;Lounge &amp; Grill&quot;.")),
                      "a \"lounge & grill\".");
    BOOST_CHECK(!p.source_vocab.contains("quot") && !p.source_vocab.contains("\u2581quot"));
  }
}

BOOST_AUTO_TEST_CASE(kind_names) {
  BOOST_CHECK(kTokenizerKinds.parse("word", "tokenizer") == TokenizerKind::kWord);
  BOOST_CHECK(kTokenizerKinds.parse("sentencepiece", "tokenizer") == TokenizerKind::kSentencePiece);
  BOOST_CHECK_EQUAL(kTokenizerKinds.name(TokenizerKind::kSentencePiece),
                    std::string("sentencepiece"));
  test::check_data_error([] { kTokenizerKinds.parse<DataError>("bpe", "tokenizer"); }, "", 0,
                         "unknown tokenizer 'bpe' (known: word, sentencepiece)");
  BOOST_CHECK(kSubwordAlgorithms.parse("bpe", "model type") == SubwordAlgorithm::kBpe);
  BOOST_CHECK_EQUAL(kSubwordAlgorithms.name(SubwordAlgorithm::kUnigram), std::string("unigram"));
}

BOOST_AUTO_TEST_SUITE_END()
