// Training faults: non-finite batches (stop with the step named, or skip), anomaly mode naming the
// op, a stop request (what SIGINT/SIGTERM turn into) saving the exact position, and runs killed
// with SIGKILL at random moments — checkpoint writes included — that resume to the same weights
// as a run that was never interrupted.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <thread>

#include "autograd/threading.h"
#include "test_util.h"
#include "trainers/checkpoint.h"
#include "trainers/run_log.h"
#include "trainers/stop_signal.h"
#include "trainers/trainer.h"
#include "trainers/trainer_test_util.h"

using namespace attend;
using namespace attend::test;
namespace fs = std::filesystem;

namespace {

// w^2 summed, except at one (epoch, batch) where the loss or its gradient is made non-finite.
class FaultyTask : public TrainingTask {
 public:
  enum class Fault { kNanLoss, kNanGradient, kLogOfZero };
  FaultyTask(Fault fault, int64_t bad_epoch, int64_t bad_batch)
      : fault_(fault), bad_epoch_(bad_epoch), bad_batch_(bad_batch) {}
  Module& model() override { return holder_; }
  std::string unit() const override { return "items"; }
  int64_t plan_epoch(int64_t epoch, Generator&) override {
    epoch_ = epoch;
    return 2;
  }
  Tensor batch_loss(int64_t i, int64_t& units) override {
    units = 1;
    Tensor w = holder_.w;
    if (epoch_ != bad_epoch_ || i != bad_batch_) return sum(mul(sub(w, 3.0f), sub(w, 3.0f)));
    switch (fault_) {
      case Fault::kNanLoss:
        return div(sum(mul(w, w)), 0.0f);  // 0/0 or x/0
      case Fault::kNanGradient:
        return sum(sqrt(mul(w, 0.0f)));  // value 0; d sqrt(0) = inf, times 0 = NaN
      case Fault::kLogOfZero:
        return sum(log(mul(w, 0.0f)));  // -inf in log's forward
    }
    return {};
  }
  std::map<std::string, double> evaluate(EvalSplit) override {
    return {{"loss", 1.0}, {"accuracy", 0.5}};
  }
  std::string default_metric() const override { return "accuracy"; }
  float w() const { return holder_.w.data()[0]; }

