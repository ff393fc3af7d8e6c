// `attend attention`: write the attention weights of a trained model for one input as SVG heatmaps
// and JSON.
#pragma once
#include <CLI/CLI.hpp>

namespace attend::cli {

struct AttentionCommand {
  CLI::App* app = nullptr;
};

void add_attention_command(CLI::App& root, AttentionCommand& cmd);
// Runs the command (it was given); returns the exit code.
int run_attention(const AttentionCommand& cmd);

}  // namespace attend::cli
