// Tokenizers travel in checkpoints (trainers/text_checkpoint.h): an experiment trained on parallel
// text with SentencePiece subwords (unigram and BPE, joint and separate) comes back from its
// checkpoint alone with the same pieces, vocabularies and translations; decode(encode(x)) == x
// through the restored tokenizers; and a missing, corrupt or mismatched model is a one-line
// CheckpointError naming the file. The decoding length and score training used travel too.
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "datasets/base64.h"
#include "datasets/sentencepiece_model.h"
#include "trainer_test_util.h"
#include "trainers/checkpoint.h"
#include "trainers/experiment.h"
#include "trainers/tasks/text_task.h"
#include "trainers/text_checkpoint.h"

using namespace attend;

namespace {

// Parallel text as corpora ship it: SPLIT.de and SPLIT.en, one sentence a line, cased, with
// punctuation and umlauts, so subwords have something to learn.
void write_parallel(const test::TempDir& dir) {
  const char* de[] = {"Ein Mann",     "Zwei Hunde",     "Eine Frau",     "Kinder",
                      "Ein Mädchen",  "Drei Jungen",    "Ein Koch",      "Zwei Katzen",
                      "Ein Arbeiter", "Eine Gruppe",    "läuft",         "spielen",
                      "schläft",      "wartet",         "singt",         "am Strand",
                      "im Park.",     "auf der Straße", "vor dem Haus!", "neben Bäumen?"};
  const char* en[] = {"A man",
                      "Two dogs",
                      "A woman",
                      "Children",
                      "A girl",
                      "Three boys",
                      "A cook",
                      "Two cats",
                      "A worker",
                      "A group",
                      "runs",
                      "play",
                      "sleeps",
                      "waits",
                      "sings",
                      "on the beach",
                      "in the park.",
                      "on the street",
                      "in front of the house!",
                      "next to trees?"};
  Generator g(11);
  for (const char* split : {"train", "val", "test"}) {
    std::ofstream s(dir / (std::string(split) + ".de")), t(dir / (std::string(split) + ".en"));
    const int n = std::string(split) == "train" ? 120 : 6;
    for (int i = 0; i < n; ++i) {
      const auto a = g.randint(10), b = 10 + g.randint(5), c = 15 + g.randint(5);
      s << de[a] << " " << de[b] << " " << de[c] << "\n";
      t << en[a] << " " << en[b] << " " << en[c] << "\n";
    }
  }
}

ExperimentConfig subword_config(const test::TempDir& dir, SubwordAlgorithm algorithm, bool joint) {
  ExperimentConfig c = test::text_config(dir, "transformer");
  c.train_file = c.valid_file = c.test_file = "";
  c.train_source = dir / "train.de";
  c.train_target = dir / "train.en";
  c.valid_source = dir / "val.de";
  c.valid_target = dir / "val.en";
  c.test_source = dir / "test.de";
  c.test_target = dir / "test.en";
  c.text.kind = TokenizerKind::kSentencePiece;
  c.text.subwords.vocab_size = joint ? 64 : 48;  // joint: both sides' characters
  c.text.subwords.algorithm = algorithm;
  c.text.joint = joint;
  return c;
}

using MetadataEdit = std::function<void(std::map<std::string, std::string>&)>;

// The checkpoint at good with its metadata changed by f, written to bad.
void forge_metadata(const std::string& good, const std::string& bad, const MetadataEdit& f) {
  Checkpoint ck = load_safetensors(good);
  f(ck.metadata);
  save_safetensors(bad, ck.tensors, ck.metadata);
}

// Loading bad fails with a one-line CheckpointError naming the file and containing part.
void expect_checkpoint_error(const std::string& bad, const std::string& part) {
  test::expect_one_line_error<CheckpointError>([&] { Experiment::from_checkpoint(bad, "-"); },
                                               {bad, part});
}

const std::vector<std::string> kSources = {"Ein Mann läuft am Strand",
                                           "Zwei Hunde spielen im Park.", "Kinder schläft"};

}  // namespace

BOOST_AUTO_TEST_SUITE(test_text_checkpoint)

