// `attend average -o OUT CKPT...` or `attend average -o OUT --last N RUN_DIR`: the mean of the
// weights of several checkpoints of one run, as fairseq's scripts/average_checkpoints.py
// (--inputs ... --num-epoch-checkpoints N).
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace attend::cli {

struct AverageCommand {
  CLI::App* app = nullptr;
  std::vector<std::string> inputs;
  std::string out;
  int64_t last = 0;
};

void add_average_command(CLI::App& root, AverageCommand& cmd);
int run_average(const AverageCommand& cmd);

}  // namespace attend::cli
