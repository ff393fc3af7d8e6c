// `attend generate`: sample text from a trained language model (gpt), streaming each token to
// standard output as it is drawn, as nanoGPT's sample.py.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "trainers/tasks/sampling.h"

namespace attend::cli {

struct GenerateCommand {
  CLI::App* app = nullptr;
  std::string checkpoint;
  std::string prompt = "\n";
  SampleOptions sample;
  uint64_t seed = 1337;
  bool no_cache = false;
};

void add_generate_command(CLI::App& root, GenerateCommand& cmd);
int run_generate_text(GenerateCommand& cmd);

}  // namespace attend::cli
