#include "cli/command_line.h"

#include "cli/validators.h"

namespace attend::cli {

CommandLine::CommandLine(const std::string& config_default) {
  app.require_subcommand(1);
  // A repeated option takes its last value, as argparse does (a script's defaults, then the
  // user's override).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--threads", threads, "Threads for OpenBLAS and attend together")
      ->check(CLI::Range(1, 256));
  app.add_flag("--keep-denormals", keep_denormals,
               "Compute with subnormal floats (IEEE gradual underflow) instead of flushing them "
               "to zero, which attend does by default because Intel CPUs are ~100x slower on "
               "them (torch.set_flush_denormal)");
  // Not configurable: a diagnostic of this invocation, so `attend train` does not write it into
  // RUN_DIR/config.toml, and --resume does not profile unasked.
  app.add_flag("--profile", profile,
               "Print time and calls per op (forward and backward) to stderr after the command")
      ->configurable(false);
  // Subcommands (created below, they inherit it) hand options they do not know to the root, so
  // root options also work after the subcommand: `attend train ... --profile`.
  app.fallthrough();

  // Options also come from a TOML/INI file (CLI11's format; `attend train` writes its options
  // as RUN_DIR/config.toml, which --resume reads back).
  app.set_config("--config", config_default, "Read options from a TOML or INI file");
  app.get_config_ptr()->check(CLI::ExistingFile);
  // An entry no option takes is an error, not silently ignored (a misspelt option, or garbage).
  app.allow_config_extras(CLI::config_extras_mode::error);

  add_train_command(app, train);
  add_checkpoint_commands(app, use);
  add_score_command(app, score);
  add_average_command(app, average);
  add_generate_command(app, generate);
  add_transcribe_command(app, transcribe);
  add_attention_command(app, attention);
  add_report_command(app, report);
  add_gradcheck_command(app, gradcheck);
  add_gradflow_command(app, gradflow);
  models = app.add_subcommand("models", "List the registered models and their hyperparameters");

  demo_cmd =
      app.add_subcommand("demo", "Fit a small MLP on generated data and print the falling loss");
  demo_cmd->add_option("--steps", demo.steps, "Training steps")->check(CLI::Range(1, 1000000));
  demo_cmd->add_option("--hidden", demo.hidden, "Hidden units per layer")
      ->check(CLI::Range(1, 4096));
  demo_cmd->add_option("--lr", demo.lr, "Adam learning rate")->check(Range(1e-6, 10.0));
  demo_cmd->add_option("--seed", demo.seed, "Random seed")->check(not_negative());

  CLI::App* datasets = app.add_subcommand("datasets", "List the bundled datasets or describe one");
  datasets->require_subcommand(1);
  datasets_list = datasets->add_subcommand("list", "The bundled datasets and their sizes");
  datasets_show = datasets->add_subcommand(
      "show", "Sizes, vocabulary, length histogram, class balance and samples of a dataset");
  datasets_show
      ->add_option("dataset", dataset.what,
                   "A bundled dataset name, or a TSV/JSONL/CSV/LINQS .content file, a JSONL file "
                   "of graphs, a Cora/Citeseer directory, parallel text (a source file with its "
                   "target file next, a prefix or a directory with --source-lang and "
                   "--target-lang, or a directory of STEM.LANG files); for speech also a "
                   "manifest (path<TAB>transcript), an FSDD folder or an audio file")
      ->required();
  datasets_show->add_option("target", dataset.target,
                            "Parallel text: the target file, line-aligned with the first");
  datasets_show->add_option("--source-lang", dataset.source_lang,
                            "Parallel text: the source files' suffix (data/train.de: de)");
  datasets_show->add_option("--target-lang", dataset.target_lang,
                            "Parallel text: the target files' suffix (data/train.en: en)");
  datasets_show->add_option("--samples", dataset.samples, "Sample rows to print")
      ->check(CLI::Range(0, 1000));

  datasets_split = datasets->add_subcommand(
      "split",
      "Split a TSV of sentence pairs (one file, as Tatoeba ships) into seeded train, valid and "
      "test files for train --train-file/--valid-file/--test-file");
  datasets_split->add_option("file", split.file, "TSV pairs: source TAB target, one a line")
      ->required()
      ->check(CLI::ExistingFile);
  datasets_split->add_option("--out", split.out, "Folder for train.tsv, valid.tsv and test.tsv")
      ->required();
  datasets_split->add_option("--valid", split.valid, "Fraction of the pairs for validation")
      ->check(CLI::Range(0.0, 1.0));
  datasets_split->add_option("--test", split.test, "Fraction of the pairs for test")
      ->check(CLI::Range(0.0, 1.0));
  datasets_split->add_option("--seed", split.seed, "Seed of the permutation that picks them");
  datasets_split->add_flag("--overwrite", split.overwrite, "Replace the three files if they exist");

  version = app.add_subcommand(
      "version",
      "Print version, the OpenBLAS kernels in use and whether audio and subword support are on");
}

}  // namespace attend::cli
