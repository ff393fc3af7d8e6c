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

#include "autograd/threading.h"
#include "test_util.h"
#include "trainers/checkpoint.h"
#include "trainers/experiment.h"
#include "trainers/run_log.h"
#include "trainers/trainer.h"
#include "trainers/trainer_test_util.h"

using namespace attend;
using namespace attend::test;
namespace fs = std::filesystem;

namespace {

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

// The same holds at 2 threads (OpenBLAS splits each product the same way every time).
BOOST_AUTO_TEST_CASE(resume_equals_an_uninterrupted_run_at_two_threads) {
  TempDir data;
  write_corpus(data);
  set_num_threads(2);
  check_resume([&] { return Experiment::create(text_config(data, "seq2seq")); }, 9, 16);
  check_resume([] { return Experiment::create(gat_config()); }, 5, 12);
  set_num_threads(1);
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

// The GAT paper's code saves only when accuracy and loss are both at their best so far (ties
// count), and restarts the patience when either is. On the same evaluations the default rule takes
// the 5th (the highest accuracy, with a worse loss); metric-and-loss keeps the 3rd.
BOOST_AUTO_TEST_CASE(the_metric_and_loss_rule_saves_only_when_both_reach_their_best) {
  //                    1    2    3     4    5    6     7
  const std::vector<double> acc{0.5, 0.6, 0.6, 0.55, 0.7, 0.65, 0.6};
  const std::vector<double> loss{1.0, 1.1, 0.9, 0.95, 1.2, 1.0, 0.95};
  for (const BestRule rule : {BestRule::kMetric, BestRule::kMetricAndLoss}) {
    BOOST_TEST_CONTEXT("--best-rule " << to_string(rule)) {
      TempDir dir;
      ScriptedTask task(acc, loss);
      TrainerOptions o = quiet_options(dir.dir.string(), 0);
      o.epochs = 20;
      o.patience = 2;
      o.best_rule = rule;
      o.test_at_end = true;
      const TrainResult r = Trainer(task, nullptr, o).fit();
      // Either way the 6th and 7th evaluations improve neither, so patience 2 stops after the 7th.
      BOOST_CHECK(r.stopped_early);
      BOOST_CHECK_EQUAL(task.evals(), 7);
      const int best = rule == BestRule::kMetric ? 5 : 3;
      BOOST_CHECK_EQUAL(r.best_epoch, best - 1);
      BOOST_CHECK_CLOSE(r.best_metric, acc[best - 1], 1e-9);
      BOOST_CHECK_EQUAL(r.test.at("accuracy"), best);
      ScriptedTask reader({});
      load_module(dir / "best.safetensors", reader.model());
      BOOST_CHECK_EQUAL(reader.model().state_dict().at("w").data()[0], best);
    }
  }
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

BOOST_AUTO_TEST_SUITE_END()
