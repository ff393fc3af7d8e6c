// `attend gradflow`: gradient flow over distance on a long-range recall task, for RNN, LSTM, GRU
// and attention encoders.
#pragma once
#include <CLI/CLI.hpp>

namespace attend::cli {

struct GradflowCommand {
  CLI::App* app = nullptr;
};

void add_gradflow_command(CLI::App& root, GradflowCommand& cmd);
// Runs the command (it was given); returns the exit code.
int run_gradflow(const GradflowCommand& cmd);

}  // namespace attend::cli