BOOST_AUTO_TEST_CASE(subword_models_come_back_from_the_checkpoint_alone) {
  if (!sentencepiece_supported()) return;
  for (SubwordAlgorithm algorithm : {SubwordAlgorithm::kUnigram, SubwordAlgorithm::kBpe})
    for (bool joint : {false, true}) {
      BOOST_TEST_CONTEXT(kSubwordAlgorithms.name(algorithm) << (joint ? " joint" : " separate")) {
        test::TempDir dir;
        write_parallel(dir);
        Experiment e = Experiment::create(subword_config(dir, algorithm, joint));
        const std::string path = dir / "model.safetensors";
        save_module(path, e.model(), e.checkpoint_metadata());
        // No data given: only what the checkpoint holds.
        Experiment back = Experiment::from_checkpoint(path, "-");
        const TextData& a = *e.text_data();
        const TextData& b = *back.text_data();
        BOOST_CHECK(a.source_vocab == b.source_vocab);
        BOOST_CHECK(a.target_vocab == b.target_vocab);
        BOOST_CHECK_EQUAL(a.source_vocab.size(), joint ? 64 : 48);
        BOOST_CHECK_EQUAL(b.source_tokenizer == b.target_tokenizer, joint);
        BOOST_CHECK(b.source_tokenizer->kind() == TokenizerKind::kSentencePiece);
        for (const std::string& s : kSources) {
          const std::vector<std::string> pieces = b.source_tokenizer->tokenize(s);
          BOOST_CHECK(pieces == a.source_tokenizer->tokenize(s));
          BOOST_CHECK_GT(pieces.size(), 1u);
          BOOST_CHECK_EQUAL(b.source_tokenizer->detokenize(pieces), s);  // decode(encode(x)) == x
          // Through the vocabulary's ids as well, as the model sees them.
          BOOST_CHECK_EQUAL(
              b.source_tokenizer->detokenize(b.source_vocab.decode(b.source_vocab.encode(pieces))),
              s);
        }
        const std::string en = "Two dogs play in the park.";
        BOOST_CHECK_EQUAL(b.target_tokenizer->detokenize(b.target_tokenizer->tokenize(en)), en);
        // The same weights and tokenizers translate the same.
        const DecodeOptions greedy;
        BOOST_CHECK(e.text_task()->generate(kSources, greedy) ==
                    back.text_task()->generate(kSources, greedy));
        // The settings are in the config, for --resume and for a reader of config.json.
        const auto config = nlohmann::json::parse(e.checkpoint_metadata().at(kConfigKey));
        BOOST_CHECK_EQUAL(config.at("tokenizer").at("kind"), "sentencepiece");
        BOOST_CHECK_EQUAL(config.at("tokenizer").at("model_type"),
                          kSubwordAlgorithms.name(algorithm));
        BOOST_CHECK_EQUAL(config.at("tokenizer").at("joint"), joint);
      }
    }
}

BOOST_AUTO_TEST_CASE(word_checkpoints_carry_no_models_and_read_the_old_config) {
  test::TempDir dir;
  write_parallel(dir);
  ExperimentConfig c = subword_config(dir, SubwordAlgorithm::kUnigram, false);
  c.text.kind = TokenizerKind::kWord;
  Experiment e = Experiment::create(c);
  const auto meta = e.checkpoint_metadata();
  BOOST_CHECK(!meta.count(kSubwordModelsKey));
  // A checkpoint from before subwords: only lowercase and split_elision.
  TextPipelineOptions old = read_tokenizer_config({{"lowercase", true}, {"split_elision", false}});
  BOOST_CHECK(old.kind == TokenizerKind::kWord);
  BOOST_CHECK(old.tokenizer.lowercase);
  BOOST_CHECK(!old.tokenizer.unescape_html);
  BOOST_CHECK(!old.joint);
}

