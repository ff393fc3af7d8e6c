// The --config file (CLI11's TOML/INI) parsed by the attend command line itself
// (cli/command_line.h), as `attend --config FILE train` and `attend --config FILE translate -c CK`.
// A file that parses must leave every option inside the range its validator allows, with
// hyperparameters the chosen model accepts; and the config.toml that `attend train` writes from
// it (what --resume reads back) must parse to the same options.
#include <cstddef>
#include <cstdint>

#include "cli/command_line.h"
#include "fuzz_util.h"
#include "models/registry.h"

using namespace attend;

namespace {

bool in(double v, double lo, double hi) {
  return v >= lo && v <= hi;  // false for NaN
}
bool one_of(const std::string& v, std::initializer_list<const char*> choices) {
  for (const char* c : choices)
    if (v == c) return true;
  return false;
}

// Parses `attend --config PATH ARGS...`; false on a ParseError (a rejected file).
bool parse(cli::CommandLine& cl, const std::string& path, std::vector<std::string> args) {
  args.insert(args.begin(), {"attend", "--config", path});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  try {
    cl.app.parse(static_cast<int>(argv.size()), argv.data());
    return true;
  } catch (const CLI::ParseError&) {
    return false;
  }
}

// min_length 0: the commands that read a checkpoint, whose default 0 means "as trained"; a given
// --max-decode-length is at least 1 everywhere.
void check_decode(const DecodeOptions& d, int64_t eval_batch_size, int64_t min_length) {
  ATTEND_FUZZ_CHECK(in(static_cast<double>(d.beam_size), 1, 1000));
  ATTEND_FUZZ_CHECK(in(d.length_penalty, 0, 10));
  ATTEND_FUZZ_CHECK(in(static_cast<double>(d.max_length), static_cast<double>(min_length), 100000));
  ATTEND_FUZZ_CHECK(in(static_cast<double>(eval_batch_size), 1, 100000));
}

void check_train(const cli::CommandLine& cl) {
  const cli::TrainCommand& c = cl.train;
  const TrainerOptions& o = c.trainer;
  ATTEND_FUZZ_CHECK(in(cl.threads, 1, 256));
  ATTEND_FUZZ_CHECK(in(static_cast<double>(o.epochs), 1, 1e6));
  ATTEND_FUZZ_CHECK(in(static_cast<double>(o.max_steps), 0, 1e9));
  ATTEND_FUZZ_CHECK(c.batch_size == 0 || in(static_cast<double>(c.batch_size), 1, 1e6));
  ATTEND_FUZZ_CHECK(one_of(to_string(o.optimizer), {"adam", "adamw", "sgd"}));
  ATTEND_FUZZ_CHECK(
      one_of(to_string(o.schedule), {"constant", "step", "cosine", "noam", "plateau"}));
  ATTEND_FUZZ_CHECK(one_of(kProgressModes.name(c.progress), {"auto", "bar", "lines", "off"}));
  ATTEND_FUZZ_CHECK(in(o.lr, 0, 100) && in(o.weight_decay, 0, 10) && in(o.momentum, 0, 1));
  ATTEND_FUZZ_CHECK(in(o.gamma, 0, 1) && in(o.clip_norm, 0, 1e9) && in(o.clip_value, 0, 1e9));
  ATTEND_FUZZ_CHECK(in(c.runs, 1, 1000) && in(c.samples, 0, 1000));
  ATTEND_FUZZ_CHECK(in(c.experiment.text_task.label_smoothing, 0, 1));
  ATTEND_FUZZ_CHECK(in(static_cast<double>(c.min_freq), 1, 1e6));
  ATTEND_FUZZ_CHECK(in(static_cast<double>(c.max_vocab), 0, 1e7));
  check_decode(c.experiment.text_task.decode, c.experiment.text_task.eval_batch_size, 1);

  // The model's hyperparameters as run_train passes them to Experiment::create.
  const std::vector<std::string> names = model_names();
  ATTEND_FUZZ_CHECK(std::find(names.begin(), names.end(), c.experiment.model) != names.end());
  std::map<std::string, std::string> overrides;
  for (const HyperparamSpec& s : find_model(c.experiment.model).hyperparams)
    if (c.app->count("--" + s.name)) overrides[s.name] = c.hyperparams.at(s.name);
  try {
    (void)Hyperparams(find_model(c.experiment.model).hyperparams, overrides);
  } catch (const HyperparamError&) {
  }
}

// The same options after a round trip through the config.toml `attend train` writes.
void check_round_trip(const cli::CommandLine& a) {
  const std::string path = fuzz::write_file("written.toml", a.app.config_to_str(false, true));
  cli::CommandLine b;
  ATTEND_FUZZ_CHECK(parse(b, path, {"train"}));
  const cli::TrainCommand &x = a.train, &y = b.train;
  ATTEND_FUZZ_CHECK(x.experiment.model == y.experiment.model);
  ATTEND_FUZZ_CHECK(x.experiment.data == y.experiment.data);
  ATTEND_FUZZ_CHECK(x.experiment.train_file == y.experiment.train_file);
  ATTEND_FUZZ_CHECK(x.out == y.out && x.progress == y.progress);
  ATTEND_FUZZ_CHECK(x.trainer.epochs == y.trainer.epochs && x.trainer.seed == y.trainer.seed);
  ATTEND_FUZZ_CHECK(x.trainer.lr == y.trainer.lr && x.trainer.metric == y.trainer.metric);
  ATTEND_FUZZ_CHECK(x.trainer.optimizer == y.trainer.optimizer &&
                    x.trainer.schedule == y.trainer.schedule);
  ATTEND_FUZZ_CHECK(x.batch_size == y.batch_size && x.lowercase == y.lowercase);
  for (const auto& [name, value] : x.hyperparams)
    if (x.app->count("--" + name)) ATTEND_FUZZ_CHECK(y.hyperparams.at(name) == value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      fuzz::write_file("config.toml", {reinterpret_cast<const char*>(data), size});
  {
    cli::CommandLine cl;
    if (parse(cl, path, {"train"})) {
      check_train(cl);
      check_round_trip(cl);
    }
  }
  {
    static const std::string checkpoint = fuzz::write_file("model.safetensors", "");
    cli::CommandLine cl;
    if (parse(cl, path, {"translate", "-c", checkpoint})) {
      ATTEND_FUZZ_CHECK(*cl.use.translate && in(cl.threads, 1, 256));
      check_decode(cl.use.config.text_task.decode, cl.use.config.text_task.eval_batch_size, 0);
    }
  }
  return 0;
}
