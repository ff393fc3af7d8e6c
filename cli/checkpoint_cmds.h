// Commands that use a trained checkpoint: `attend eval` (metrics on a split), `attend translate`
// and `attend summarize` (text from arguments or standard input), `attend predict` (graphs).
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "trainers/experiment.h"

namespace attend::cli {

struct CheckpointCommands {
  CLI::App *eval = nullptr, *translate = nullptr, *summarize = nullptr, *predict = nullptr;
  std::string checkpoint;
  std::string data;
  std::string split = "test";
  std::vector<std::string> texts;
  std::vector<std::string> nodes;
  std::string output;  // eval: write the decoded split here, one line per example
  ExperimentConfig config;
};

void add_checkpoint_commands(CLI::App& root, CheckpointCommands& cmd);
// Runs whichever of them was given; returns the exit code, or -1 if none was.
int run_checkpoint_command(CheckpointCommands& cmd);

}  // namespace attend::cli
