// `attend gradflow`: gradient flow over distance on a long-range recall task, for RNN, LSTM, GRU
// and attention encoders.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "trainers/progress.h"

namespace attend::cli {

struct GradflowCommand {
  CLI::App* app = nullptr;
  std::vector<int64_t> lengths = {5, 10, 20, 50};
  std::vector<std::string> encoders = {"rnn", "lstm", "gru", "attention"};
  int64_t hidden = 32;
  int64_t steps = 600;
  int64_t batch_size = 32;
  uint64_t seed = 1;
  std::string out = "gradflow-out";
  bool overwrite = false;
  ProgressOptions::Mode progress = ProgressOptions::Mode::kAuto;
};

void add_gradflow_command(CLI::App& root, GradflowCommand& cmd);
// Runs the command (it was given); returns the exit code.
int run_gradflow(const GradflowCommand& cmd);

}  // namespace attend::cli
