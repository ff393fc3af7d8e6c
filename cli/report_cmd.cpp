#include "cli/report_cmd.h"

#include <cstdio>
#include <filesystem>

#include "study/report.h"

namespace attend::cli {

void add_report_command(CLI::App& root, ReportCommand& cmd) {
  cmd.app =
      root.add_subcommand("report", "Write one self-contained HTML report of a run directory");
  cmd.app
      ->add_option("run_dir", cmd.run_dir,
                   "Run directory of attend train (its metrics.jsonl, config and checkpoints)")
      ->required();
  cmd.app->add_option("--out", cmd.out, "HTML file to write (default RUN_DIR/report.html)");
  cmd.app
      ->add_option("--examples", cmd.examples,
                   "Attention maps of this many validation examples (GAT: nodes); 0 = none")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
}

int run_report(const ReportCommand& cmd) {
  if (cmd.app->count("--out")) {
    namespace fs = std::filesystem;
    if (cmd.out.empty()) throw CLI::ValidationError("--out", "empty path; give an HTML file");
    std::error_code ec;
    if (fs::is_directory(cmd.out, ec))
      throw CLI::ValidationError("--out", cmd.out + " is a directory; give an HTML file");
    const fs::path parent = fs::absolute(cmd.out).parent_path();
    if (!fs::is_directory(parent, ec))
      throw CLI::ValidationError("--out", "cannot write " + cmd.out + ": " + parent.string() +
                                              " is not an existing directory");
  }
  study::ReportOptions o;
  o.run_dir = cmd.run_dir;
  o.out = cmd.out;
  o.examples = cmd.examples;
  const std::string path = study::write_report(o);
  std::printf("wrote %s\n", path.c_str());
  return 0;
}

}  // namespace attend::cli
