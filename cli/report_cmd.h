// `attend report`: write one self-contained HTML report of a run directory.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace attend::cli {

struct ReportCommand {
  CLI::App* app = nullptr;
  std::string run_dir;
  std::string out;       // "" = RUN_DIR/report.html
  int64_t examples = 3;  // attention maps of this many validation examples (or GAT nodes)
};

void add_report_command(CLI::App& root, ReportCommand& cmd);
// Runs the command (it was given); returns the exit code.
int run_report(const ReportCommand& cmd);

}  // namespace attend::cli
