// Checkpoint averaging as fairseq's average_checkpoints.py: the element-wise mean of the weights
// (optimizer state dropped), the last checkpoint's metadata, the last N epoch checkpoints picked
// by epoch number (epoch-10 after epoch-9), the trainer keeping them, and a clear error for
// checkpoints of different models.
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/creation.h"
#include "trainer_test_util.h"
#include "trainers/checkpoint.h"
#include "trainers/checkpoint_average.h"
#include "trainers/trainer.h"

using namespace attend;

namespace {

Tensor filled(const Shape& shape, std::vector<float> values) {
  Tensor t = zeros(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

void save(const std::string& path, std::map<std::string, Tensor> tensors,
          std::map<std::string, std::string> metadata) {
  save_safetensors(path, tensors, metadata);
}

const std::map<std::string, std::string> kMeta = {{kConfigKey, R"({"model":"m"})"},
                                                  {kVocabKey, "v"}};

}  // namespace

BOOST_AUTO_TEST_SUITE(test_checkpoint_average)

BOOST_AUTO_TEST_CASE(the_mean_of_the_weights_with_the_last_metadata) {
  test::TempDir dir;
  const std::string a = dir / "a.safetensors", b = dir / "b.safetensors", c = dir / "c.safetensors";
  save(a, {{"w", filled({2, 2}, {1, 2, 3, 4})}, {"bias", filled({1}, {0.1f})}}, kMeta);
  auto meta_b = kMeta;
  meta_b[kTrainerStateKey] = "{}";
  meta_b["note"] = "from b";
  save(b,
       {{"w", filled({2, 2}, {3, 2, 1, 0})},
        {"bias", filled({1}, {0.2f})},
        {std::string(kOptimizerPrefix) + "w.m", filled({2, 2}, {9, 9, 9, 9})}},
       kMeta);
  save(c, {{"w", filled({2, 2}, {2, 5, -1, 7})}, {"bias", filled({1}, {0.4f})}}, meta_b);
  const Checkpoint avg = average_checkpoints({a, b, c});
  BOOST_REQUIRE_EQUAL(avg.tensors.size(), 2u);  // no optimizer state
  const float* w = avg.tensors.at("w").data();
  const std::vector<float> expected = {2.0f, 3.0f, 1.0f, 11.0f / 3};
  for (size_t i = 0; i < expected.size(); ++i) BOOST_CHECK_EQUAL(w[i], expected[i]);
  // Summed in double, rounded once: the float nearest to the exact mean of the three floats.
  const double exact = (double{0.1f} + double{0.2f} + double{0.4f}) / 3;
  BOOST_CHECK_EQUAL(avg.tensors.at("bias").data()[0], static_cast<float>(exact));
  BOOST_CHECK_EQUAL(avg.metadata.at("note"), "from b");
  BOOST_CHECK(!avg.metadata.count(kTrainerStateKey));  // a model, not a point to resume from
  BOOST_CHECK(nlohmann::json::parse(avg.metadata.at("averaged_from")) ==
              nlohmann::json({"a.safetensors", "b.safetensors", "c.safetensors"}));
  // One checkpoint averages to itself.
  const Checkpoint one = average_checkpoints({a});
  BOOST_CHECK_EQUAL(one.tensors.at("w").data()[3], 4.0f);
}

BOOST_AUTO_TEST_CASE(checkpoints_of_different_models_are_refused) {
  test::TempDir dir;
  const std::string a = dir / "a.safetensors", b = dir / "b.safetensors";
  save(a, {{"w", filled({2, 2}, {1, 2, 3, 4})}}, kMeta);
  const auto expect = [&](const std::string& part) {
    try {
      average_checkpoints({a, b});
      BOOST_ERROR("no error; expected '" << part << "'");
    } catch (const CheckpointError& e) {
      const std::string msg = e.what();
      BOOST_CHECK_MESSAGE(msg.find(b) != std::string::npos && msg.find(part) != std::string::npos,
                          "unexpected message: " << msg);
    }
  };
  save(b, {{"w", filled({4}, {1, 2, 3, 4})}}, kMeta);
  expect("tensor 'w' has another shape than in");
  save(b, {{"v", filled({2, 2}, {1, 2, 3, 4})}}, kMeta);
  expect("tensor 'v' is not in");
  save(b, {{"w", filled({2, 2}, {1, 2, 3, 4})}, {"v", filled({1}, {1})}}, kMeta);
  expect("tensor 'v' is not in");
  save(b, {}, kMeta);
  expect("holds 0 weight tensors");
  auto other = kMeta;
  other[kVocabKey] = "another vocabulary";
  save(b, {{"w", filled({2, 2}, {1, 2, 3, 4})}}, other);
  expect("\"vocab\" metadata differs");
  BOOST_CHECK_THROW(average_checkpoints({}), CheckpointError);
}

BOOST_AUTO_TEST_CASE(the_last_epochs_by_number) {
  test::TempDir dir;
  for (int e = 1; e <= 11; ++e) std::ofstream(dir / epoch_checkpoint_name(e)) << "x";
  for (const char* other : {"epoch-0.safetensors", "epoch-x.safetensors", "epoch-3.safetensors.tmp",
                            "epoch-12.bin", "best.safetensors", "last.safetensors"})
    std::ofstream(dir / other) << "x";
  const std::vector<std::string> last = last_epoch_checkpoints(dir.dir.string(), 3);
  BOOST_REQUIRE_EQUAL(last.size(), 3u);
  BOOST_CHECK_EQUAL(last[0], dir / "epoch-9.safetensors");
  BOOST_CHECK_EQUAL(last[1], dir / "epoch-10.safetensors");
  BOOST_CHECK_EQUAL(last[2], dir / "epoch-11.safetensors");
  BOOST_CHECK_EQUAL(last_epoch_checkpoints(dir.dir.string(), 11).front(),
                    dir / "epoch-1.safetensors");
  try {
    last_epoch_checkpoints(dir.dir.string(), 12);
    BOOST_ERROR("no error for 12 of 11");
  } catch (const CheckpointError& e) {
    BOOST_CHECK(std::string(e.what()).find("has 11 epoch checkpoints") != std::string::npos);
  }
  BOOST_CHECK_THROW(last_epoch_checkpoints(dir / "best.safetensors", 1), CheckpointError);
}

BOOST_AUTO_TEST_CASE(the_trainer_keeps_one_checkpoint_per_epoch_when_asked) {
  test::TempDir dir;
  test::write_corpus(dir);
  for (bool keep : {false, true}) {
    Experiment e = Experiment::create(test::text_config(dir, "seq2seq"));
    TrainerOptions o = test::quiet_options(dir / (keep ? "keep" : "no"), 1000);
    o.epochs = 3;
    o.keep_epoch_checkpoints = keep;
    o.metadata = e.checkpoint_metadata();
    Trainer(e.task(), e.dropout_generator(), o).fit();
    for (int epoch = 1; epoch <= 3; ++epoch)
      BOOST_CHECK_EQUAL(std::filesystem::exists(o.run_dir + "/" + epoch_checkpoint_name(epoch)),
                        keep);
    if (!keep) continue;
    // The last epoch's weights are last.safetensors' weights; the metadata is the model's.
    const Checkpoint last = load_safetensors(o.run_dir + "/last.safetensors");
    const Checkpoint third = load_safetensors(o.run_dir + "/" + epoch_checkpoint_name(3));
    BOOST_CHECK(!third.metadata.count(kTrainerStateKey));
    BOOST_CHECK_EQUAL(third.metadata.at(kConfigKey), last.metadata.at(kConfigKey));
    for (const auto& [name, t] : third.tensors)
      BOOST_CHECK_MESSAGE(std::equal(t.data(), t.data() + t.numel(), last.tensors.at(name).data()),
                          name << " differs from last.safetensors");
    const Checkpoint avg = average_checkpoints(last_epoch_checkpoints(o.run_dir, 2));
    BOOST_CHECK_EQUAL(avg.tensors.size(), third.tensors.size());
  }
}

BOOST_AUTO_TEST_SUITE_END()