 private:
  struct Holder : Module {
    Tensor w;
    Holder() { w = register_parameter("w", full({1}, 0.5f)); }
    std::string type_name() const override { return "Holder"; }
  };
  Holder holder_;
  Fault fault_;
  int64_t bad_epoch_, bad_batch_, epoch_ = 0;
};

nlohmann::json trainer_state(const fs::path& checkpoint) {
  return nlohmann::json::parse(load_safetensors(checkpoint).metadata.at(kTrainerStateKey));
}

std::string fit_error(TrainingTask& task, const TrainerOptions& o) {
  try {
    Trainer(task, nullptr, o).fit();
  } catch (const NonFiniteError& e) {
    return e.what();
  }
  BOOST_ERROR("the run did not stop on a non-finite batch");
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_fault_tolerance)

BOOST_AUTO_TEST_CASE(a_nan_gradient_stops_before_the_step_and_keeps_the_weights_before_it) {
  TempDir dir;
  FaultyTask task(FaultyTask::Fault::kNanGradient, 1, 0);  // the 3rd batch
  TrainerOptions o = quiet_options(dir.dir.string(), 0);
  o.epochs = 3;
  float w_after_step_2 = 0;
  o.on_step = [&](int64_t step) {
    if (step == 2) w_after_step_2 = task.w();
  };
  const std::string message = fit_error(task, o);
  check_mentions(message, {"gradient norm is NaN", "step 3", "epoch 2", "batch 1",
                           "last.safetensors", "--detect-anomaly"});
  // No optimizer step was taken with the NaN gradient: the weights are those of step 2, in
  // memory and in last.safetensors, which is positioned at the bad batch.
  BOOST_CHECK(std::isfinite(task.w()));
  BOOST_CHECK_EQUAL(task.w(), w_after_step_2);
  FaultyTask reader(FaultyTask::Fault::kNanGradient, 1, 0);
  load_module(dir / "last.safetensors", reader.model());
  BOOST_CHECK_EQUAL(reader.w(), w_after_step_2);
  const auto state = trainer_state(dir / "last.safetensors");
  BOOST_CHECK_EQUAL(state.at("epoch").get<int>(), 1);
  BOOST_CHECK_EQUAL(state.at("step_in_epoch").get<int>(), 0);
  BOOST_CHECK_EQUAL(state.at("global_step").get<int>(), 2);

  // Resuming from there with --skip-nonfinite skips that batch and finishes the run.
  FaultyTask resumed(FaultyTask::Fault::kNanGradient, 1, 0);
  o.on_step = nullptr;
  o.resume = true;
  o.skip_nonfinite = true;
  TrainResult r = Trainer(resumed, nullptr, o).fit();
  BOOST_CHECK_EQUAL(r.skipped_batches, 1);
  BOOST_CHECK_EQUAL(r.steps, 5);  // 6 batches, one skipped
  BOOST_CHECK(std::isfinite(resumed.w()));
}

BOOST_AUTO_TEST_CASE(skip_nonfinite_skips_a_nan_loss_and_logs_it) {
  TempDir dir;
  FaultyTask task(FaultyTask::Fault::kNanLoss, 0, 1);
  TrainerOptions o = quiet_options(dir.dir.string(), 0);
  o.epochs = 3;
  o.skip_nonfinite = true;
  o.log_every = 1;
  TrainResult r = Trainer(task, nullptr, o).fit();
  BOOST_CHECK_EQUAL(r.skipped_batches, 1);
  BOOST_CHECK_EQUAL(r.steps, 5);
  BOOST_CHECK_EQUAL(r.epochs_run, 3);
  BOOST_CHECK(std::isfinite(task.w()));
  BOOST_CHECK(std::abs(task.w() - 3.0f) < 2.5f);  // it went on training towards 3
  int skipped = 0, train = 0;
  for (const auto& rec : read_metrics_log(dir / "metrics.jsonl")) {
    if (rec.contains("skipped")) {
      ++skipped;
      BOOST_CHECK_EQUAL(rec.at("batch").get<int>(), 2);
      BOOST_CHECK_EQUAL(rec.at("epoch").get<int>(), 1);
    } else if (rec.value("split", "") == "train") {
      ++train;
      BOOST_CHECK(rec.at("grad_norm").is_number());
    }
  }
  BOOST_CHECK_EQUAL(skipped, 1);
  BOOST_CHECK_EQUAL(train, 5);
}

BOOST_AUTO_TEST_CASE(detect_anomaly_names_the_op_forward_and_backward) {
  TrainerOptions o = quiet_options("", 0);
  o.epochs = 2;
  {
    FaultyTask task(FaultyTask::Fault::kLogOfZero, 0, 1);
    check_mentions(fit_error(task, o), {"training loss is -Inf", "step 2", "--detect-anomaly"});
  }
  o.detect_anomaly = true;
  {
    FaultyTask task(FaultyTask::Fault::kLogOfZero, 0, 1);
    check_mentions(fit_error(task, o), {"log", "forward", "step 2"});
  }
  {
    FaultyTask task(FaultyTask::Fault::kNanGradient, 0, 1);
    check_mentions(fit_error(task, o), {"sqrt", "backward", "step 2"});
  }
  BOOST_CHECK(!anomaly_enabled());  // the trainer's anomaly mode ends with fit()
}

BOOST_AUTO_TEST_CASE(a_stop_request_saves_the_exact_position_and_resume_is_exact) {
  TempDir data, straight_dir, stopped_dir;
  write_corpus(data);
  auto make = [&] { return Experiment::create(text_config(data, "seq2seq")); };
  Experiment straight = make();
  Trainer(straight.task(), straight.dropout_generator(), quiet_options(straight_dir.dir, 16)).fit();

  Experiment stopped = make();
  TrainerOptions o = quiet_options(stopped_dir.dir, 16);
  o.test_at_end = true;
  o.on_step = [](int64_t step) {
    if (step == 8) request_stop(SIGTERM);  // what the SIGTERM handler does, mid-epoch
  };
  TrainResult r = Trainer(stopped.task(), stopped.dropout_generator(), o).fit();
  clear_stop_request();
  BOOST_CHECK_EQUAL(r.interrupted, SIGTERM);
  BOOST_CHECK_EQUAL(r.steps, 8);
  BOOST_CHECK(r.test.empty());  // no evaluation on the way out
  BOOST_CHECK_EQUAL(trainer_state(stopped_dir / "last.safetensors").at("global_step").get<int>(),
                    8);

  Experiment resumed = make();
  o = quiet_options(stopped_dir.dir, 16);
  o.resume = true;
  r = Trainer(resumed.task(), resumed.dropout_generator(), o).fit();
  BOOST_CHECK_EQUAL(r.interrupted, 0);
  BOOST_CHECK_EQUAL(r.steps, 16);
  check_bitwise_equal(weights(resumed.model()), weights(straight.model()));
}

BOOST_AUTO_TEST_CASE(resume_drops_log_records_written_after_the_last_checkpoint) {
  TempDir dir;
  {
    MetricsLog log(dir / "metrics.jsonl", false);
    for (int step = 1; step <= 6; ++step) log.write({{"step", step}}, {{"split", "train"}});
    log.write({{"epoch", 1}}, {{"split", "test"}});
  }
  {  // a record cut short by a kill
    std::ofstream f(dir / "metrics.jsonl", std::ios::app);
    f << R"({"step": 7, "spl)";
  }
  truncate_metrics_log(dir / "metrics.jsonl", 4);
  std::vector<int> steps;
  int without_step = 0;
  for (const auto& rec : read_metrics_log(dir / "metrics.jsonl")) {
    if (rec.contains("step"))
      steps.push_back(rec.at("step").get<int>());
    else
      ++without_step;
  }
  BOOST_CHECK((steps == std::vector<int>{1, 2, 3, 4}));
  BOOST_CHECK_EQUAL(without_step, 1);
}

