#include "cli/gradflow_cmd.h"

#include <stdexcept>

namespace attend::cli {

void add_gradflow_command(CLI::App& root, GradflowCommand& cmd) {
  cmd.app = root.add_subcommand("gradflow",
                                "Gradient flow over distance on a long-range recall task, for RNN, "
                                "LSTM, GRU and attention encoders");
}

int run_gradflow(const GradflowCommand&) {
  throw std::runtime_error("attend gradflow is not implemented yet");
}

}  // namespace attend::cli
