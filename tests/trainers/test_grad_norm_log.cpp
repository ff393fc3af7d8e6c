// TrainerOptions::log_grad_norms (attend train --log-grad-norms): each logged train record carries
// every parameter's gradient norm before clipping, and logging them does not change training.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "trainers/experiment.h"
#include "trainers/run_log.h"
#include "trainers/trainer.h"
#include "trainers/trainer_test_util.h"

using namespace attend;
using namespace attend::test;
using json = nlohmann::json;

namespace {

// The L2 norm of a parameter's .grad, summed here in double (not through the trainer's code).
double norm_of_grad(const Tensor& p) {
  const Tensor g = p.grad();
  if (!g.defined()) return 0;
  double sq = 0;
  for (int64_t i = 0; i < g.numel(); ++i) sq += static_cast<double>(g.data()[i]) * g.data()[i];
  return std::sqrt(sq);
}

std::vector<json> train_records(const std::string& dir) {
  std::vector<json> out;
  for (const json& rec : read_metrics_log(dir + "/metrics.jsonl"))
    if (rec.value("split", "") == "train") out.push_back(rec);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_grad_norm_log)

BOOST_AUTO_TEST_CASE(logged_norms_equal_the_norms_of_the_grad_tensors) {
  TempDir data, run;
  write_corpus(data);
  Experiment e = Experiment::create(text_config(data, "seq2seq"));
  TrainerOptions o = quiet_options(run.dir.string(), 4);
  o.clip_norm = 0;  // the .grad tensors after the step are the ones that were logged
  o.log_every = 1;
  o.log_grad_norms = true;
  const auto named = e.model().named_parameters();
  std::map<int64_t, std::map<std::string, double>> seen;  // step -> name -> norm
  o.on_step = [&](int64_t step) {
    for (const auto& [name, p] : named) seen[step][name] = norm_of_grad(p);
  };
  Trainer(e.task(), e.dropout_generator(), o).fit();

  const std::vector<json> records = train_records(run.dir.string());
  BOOST_REQUIRE_EQUAL(records.size(), 4u);
  for (const json& rec : records) {
    const int64_t step = rec.at("step").get<int64_t>();
    BOOST_REQUIRE(rec.contains("grad_norms"));
    const json& norms = rec.at("grad_norms");
    BOOST_REQUIRE_EQUAL(norms.size(), named.size());
    double total = 0;
    for (const auto& [name, p] : named) {
      BOOST_REQUIRE_MESSAGE(norms.contains(name), name << " missing at step " << step);
      const double logged = norms.at(name).get<double>();
      const double want = seen.at(step).at(name);
      BOOST_CHECK_MESSAGE(
          std::abs(logged - want) <= 1e-6 + 1e-5 * want,
          name << " at step " << step << ": logged " << logged << ", .grad has " << want);
      total += logged * logged;
    }
    // Some gradient is non-zero, and the parts add up to the global norm of the same record.
    BOOST_CHECK_GT(total, 0.0);
    const double global = rec.at("grad_norm").get<double>();
    BOOST_CHECK_CLOSE(std::sqrt(total), global, 1e-3);
  }
}

BOOST_AUTO_TEST_CASE(norms_are_logged_before_clipping) {
  TempDir data, run;
  write_corpus(data);
  Experiment e = Experiment::create(text_config(data, "seq2seq"));
  TrainerOptions o = quiet_options(run.dir.string(), 2);
  o.clip_norm = 1e-3f;  // far below any gradient norm of this model: every step clips
  o.log_every = 1;
  o.log_grad_norms = true;
  const auto named = e.model().named_parameters();
  std::map<int64_t, double> clipped;  // step -> global norm of the clipped .grad
  o.on_step = [&](int64_t step) {
    double sq = 0;
    for (const auto& [name, p] : named) sq += std::pow(norm_of_grad(p), 2);
    clipped[step] = std::sqrt(sq);
  };
  Trainer(e.task(), e.dropout_generator(), o).fit();
  const std::vector<json> records = train_records(run.dir.string());
  BOOST_REQUIRE_EQUAL(records.size(), 2u);
  for (const json& rec : records) {
    double sq = 0;
    for (const auto& [name, v] : rec.at("grad_norms").items()) sq += std::pow(v.get<double>(), 2);
    const int64_t step = rec.at("step").get<int64_t>();
    BOOST_CHECK_CLOSE(clipped.at(step), 1e-3, 0.1);         // the optimizer saw clipped gradients
    BOOST_CHECK_GT(std::sqrt(sq), 100 * clipped.at(step));  // the log has the norms before
    BOOST_CHECK_CLOSE(std::sqrt(sq), rec.at("grad_norm").get<double>(), 1e-3);
  }
}

BOOST_AUTO_TEST_CASE(logging_norms_leaves_the_training_result_bitwise_equal) {
  TempDir data, with_dir, without_dir;
  write_corpus(data);
  Experiment with = Experiment::create(text_config(data, "seq2seq"));
  Experiment without = Experiment::create(text_config(data, "seq2seq"));
  TrainerOptions o = quiet_options(with_dir.dir.string(), 7);  // clipping on, dropout on
  o.log_every = 2;
  o.log_grad_norms = true;
  Trainer(with.task(), with.dropout_generator(), o).fit();
  o.run_dir = without_dir.dir.string();
  o.log_grad_norms = false;
  Trainer(without.task(), without.dropout_generator(), o).fit();
  check_bitwise_equal(weights(with.model()), weights(without.model()));

  const std::vector<json> a = train_records(with_dir.dir.string());
  const std::vector<json> b = train_records(without_dir.dir.string());
  BOOST_REQUIRE_EQUAL(a.size(), 3u);  // steps 2, 4, 6
  BOOST_REQUIRE_EQUAL(b.size(), 3u);
  for (size_t i = 0; i < a.size(); ++i) {
    BOOST_CHECK(a[i].contains("grad_norms"));
    BOOST_CHECK(!b[i].contains("grad_norms"));
    json stripped = a[i];
    stripped.erase("grad_norms");
    BOOST_CHECK_EQUAL(stripped.dump(), b[i].dump());  // same loss, norm and lr at every step
  }
}

BOOST_AUTO_TEST_CASE(gat_parameters_are_named_like_its_state_dict) {
  TempDir run;
  Experiment e = Experiment::create(gat_config());
  TrainerOptions o = quiet_options(run.dir.string(), 2);
  o.log_every = 1;
  o.log_grad_norms = true;
  Trainer(e.task(), e.dropout_generator(), o).fit();
  const std::vector<json> records = train_records(run.dir.string());
  BOOST_REQUIRE_EQUAL(records.size(), 2u);
  const auto state = e.model().state_dict();
  for (const auto& [name, v] : records[0].at("grad_norms").items()) {
    BOOST_CHECK_MESSAGE(state.count(name), name << " is not a state_dict key");
    BOOST_CHECK(v.is_number() && v.get<double>() >= 0);
  }
  BOOST_CHECK_EQUAL(records[0].at("grad_norms").size(), e.model().named_parameters().size());
}

BOOST_AUTO_TEST_SUITE_END()
