// `attend gradcheck [NAME...]`: check every op's and layer's gradient against finite differences
// (their descriptors' samples, study/gradcheck_table.h) and print the checks sorted by their worst
// error.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"

namespace attend::cli {

struct GradcheckCommand {
  CLI::App* app = nullptr;
  std::vector<std::string> names;  // empty: every descriptor
  bool list = false;
  GradcheckOptions options;
};

void add_gradcheck_command(CLI::App& root, GradcheckCommand& cmd);
// Runs the command (it was given); returns the exit code: 0 when every check passed, 1 otherwise.
// An unknown NAME throws CLI::ValidationError (exit code 2) naming the closest names.
int run_gradcheck(const GradcheckCommand& cmd);

}  // namespace attend::cli
