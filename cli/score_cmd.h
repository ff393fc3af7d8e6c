// `attend score --hyp FILE --ref FILE [--ref FILE ...]`: BLEU and ROUGE of a file of outputs
// (one per line, as `attend translate` and `summarize` write them) against one or more reference
// files, printed as sacreBLEU's signature lines.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace attend::cli {

struct ScoreCommand {
  CLI::App* app = nullptr;
  std::string hypotheses;
  std::vector<std::string> references;
  std::string metric = "all";
  bool lowercase = false;
  int width = 1;
};

void add_score_command(CLI::App& root, ScoreCommand& cmd);
int run_score(const ScoreCommand& cmd);

}  // namespace attend::cli
