// Tests of the example model (docs/extending.md, step 3): it is in the registry without any call
// (the static registrar), its gradients are right, step-by-step decoding agrees with teacher
// forcing, and the real Trainer trains it — the loss falls and the temperature moves — into a
// checkpoint that Experiment::from_checkpoint rebuilds by name.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "examples/seq2seq_temperature.h"
#include "trainers/experiment.h"
#include "trainers/run_log.h"
#include "trainers/trainer.h"

using namespace attend;
using attend::examples::TemperatureSeq2Seq;

namespace {

namespace fs = std::filesystem;

// A fresh directory under /tmp, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "attend_examples_XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// A tiny parallel corpus whose target is the source reversed, with each word renamed ("red blue"
// -> "BLUE RED"): position t of the output needs source position S-1-t, which attention finds.
void write_reversal_corpus(const TempDir& dir) {
  const char* words[] = {"red", "blue", "green", "cat", "dog", "bird", "sun", "moon"};
  const char* upper[] = {"RED", "BLUE", "GREEN", "CAT", "DOG", "BIRD", "SUN", "MOON"};
  Generator g(3);
  for (const char* split : {"train", "valid", "test"}) {
    std::ofstream f(dir / (std::string(split) + ".tsv"));
    const int n = std::string(split) == "train" ? 96 : 16;
    for (int i = 0; i < n; ++i) {
      const int len = 2 + static_cast<int>(g.randint(4));
      std::vector<int> w;
      for (int k = 0; k < len; ++k) w.push_back(static_cast<int>(g.randint(8)));
      std::string src, tgt;
      for (int k = 0; k < len; ++k) {
        if (k > 0) src += ' ';
        src += words[w[k]];
      }
      for (int k = len - 1; k >= 0; --k) {
        if (k < len - 1) tgt += ' ';
        tgt += upper[w[k]];
      }
      f << src << "\t" << tgt << "\n";
    }
  }
}

std::shared_ptr<TemperatureSeq2Seq> tiny_model(const std::map<std::string, std::string>& overrides,
                                               int64_t source_vocab, int64_t target_vocab) {
  const ModelEntry& entry = find_model("seq2seq-temperature");
  ModelDims dims;
  dims.source_vocab = source_vocab;
  dims.target_vocab = target_vocab;
  Generator init(7);
  auto m = std::dynamic_pointer_cast<TemperatureSeq2Seq>(entry.create(
      Hyperparams(entry.hyperparams, overrides), dims, init, std::make_shared<Generator>(8)));
  BOOST_REQUIRE(m);
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_seq2seq_temperature)

BOOST_AUTO_TEST_CASE(is_registered_before_main_runs) {
  // Nothing in this program called register_model: the registrar in seq2seq_temperature.cpp ran
  // when the program started.
  const ModelEntry& e = find_model("seq2seq-temperature");
  BOOST_CHECK(e.task == TaskKind::kSequence);
  std::vector<std::string> names;
  for (const HyperparamSpec& s : e.hyperparams) names.push_back(s.name);
  BOOST_CHECK((names == std::vector<std::string>{"embedding", "hidden", "dropout", "temperature"}));
  // The built-in models are still there, and a second registration of the name is refused.
  BOOST_CHECK_NO_THROW(find_model("seq2seq"));
  BOOST_CHECK_THROW(register_model(examples::temperature_seq2seq_entry()), std::invalid_argument);
  // Hyperparameters are checked against the entry's ranges, naming the parameter.
  try {
    Hyperparams(e.hyperparams, {{"temperature", "0"}});
    BOOST_ERROR("temperature 0 accepted");
  } catch (const HyperparamError& err) {
    BOOST_CHECK_MESSAGE(std::string(err.what()).find("temperature") != std::string::npos,
                        err.what());
  }
  auto m = tiny_model({{"embedding", "4"}, {"hidden", "6"}, {"temperature", "3"}}, 9, 7);
  BOOST_CHECK_CLOSE(m->attention->temperature().item(), 3.0f, 1e-3);
  BOOST_CHECK_EQUAL(m->state_dict().count("attention.raw_temperature"), 1u);
}

BOOST_AUTO_TEST_CASE(gradcheck_of_every_parameter) {
  auto m = tiny_model({{"embedding", "3"}, {"hidden", "4"}, {"dropout", "0"}}, 6, 5);
  // source [2, 5]: the second sentence is 3 tokens and 2 of padding (id 0).
  Tensor source = from_indices({1, 2, 3, 4, 5, 3, 1, 2, 0, 0}, {2, 5});
  Tensor mask = from_vector({0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, {2, 5});
  Tensor target_input = from_indices({1, 2, 4, 3, 3, 4}, {2, 3});  // [2, 3]
  GradcheckResult r =
      gradcheck_parameters([&] { return m->forward(source, mask, target_input); },  // [2, 3, 5]
                           m->named_parameters());
  BOOST_CHECK_MESSAGE(r.ok, r.message);
  BOOST_CHECK_EQUAL(r.checked, m->num_parameters());
}

BOOST_AUTO_TEST_CASE(decoding_step_by_step_agrees_with_teacher_forcing) {
  auto m = tiny_model({{"embedding", "5"}, {"hidden", "7"}, {"dropout", "0.3"}}, 10, 8);
  m->eval();  // dropout off: the two paths must then compute the same logits
  NoGradGuard no_grad;
  Tensor source = from_indices({4, 5, 6, 7, 8, 9, 4, 5, 0, 0, 0, 0}, {2, 6});
  Tensor mask = from_vector({0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, {2, 6});
  Tensor target_input = from_indices({2, 5, 6, 7, 2, 3, 3, 4}, {2, 4});
  Tensor logits = m->forward(source, mask, target_input);  // [2, 4, 8]
  auto state = m->start_decoding(source, mask);
  for (int64_t t = 0; t < 4; ++t) {
    Tensor step = m->decode_step(*state, squeeze(narrow(target_input, 1, t, 1), 1));  // [2, 8]
    Tensor forced = squeeze(narrow(logits, 1, t, 1), 1);                              // [2, 8]
    for (int64_t i = 0; i < step.numel(); ++i)
      BOOST_CHECK_SMALL(step.data()[i] - forced.data()[i], 1e-4f);
    // The attention weights of the step: [B, 1, S], none on the padding.
    Tensor w = state->last_attention();
    BOOST_REQUIRE(w.shape() == (Shape{2, 1, 6}));
    BOOST_CHECK_EQUAL(w.at({1, 0, 5}), 0.0f);
  }
}

BOOST_AUTO_TEST_CASE(trains_through_the_real_trainer_and_its_loss_falls) {
  TempDir dir;
  write_reversal_corpus(dir);
  ExperimentConfig c;
  c.model = "seq2seq-temperature";  // found in the registry, as `attend train --model` finds it
  c.train_file = dir / "train.tsv";
  c.valid_file = dir / "valid.tsv";
  c.test_file = dir / "test.tsv";
  c.hyperparams = {{"embedding", "16"}, {"hidden", "24"}, {"dropout", "0"}, {"temperature", "2"}};
  c.text_task.batch_size = 8;
  c.text_task.decode.max_length = 8;
  c.seed = 1;
  Experiment e = Experiment::create(c);
  auto& model = dynamic_cast<TemperatureSeq2Seq&>(e.model());
  const float tau_before = model.attention->temperature().item();
  const double valid_before = e.task().evaluate(EvalSplit::kValid).at("loss");

  TrainerOptions o;
  o.epochs = 5;  // 12 batches each
  o.lr = 1e-2f;
  o.log_every = 1;
  o.seed = 1;
  o.run_dir = dir / "run";
  o.metadata = e.checkpoint_metadata();
  o.progress.mode = ProgressOptions::Mode::kOff;
  o.quiet = true;
  Trainer trainer(e.task(), e.dropout_generator(), o);
  const TrainResult r = trainer.fit();
  BOOST_CHECK_EQUAL(r.steps, 60);

  // The training loss, step by step, from the run's metrics log.
  std::vector<double> train_loss;
  for (const auto& rec : read_metrics_log(dir / "run/metrics.jsonl"))
    if (rec.value("split", "") == "train") train_loss.push_back(rec.at("train_loss").get<double>());
  BOOST_REQUIRE_EQUAL(train_loss.size(), 60u);
  double first = 0, last = 0;
  for (int i = 0; i < 12; ++i) {
    first += train_loss[i] / 12;
    last += train_loss[train_loss.size() - 1 - i] / 12;
  }
  const double valid_after = r.best_valid.at("loss");
  const float tau_after = model.attention->temperature().item();
  BOOST_TEST_MESSAGE("train loss " << first << " (first epoch) -> " << last
                                   << " (last); valid loss " << valid_before << " -> "
                                   << valid_after << "; temperature " << tau_before << " -> "
                                   << tau_after);
  BOOST_CHECK_LT(last, 0.6 * first);
  BOOST_CHECK_LT(valid_after, 0.7 * valid_before);
  // The temperature is a parameter the optimizer trains, not a constant.
  BOOST_CHECK(std::isfinite(tau_after));
  BOOST_CHECK_GT(std::fabs(tau_after - tau_before), 1e-3f);

  // The checkpoint names the model; rebuilding it goes through the registry again.
  Experiment back = Experiment::from_checkpoint(dir / "run/best.safetensors", "-");  // "-": no data
  BOOST_CHECK_EQUAL(back.model_name(), "seq2seq-temperature");
  BOOST_CHECK(dynamic_cast<TemperatureSeq2Seq*>(&back.model()) != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