BOOST_AUTO_TEST_SUITE_END()

// --- SIGKILL at random moments ------------------------------------------------------------------

namespace {

struct KillStats {
  int kills = 0;
  int killed_mid_write = 0;  // kills that left a checkpoint's temporary file behind
  int children = 0;
  int resumed = 0;  // children that started from a checkpoint
};

// Trains make()'s experiment with options o (o.run_dir set) in child processes, killing each with
// SIGKILL after a random number of its training steps, 1 to max_steps, and then a random delay
// in [0, max_delay) (up to one step's time, so kills land inside steps, evaluations and
// checkpoint writes) until one finishes (at most max_kills kills). Counting steps, not seconds,
// keeps the number of kills independent of how fast the machine is while the test runs (loaded
// by other tests, or under a sanitizer) compared with the uninterrupted run the times come from.
// After every kill, the last checkpoint must load; the next child resumes from it.
KillStats train_with_random_kills(const std::function<Experiment()>& make, TrainerOptions o,
                                  int64_t max_steps, double max_delay_s, int max_kills,
                                  uint64_t seed) {
  KillStats stats;
  Generator rng(seed);
  const fs::path dir = o.run_dir;
  const fs::path last = dir / "last.safetensors";
  for (;;) {
    const bool resume = fs::exists(last);
    ++stats.children;
    stats.resumed += resume;
    int stepped[2];  // the child writes one byte here after every training step
    BOOST_REQUIRE(::pipe(stepped) == 0);
    const pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(stepped[0]);
      int code = 0;
      try {
        Experiment e = make();
        o.resume = resume;
        o.on_step = [fd = stepped[1]](int64_t) { (void)!::write(fd, "s", 1); };
        Trainer(e.task(), e.dropout_generator(), o).fit();
      } catch (...) {
        code = 3;
      }
      ::_exit(code);  // no Boost.Test teardown in the child
    }
    ::close(stepped[1]);
    if (stats.kills < max_kills) {
      // Returns after that many steps, or early at the child's exit (end of file).
      const int64_t steps = 1 + static_cast<int64_t>(rng.randint(max_steps));
      char byte = 0;
      for (int64_t seen = 0; seen < steps && ::read(stepped[0], &byte, 1) == 1;) ++seen;
      std::this_thread::sleep_for(std::chrono::duration<double>(rng.uniform() * max_delay_s));
      ::kill(pid, SIGKILL);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(stepped[0]);  // only now: a child left to finish still writes its byte (no SIGPIPE)
    if (WIFEXITED(status)) {
      BOOST_REQUIRE_MESSAGE(WEXITSTATUS(status) == 0,
                            "a training child failed (exit " << WEXITSTATUS(status) << ")");
      return stats;  // finished before the kill
    }
    BOOST_REQUIRE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ++stats.kills;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().filename().string().find(".tmp.") != std::string::npos)
        ++stats.killed_mid_write;
    if (fs::exists(last)) {
      Experiment probe = make();
      BOOST_REQUIRE_NO_THROW(load_module(last.string(), probe.model()));
    }
  }
}

