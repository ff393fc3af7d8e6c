// `attend attention`: write the attention weights of a trained model for one input as SVG heatmaps
// and JSON.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

namespace attend::cli {

struct AttentionCommand {
  CLI::App* app = nullptr;
  std::string checkpoint;
  std::string input;  // text models
  std::string node;   // GAT node classifier: a node id of the data, or a 0-based index
  std::string out;    // default: attention-<checkpoint stem>
  bool overwrite = false;
};

void add_attention_command(CLI::App& root, AttentionCommand& cmd);
// Runs the command (it was given); returns the exit code.
int run_attention(const AttentionCommand& cmd);

}  // namespace attend::cli
