// `attend train`: train a registered model on a bundled dataset or data files, writing a run
// directory (config, metrics log, checkpoints), then score the best weights on the test split.
#pragma once
#include <CLI/CLI.hpp>
#include <map>
#include <string>

#include "trainers/experiment.h"
#include "trainers/trainer.h"

namespace attend::cli {

struct TrainCommand {
  CLI::App* app = nullptr;
  ExperimentConfig experiment;
  TrainerOptions trainer;
  std::map<std::string, std::string> hyperparams;  // every model's hyperparameters by name
  std::string out;
  bool overwrite = false;
  std::string replace_out;  // --overwrite: removed by the first run once its options are checked
  ProgressOptions::Mode progress = ProgressOptions::Mode::kAuto;
  int samples = 5;
  int runs = 1;
  int64_t batch_size = 0;  // 0 = the task's default
  int64_t min_freq = 1, max_vocab = 0;
  bool lowercase = false;
  double collective_timeout = 300;  // seconds (data-parallel runs under mpirun)
  bool keep_html_entities = false;
  // Parallel text named as fairseq-preprocess names it: PREFIX.LANG for each split.
  std::string train_pref, valid_pref, test_pref, source_lang, target_lang;
  std::string spec_augment = "none";     // a SpecAugment policy name
  std::string normalization = "global";  // feature normalisation: global, utterance or none
  std::string held_out_speaker;
};

// Registers `train` and its options on the root app.
void add_train_command(CLI::App& root, TrainCommand& cmd);
// Runs it; returns the exit code. Started by mpirun (trainers/distributed/communicator.h), every
// rank runs it: rank 0 alone holds the run directory, writes and prints.
int run_train(TrainCommand& cmd, const CLI::App& root);

// Options that several commands share (decoding).
void add_decode_options(CLI::App& app, DecodeOptions& decode, int64_t& eval_batch_size);
// With --resume: RUN_DIR/config.toml from the command line's --out, to load as the config file
// (so a resumed run has the options it started with); "" otherwise.
std::string resume_config_path(int argc, char** argv);

}  // namespace attend::cli
