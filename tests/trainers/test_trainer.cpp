// The training loop: exact resume (Seq2Seq, Transformer, GAT), best checkpoint and early stopping
// driven by a scripted task, the run directory's files, and a non-finite loss.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "test_util.h"
#include "trainers/checkpoint.h"
#include "trainers/experiment.h"
#include "trainers/run_log.h"
#include "trainers/trainer.h"

using namespace attend;
namespace fs = std::filesystem;

namespace {

struct TempDir : test::TmpDir {
  TempDir() : test::TmpDir("attend_test_trainer") {}
};

// A tiny parallel corpus: "a b c" -> "C B A" style reversals over 6 words, as TSV files.
void write_corpus(const TempDir& dir) {
  const char* words[] = {"red", "blue", "green", "cat", "dog", "bird"};
  Generator g(3);
  for (const char* split : {"train", "valid", "test"}) {
    std::ofstream f(dir / (std::string(split) + ".tsv"));
    const int n = std::string(split) == "train" ? 48 : 8;
    for (int i = 0; i < n; ++i) {
      const int len = 2 + static_cast<int>(g.randint(4));
      std::string src, tgt;
      std::vector<std::string> w;
      for (int k = 0; k < len; ++k) w.push_back(words[g.randint(6)]);
      for (int k = 0; k < len; ++k) src += (k ? " " : "") + w[k];
      for (int k = len - 1; k >= 0; --k) tgt += std::string(k == len - 1 ? "" : " ") + "X" + w[k];
      f << src << "\t" << tgt << "\n";
    }
  }
}

ExperimentConfig text_config(const TempDir& dir, const std::string& model) {
  ExperimentConfig c;
  c.model = model;
  c.train_file = dir / "train.tsv";
  c.valid_file = dir / "valid.tsv";
  c.test_file = dir / "test.tsv";
  c.text_task.batch_size = 8;
  c.text_task.decode.max_length = 10;
  if (model == "seq2seq")
    c.hyperparams = {{"embedding", "8"}, {"hidden", "12"}, {"dropout", "0.2"}};
  else
    c.hyperparams = {{"d-model", "8"},        {"heads", "2"},          {"feedforward", "16"},
                     {"encoder-layers", "1"}, {"decoder-layers", "1"}, {"dropout", "0.2"}};
  c.seed = 5;
  return c;
}

ExperimentConfig gat_config() {
  ExperimentConfig c;
  c.model = "gat";
  c.data = "karate";
  c.hyperparams = {{"hidden", "4"}, {"heads", "2"}};
  c.seed = 5;
  return c;
}

TrainerOptions quiet_options(const std::string& run_dir, int64_t max_steps) {
  TrainerOptions o;
  o.epochs = 100;
  o.max_steps = max_steps;
  o.lr = 0.01f;
  o.schedule = "cosine";
  o.warmup_steps = 3;
  o.clip_norm = 1.0f;
  o.seed = 5;
  o.run_dir = run_dir;
  o.progress.mode = ProgressOptions::Mode::kOff;
  o.quiet = true;
  o.test_at_end = false;
  return o;
}

std::map<std::string, Tensor> weights(Module& m) {
  return m.state_dict();
}

void check_bitwise_equal(const std::map<std::string, Tensor>& a,
                         const std::map<std::string, Tensor>& b) {
  BOOST_REQUIRE_EQUAL(a.size(), b.size());
  for (const auto& [k, t] : a) {
    const Tensor& u = b.at(k);
    BOOST_REQUIRE(t.shape() == u.shape());
    BOOST_CHECK_MESSAGE(std::equal(t.data(), t.data() + t.numel(), u.data()),
                        k << " differs after resume");
  }
}

// Train `total` steps in one go, and `first` steps then a resume to `total`, from the same config.
void check_resume(const std::function<Experiment()>& make, int64_t first, int64_t total) {
  TempDir a, b;
  Experiment straight = make();
  Trainer(straight.task(), straight.dropout_generator(), quiet_options(a.dir.string(), total))
      .fit();
  Experiment part = make();
  TrainResult pr =
      Trainer(part.task(), part.dropout_generator(), quiet_options(b.dir.string(), first)).fit();
  BOOST_REQUIRE_EQUAL(pr.steps, first);
  Experiment resumed = make();  // fresh weights: everything must come from the checkpoint
  TrainerOptions o = quiet_options(b.dir.string(), total);
  o.resume = true;
  TrainResult r = Trainer(resumed.task(), resumed.dropout_generator(), o).fit();
  BOOST_CHECK_EQUAL(r.steps, total);
  check_bitwise_equal(weights(resumed.model()), weights(straight.model()));
  // The comparison can fail: the interrupted run's weights are not the final ones.
  const auto wp = weights(part.model()), ws = weights(straight.model());
  bool any_differs = false;
  for (const auto& [k, t] : wp)
    any_differs = any_differs || !std::equal(t.data(), t.data() + t.numel(), ws.at(k).data());
  BOOST_CHECK(any_differs);
}

// A task whose validation metric follows a script, to test best/early-stopping bookkeeping.
class ScriptedTask : public TrainingTask {
 public:
  explicit ScriptedTask(std::vector<double> accuracy) : accuracy_(std::move(accuracy)) {}
  Module& model() override { return holder_; }
  std::string unit() const override { return "items"; }
  int64_t plan_epoch(int64_t, Generator&) override { return 2; }
  Tensor batch_loss(int64_t, int64_t& units) override {
    units = 1;
    return sum(mul(holder_.w, holder_.w));
  }
  std::map<std::string, double> evaluate(EvalSplit split) override {
    if (split == EvalSplit::kTest) return {{"loss", 0}, {"accuracy", holder_.w.data()[0]}};
    const double a = accuracy_.at(evals_++);
    // The weight records which evaluation it was, so the best checkpoint can be identified.
    holder_.w.data()[0] = static_cast<float>(evals_);
    return {{"loss", 1.0}, {"accuracy", a}};
  }
  std::string default_metric() const override { return "accuracy"; }
  int evals() const { return evals_; }