BOOST_AUTO_TEST_CASE(a_missing_corrupt_or_mismatched_subword_model_is_a_checkpoint_error) {
  if (!sentencepiece_supported()) return;
  test::TempDir dir;
  write_parallel(dir);
  Experiment e = Experiment::create(subword_config(dir, SubwordAlgorithm::kUnigram, false));
  const std::string good = dir / "good.safetensors", bad = dir / "bad.safetensors";
  save_module(good, e.model(), e.checkpoint_metadata());
  const auto forge = [&](const MetadataEdit& f) { forge_metadata(good, bad, f); };
  const auto expect = [&](const std::string& part) { expect_checkpoint_error(bad, part); };
  const auto models = nlohmann::json::parse(load_safetensors(good).metadata.at(kSubwordModelsKey));
  forge([](auto& m) { m.erase(kSubwordModelsKey); });
  expect("no \"sentencepiece\" models in its metadata");
  forge([](auto& m) { m[kSubwordModelsKey] = "{not json"; });
  expect("metadata is not JSON");
  forge([&](auto& m) {
    m[kSubwordModelsKey] = nlohmann::json{{"source", models.at("source")}}.dump();
  });
  expect("no target SentencePiece model");
  forge([&](auto& m) {
    m[kSubwordModelsKey] =
        nlohmann::json{{"source", "@@not base64@@"}, {"target", models.at("target")}}.dump();
  });
  expect("its source SentencePiece model is corrupt");
  forge([&](auto& m) {
    m[kSubwordModelsKey] =
        nlohmann::json{{"source", models.at("source")},
                       {"target", base64_encode("these bytes are not a SentencePiece model")}}
            .dump();
  });
  expect("its target SentencePiece model is corrupt");
  // Valid models on the wrong sides: their pieces are not the embeddings' vocabularies.
  forge([&](auto& m) {
    m[kSubwordModelsKey] =
        nlohmann::json{{"source", models.at("target")}, {"target", models.at("source")}}.dump();
  });
  expect("pieces are not its vocabularies");
}

BOOST_AUTO_TEST_CASE(eval_decodes_and_scores_as_training_did) {
  // An AESLC summarizer trained to write 32-token subjects and scored with ROUGE: eval, translate
  // and summarize decode with its length (unless given one) and score with ROUGE, not BLEU.
  test::TempDir dir;
  write_parallel(dir);
  ExperimentConfig c = subword_config(dir, SubwordAlgorithm::kUnigram, false);
  c.text.kind = TokenizerKind::kWord;
  c.text_task.decode.max_length = 17;
  c.text_task.score = TextScore::kRouge;
  Experiment e = Experiment::create(c);
  const std::string good = dir / "good.safetensors", bad = dir / "bad.safetensors";
  save_module(good, e.model(), e.checkpoint_metadata());
  ExperimentConfig as_trained;  // what attend eval passes without --max-decode-length
  as_trained.text_task.decode.max_length = 0;
  Experiment back = Experiment::from_checkpoint(good, "", as_trained);
  BOOST_TEST(back.text_task()->options().decode.max_length == 17);
  BOOST_CHECK(back.text_task()->options().score == TextScore::kRouge);
  BOOST_TEST(back.text_task()->evaluate(EvalSplit::kTest).count("rougeL") == 1u);
  ExperimentConfig given;
  given.text_task.decode.max_length = 5;
  BOOST_TEST(
      Experiment::from_checkpoint(good, "-", given).text_task()->options().decode.max_length == 5);
  // A checkpoint from before the setting was stored: 100 tokens and BLEU, as eval always did.
  const auto edit_config = [&](const std::function<void(nlohmann::json&)>& f) {
    forge_metadata(good, bad, [&](auto& m) {
      nlohmann::json config = nlohmann::json::parse(m.at(kConfigKey));
      f(config);
      m[kConfigKey] = config.dump();
    });
  };
  edit_config([](nlohmann::json& j) { j.erase("decode"); });
  Experiment old = Experiment::from_checkpoint(bad, "-", as_trained);
  BOOST_TEST(old.text_task()->options().decode.max_length == 100);
  BOOST_CHECK(old.text_task()->options().score == TextScore::kBleu);
  edit_config([](nlohmann::json& j) { j["decode"]["max_length"] = 0; });
  expect_checkpoint_error(bad, "decode max_length is below 1");
  edit_config([](nlohmann::json& j) { j["decode"]["score"] = "meteor"; });
  expect_checkpoint_error(bad, "decode score 'meteor' is not bleu or rouge");
}

BOOST_AUTO_TEST_SUITE_END()
