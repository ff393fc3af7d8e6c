// The whole attend command line as one CLI11 app: the root options, the --config file, every
// subcommand, and the values they parse into. main.cpp parses argv with it and runs what was
// asked; fuzz/fuzz_config.cpp parses config files through the very same app.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "cli/attention_cmd.h"
#include "cli/average_cmd.h"
#include "cli/checkpoint_cmds.h"
#include "cli/datasets_cmd.h"
#include "cli/demo.h"
#include "cli/generate_cmd.h"
#include "cli/gradcheck_cmd.h"
#include "cli/gradflow_cmd.h"
#include "cli/report_cmd.h"
#include "cli/score_cmd.h"
#include "cli/train_cmd.h"
#include "cli/transcribe_cmd.h"

namespace attend::cli {

struct CommandLine {
  // config_default: the file --config reads when the command line gives none
  // (resume_config_path's result; "" = none).
  explicit CommandLine(const std::string& config_default = "");
  // The app holds pointers into this object.
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  CLI::App app{"attend: train attention models on a CPU with a from-scratch autodiff engine"};
  int threads = 1;
  // --keep-denormals: IEEE gradual underflow instead of flushing subnormal floats to zero.
  bool keep_denormals = false;
  bool profile = false;  // --profile: print the op profiler's table to stderr after the command
  TrainCommand train;
  CheckpointCommands use;
  ScoreCommand score;
  AverageCommand average;
  GenerateCommand generate;
  TranscribeCommand transcribe;
  // Study tools.
  AttentionCommand attention;
  ReportCommand report;
  GradcheckCommand gradcheck;
  GradflowCommand gradflow;
  CLI::App* models = nullptr;
  DemoOptions demo;
  CLI::App* demo_cmd = nullptr;
  CLI::App *datasets_list = nullptr, *datasets_show = nullptr, *datasets_split = nullptr;
  ShowDataset dataset;
  SplitDataset split;
  CLI::App* version = nullptr;
};

}  // namespace attend::cli
