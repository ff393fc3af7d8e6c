#include "cli/attention_cmd.h"

#include <stdexcept>

namespace attend::cli {

void add_attention_command(CLI::App& root, AttentionCommand& cmd) {
  cmd.app = root.add_subcommand(
      "attention",
      "Write the attention weights of a trained model for one input as SVG heatmaps and JSON");
}

int run_attention(const AttentionCommand&) {
  throw std::runtime_error("attend attention is not implemented yet");
}

}  // namespace attend::cli
