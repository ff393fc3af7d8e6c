#include "cli/report_cmd.h"

#include <stdexcept>

namespace attend::cli {

void add_report_command(CLI::App& root, ReportCommand& cmd) {
  cmd.app =
      root.add_subcommand("report", "Write one self-contained HTML report of a run directory");
}

int run_report(const ReportCommand&) {
  throw std::runtime_error("attend report is not implemented yet");
}

}  // namespace attend::cli
