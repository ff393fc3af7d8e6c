#include "cli/gradcheck_cmd.h"

#include <stdexcept>

namespace attend::cli {

void add_gradcheck_command(CLI::App& root, GradcheckCommand& cmd) {
  cmd.app = root.add_subcommand("gradcheck",
                                "Check every op's and layer's gradient against finite differences "
                                "and print the worst errors");
}

int run_gradcheck(const GradcheckCommand&) {
  throw std::runtime_error("attend gradcheck is not implemented yet");
}

}  // namespace attend::cli
