// The attend command line. Subcommands only parse options, call into the library, and print.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "autograd/threading.h"
#include "cli/checkpoint_cmds.h"
#include "cli/datasets_cmd.h"
#include "cli/demo.h"
#include "cli/models_cmd.h"
#include "cli/parse_errors.h"
#include "cli/train_cmd.h"
#include "cli/validators.h"
#include "datasets/data_error.h"
#include "models/hyperparams.h"
#include "trainers/checkpoint.h"

int main(int argc, char** argv) {
  CLI::App app{"attend: train attention models on a CPU with a from-scratch autodiff engine"};
  app.require_subcommand(1);
  // A repeated option takes its last value, as argparse does (a script's defaults, then the
  // user's override).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  int threads = 1;
  app.add_option("--threads", threads, "Threads for OpenBLAS and attend together")
      ->check(CLI::Range(1, 256));

  // Options also come from a TOML/INI file (CLI11's format; `attend train` writes its options
  // as RUN_DIR/config.toml, which --resume reads back).
  app.set_config("--config", attend::cli::resume_config_path(argc, argv),
                 "Read options from a TOML or INI file");
  app.get_config_ptr()->check(CLI::ExistingFile);
  // An entry no option takes is an error, not silently ignored (a misspelt option, or garbage).
  app.allow_config_extras(CLI::config_extras_mode::error);

  attend::cli::TrainCommand train;
  attend::cli::add_train_command(app, train);
  attend::cli::CheckpointCommands use;
  attend::cli::add_checkpoint_commands(app, use);
  CLI::App* models_cmd =
      app.add_subcommand("models", "List the registered models and their hyperparameters");

  attend::cli::DemoOptions demo;
  CLI::App* demo_cmd =
      app.add_subcommand("demo", "Fit a small MLP on generated data and print the falling loss");
  demo_cmd->add_option("--steps", demo.steps, "Training steps")->check(CLI::Range(1, 1000000));
  demo_cmd->add_option("--hidden", demo.hidden, "Hidden units per layer")
      ->check(CLI::Range(1, 4096));
  demo_cmd->add_option("--lr", demo.lr, "Adam learning rate")
      ->check(attend::cli::Range(1e-6, 10.0));
  demo_cmd->add_option("--seed", demo.seed, "Random seed")->check(attend::cli::not_negative());

  CLI::App* datasets_cmd =
      app.add_subcommand("datasets", "List the bundled datasets or describe one");
  datasets_cmd->require_subcommand(1);
  CLI::App* ds_list = datasets_cmd->add_subcommand("list", "The bundled datasets and their sizes");
  CLI::App* ds_show = datasets_cmd->add_subcommand(
      "show", "Sizes, vocabulary, length histogram, class balance and samples of a dataset");
  std::string ds_name;
  int ds_samples = 3;
  ds_show
      ->add_option("dataset", ds_name,
                   "A bundled dataset name, or a TSV/JSONL/CSV/LINQS .content file")
      ->required();
  ds_show->add_option("--samples", ds_samples, "Sample rows to print")->check(CLI::Range(0, 1000));

  CLI::App* version_cmd =
      app.add_subcommand("version", "Print version and the OpenBLAS kernels in use");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print and succeed; a bad command line is one line and exit code 2
    // (CLI11's own report adds a second line pointing at --help).
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "error: %s\n", attend::cli::parse_error_message(app, e).c_str());
    return 2;
  }
  try {
    attend::set_num_threads(threads);
    if (*train.app) return attend::cli::run_train(train, app);
    if (int rc = attend::cli::run_checkpoint_command(use); rc >= 0) return rc;
    if (*models_cmd) {
      attend::cli::list_models();
      return 0;
    }
    if (*demo_cmd) return attend::cli::run_demo(demo) > 0.9 ? 0 : 1;
    if (*ds_list) {
      attend::cli::list_datasets();
      return 0;
    }
    if (*ds_show) {
      attend::cli::show_dataset(ds_name, ds_samples);
      return 0;
    }
    if (*version_cmd) {
      std::printf("attend 0.1.0 (OpenBLAS core: %s, threads: %d)\n",
                  attend::blas_core_name().c_str(), attend::num_threads());
      return 0;
    }
  } catch (const std::exception& e) {
    // Bad input — options only the command could check (a run directory that exists, ...), data
    // files, checkpoints, hyperparameters — exits 2 like a bad command line; anything else 1.
    const bool bad_input = dynamic_cast<const CLI::ParseError*>(&e) ||
                           dynamic_cast<const attend::DataError*>(&e) ||
                           dynamic_cast<const attend::CheckpointError*>(&e) ||
                           dynamic_cast<const attend::HyperparamError*>(&e);
    std::fprintf(stderr, "error: %s\n", e.what());
    return bad_input ? 2 : 1;
  }
  return 0;
}
