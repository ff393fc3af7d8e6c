// `attend gradcheck`: check every op's and layer's gradient against finite differences and print
// the worst errors.
#pragma once
#include <CLI/CLI.hpp>

namespace attend::cli {

struct GradcheckCommand {
  CLI::App* app = nullptr;
};

void add_gradcheck_command(CLI::App& root, GradcheckCommand& cmd);
// Runs the command (it was given); returns the exit code.
int run_gradcheck(const GradcheckCommand& cmd);

}  // namespace attend::cli