void check_killed_run_matches(const std::function<Experiment()>& make, const TrainerOptions& o,
                              int max_kills, uint64_t seed) {
  // One thread for the uninterrupted run too: a forked child always computes on one (OpenMP's
  // workers do not survive fork), and the kills are timed from the uninterrupted run's length.
  set_num_threads(1);
  TempDir straight_dir, killed_dir;
  TrainerOptions so = o;
  so.run_dir = straight_dir.dir.string();
  Experiment straight = make();
  // Steps, and the time from the end of the first step to the end of the run: one step's share
  // of it (evaluations and checkpoint writes included) bounds the delay after a child's last step.
  int64_t steps = 0;
  std::optional<std::chrono::steady_clock::time_point> first_step;
  so.on_step = [&](int64_t) {
    if (++steps == 1) first_step = std::chrono::steady_clock::now();
  };
  const int64_t epochs =
      Trainer(straight.task(), straight.dropout_generator(), so).fit().epochs_run;
  BOOST_REQUIRE(first_step);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - *first_step).count();

  TrainerOptions ko = o;
  ko.run_dir = killed_dir.dir.string();
  // Each child trains on average 1/max_kills of the run's steps, so the run needs several
  // children (at least steps / max_steps kills, whatever the timing) and kills land everywhere:
  // before the first checkpoint, in the middle of steps, and inside checkpoint writes.
  const int64_t max_steps = std::max<int64_t>(1, 2 * steps / max_kills);
  const KillStats stats = train_with_random_kills(
      make, ko, max_steps, seconds / static_cast<double>(std::max<int64_t>(1, steps - 1)),
      max_kills, seed);
  BOOST_TEST_MESSAGE("uninterrupted run: "
                     << steps << " steps, " << seconds << " s after its first; " << stats.kills
                     << " kills (" << stats.killed_mid_write << " during a checkpoint write), "
                     << stats.children << " processes, " << stats.resumed << " resumed");
  BOOST_CHECK_GE(stats.kills, 3);
  BOOST_CHECK_GE(stats.resumed, 2);

  Experiment reader = make();
  load_module(killed_dir / "last.safetensors", reader.model());
  check_bitwise_equal(weights(reader.model()), weights(straight.model()));
  // Every evaluation is in the log exactly once, in order, however often the run was killed.
  std::vector<int64_t> evaluated;
  for (const auto& rec : read_metrics_log(killed_dir / "metrics.jsonl"))
    if (rec.value("split", "") == "valid") evaluated.push_back(rec.at("epoch").get<int64_t>());
  std::vector<int64_t> expected(static_cast<size_t>(epochs));
  std::iota(expected.begin(), expected.end(), 1);
  BOOST_CHECK(evaluated == expected);
}

}  // namespace

// Same suite name as above: CTest runs each file as --run_test=<file name>.
BOOST_AUTO_TEST_SUITE(test_fault_tolerance)

// GAT on karate: one step per epoch, so last.safetensors (and best.safetensors) are rewritten
// all the time and many kills land inside a write.
BOOST_AUTO_TEST_CASE(a_gat_run_killed_at_random_moments_resumes_to_the_same_weights) {
  TrainerOptions o = quiet_options("", 0);
  o.epochs = 60;
  o.test_at_end = false;
  check_killed_run_matches([] { return Experiment::create(gat_config()); }, o, 12, 1);
}

// Seq2Seq with dropout, checkpointed every 2 steps inside its 6-batch epochs.
BOOST_AUTO_TEST_CASE(a_seq2seq_run_killed_at_random_moments_resumes_to_the_same_weights) {
  TempDir data;
  write_corpus(data);
  TrainerOptions o = quiet_options("", 0);
  o.epochs = 16;
  o.checkpoint_every = 2;
  o.test_at_end = false;
  check_killed_run_matches([&] { return Experiment::create(text_config(data, "seq2seq")); }, o, 10,
                           2);
}

BOOST_AUTO_TEST_SUITE_END()
