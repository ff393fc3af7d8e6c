// Shared by the trainer tests: a tiny parallel corpus, tiny Seq2Seq/Transformer/GAT
// experiments, quiet trainer options, bitwise weight comparison and a task whose validation
// metric follows a script.
#pragma once

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "test_util.h"
#include "trainers/experiment.h"
#include "trainers/trainer.h"

namespace attend::test {

struct TempDir : TmpDir {
  TempDir() : TmpDir("attend_test_trainer") {}
};

// A tiny parallel corpus: "a b c" -> "C B A" style reversals over 6 words, as TSV files.
inline void write_corpus(const TempDir& dir) {
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

inline ExperimentConfig text_config(const TempDir& dir, const std::string& model) {
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

inline ExperimentConfig gat_config() {
  ExperimentConfig c;
  c.model = "gat";
  c.data = "karate";
  c.hyperparams = {{"hidden", "4"}, {"heads", "2"}};
  c.seed = 5;
  return c;
}

inline TrainerOptions quiet_options(const std::string& run_dir, int64_t max_steps) {
  TrainerOptions o;
  o.epochs = 100;
  o.max_steps = max_steps;
  o.lr = 0.01f;
  o.schedule = ScheduleKind::kCosine;
  o.warmup_steps = 3;
  o.clip_norm = 1.0f;
  o.seed = 5;
  o.run_dir = run_dir;
  o.progress.mode = ProgressOptions::Mode::kOff;
  o.quiet = true;
  o.test_at_end = false;
  return o;
}

inline std::map<std::string, Tensor> weights(Module& m) {
  return m.state_dict();
}

inline void check_bitwise_equal(const std::map<std::string, Tensor>& a,
                                const std::map<std::string, Tensor>& b) {
  BOOST_REQUIRE_EQUAL(a.size(), b.size());
  for (const auto& [k, t] : a) {
    const Tensor& u = b.at(k);
    BOOST_REQUIRE(t.shape() == u.shape());
    BOOST_CHECK_MESSAGE(std::equal(t.data(), t.data() + t.numel(), u.data()),
                        k << " differs after resume");
  }
}

// A task whose validation metric follows a script, to test best/early-stopping bookkeeping.
class ScriptedTask : public TrainingTask {
 public:
  // Evaluation k reports accuracy[k] and loss[k] (1.0 when no losses are given).
  explicit ScriptedTask(std::vector<double> accuracy, std::vector<double> loss = {})
      : accuracy_(std::move(accuracy)), loss_(std::move(loss)) {}
  Module& model() override { return holder_; }
  std::string unit() const override { return "items"; }
  int64_t plan_epoch(int64_t, Generator&) override { return 2; }
  Tensor batch_loss(int64_t, int64_t& units) override {
    units = 1;
    return sum(mul(holder_.w, holder_.w));
  }
  std::map<std::string, double> evaluate(EvalSplit split) override {
    if (split == EvalSplit::kTest) return {{"loss", 0}, {"accuracy", holder_.w.data()[0]}};
    const double a = accuracy_.at(evals_);
    const double loss = loss_.empty() ? 1.0 : loss_.at(evals_);
    ++evals_;
    // The weight records which evaluation it was, so the best checkpoint can be identified.
    holder_.w.data()[0] = static_cast<float>(evals_);
    return {{"loss", loss}, {"accuracy", a}};
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
  std::vector<double> loss_;
  int evals_ = 0;
};

}  // namespace attend::test
