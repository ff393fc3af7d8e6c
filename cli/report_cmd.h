// `attend report`: write one self-contained HTML report of a run directory.
#pragma once
#include <CLI/CLI.hpp>

namespace attend::cli {

struct ReportCommand {
  CLI::App* app = nullptr;
};

void add_report_command(CLI::App& root, ReportCommand& cmd);
// Runs the command (it was given); returns the exit code.
int run_report(const ReportCommand& cmd);

}  // namespace attend::cli