 private:
  struct Holder : Module {
    Tensor w;
    Holder() { w = register_parameter("w", full({1}, 0.0f)); }
    std::string type_name() const override { return "Holder"; }
  };
  Holder holder_;
  std::vector<double> accuracy_;
  int evals_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(test_trainer)

BOOST_AUTO_TEST_CASE(resume_equals_an_uninterrupted_seq2seq_run) {
  TempDir data;
  write_corpus(data);
  // 6 batches per epoch: stopping at 9 leaves the run inside its second epoch.
  check_resume([&] { return Experiment::create(text_config(data, "seq2seq")); }, 9, 16);
}

BOOST_AUTO_TEST_CASE(resume_equals_an_uninterrupted_transformer_run) {
  TempDir data;
  write_corpus(data);
  check_resume([&] { return Experiment::create(text_config(data, "transformer")); }, 7, 14);
}

BOOST_AUTO_TEST_CASE(resume_equals_an_uninterrupted_gat_run) {
  check_resume([] { return Experiment::create(gat_config()); }, 5, 12);
}

BOOST_AUTO_TEST_CASE(best_checkpoint_and_early_stopping_follow_the_metric) {
  TempDir dir;
  // Evaluations 1..6: best at the 3rd (0.9); the loss never improves after the first, so
  // patience 2 stops after the 5th.
  ScriptedTask task({0.5, 0.8, 0.9, 0.7, 0.85, 0.95});
  TrainerOptions o = quiet_options(dir.dir.string(), 0);
  o.epochs = 10;
  o.patience = 2;
  o.test_at_end = true;
  TrainResult r = Trainer(task, nullptr, o).fit();
  BOOST_CHECK(r.stopped_early);
  BOOST_CHECK_EQUAL(task.evals(), 5);
  BOOST_CHECK_EQUAL(r.best_epoch, 2);
  BOOST_CHECK_CLOSE(r.best_metric, 0.9, 1e-9);
  // The weight set during the 3rd evaluation is 3; the test split sees the best weights.
  BOOST_CHECK_EQUAL(r.test.at("accuracy"), 3.0);
  ScriptedTask reader({});
  load_module(dir / "best.safetensors", reader.model());
  BOOST_CHECK_EQUAL(reader.model().state_dict().at("w").data()[0], 3.0f);
  // metrics.jsonl: 5 validation records and one test record.
  int valid = 0, test = 0;
  for (const auto& rec : read_metrics_log(dir / "metrics.jsonl")) {
    valid += rec.value("split", "") == "valid";
    test += rec.value("split", "") == "test";
  }
  BOOST_CHECK_EQUAL(valid, 5);
  BOOST_CHECK_EQUAL(test, 1);
}

BOOST_AUTO_TEST_CASE(a_non_finite_loss_stops_with_the_step_named) {
  class NanTask : public ScriptedTask {
   public:
    NanTask() : ScriptedTask({0.1, 0.2, 0.3}) {}
    Tensor batch_loss(int64_t i, int64_t& units) override {
      Tensor l = ScriptedTask::batch_loss(i, units);
      return ++calls_ == 3 ? div(l, 0.0f) : l;
    }
    int calls_ = 0;
  } task;
  TempDir dir;
  TrainerOptions o = quiet_options(dir.dir.string(), 0);
  o.epochs = 3;
  try {
    Trainer(task, nullptr, o).fit();
    BOOST_ERROR("no error for a NaN loss");
  } catch (const std::runtime_error& e) {
    test::check_mentions(e.what(), {"step 3", "epoch 2", "batch 1"});
  }
  // The checkpoint of the first epoch is intact and loads.
  ScriptedTask reader({});
  load_module(dir / "last.safetensors", reader.model());
}

BOOST_AUTO_TEST_CASE(option_errors_name_the_option) {
  ScriptedTask task({});
  TrainerOptions o;
  o.optimizer = "adagrad";
  BOOST_CHECK_EXCEPTION(Trainer(task, nullptr, o), std::invalid_argument,
                        [](const std::exception& e) {
                          return std::string(e.what()).find("adagrad") != std::string::npos;
                        });
  o.optimizer = "adam";
  o.schedule = "linear";
  BOOST_CHECK_THROW(Trainer(task, nullptr, o), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
