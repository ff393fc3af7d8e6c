#include "cli/gradcheck_cmd.h"

#include <algorithm>
#include <cstdio>

#include "cli/validators.h"
#include "study/gradcheck_table.h"

namespace attend::cli {

void add_gradcheck_command(CLI::App& root, GradcheckCommand& cmd) {
  CLI::App* g = root.add_subcommand(
      "gradcheck",
      "Check every op's and layer's gradient against finite differences and print the worst "
      "errors");
  cmd.app = g;
  g->add_option("names", cmd.names,
                "Checks to run: an exact name, else every name containing it (case-insensitive) "
                "or matching it as a glob (* and ?); default all (see --list)");
  g->add_flag("--list", cmd.list, "Print the check names (with their kind) and exit");
  g->add_option("--eps", cmd.options.eps,
                "Finite-difference step (some layers with LayerNorm over 4 features use 0.3 of it)")
      ->check(Range(1e-6, 0.5))
      ->capture_default_str();
  g->add_option("--atol", cmd.options.atol,
                "Absolute tolerance: an element passes when |analytic - numeric| <= atol + rtol * "
                "|numeric|")
      ->check(Range(1e-12, 1e3))
      ->capture_default_str();
  g->add_option("--rtol", cmd.options.rtol, "Relative tolerance")
      ->check(Range(0.0, 1e3))
      ->capture_default_str();
  g->add_option("--seed", cmd.options.seed,
                "Seed of the random cotangent the outputs are weighted by")
      ->check(not_negative())
      ->capture_default_str();
}

int run_gradcheck(const GradcheckCommand& cmd) {
  const std::vector<const OpInfo*> all = gradcheck_descriptors();
  std::vector<const OpInfo*> chosen;
  if (cmd.names.empty()) chosen = all;
  for (const std::string& name : cmd.names) {
    if (name.empty())
      throw CLI::ValidationError("gradcheck",
                                 "an empty check name; give a name, part of one or a glob (see "
                                 "attend gradcheck --list), or none for every check");
    std::vector<const OpInfo*> found = select_descriptors(all, name);
    if (found.empty()) {
      std::string hint;
      for (const std::string& n : close_descriptor_names(all, name))
        hint += (hint.empty() ? "" : ", ") + n;
      throw CLI::ValidationError("gradcheck",
                                 "no check named '" + name + "'" +
                                     (hint.empty() ? std::string("") : "; close names: " + hint) +
                                     " (attend gradcheck --list prints them all)");
    }
    for (const OpInfo* d : found)
      if (std::find(chosen.begin(), chosen.end(), d) == chosen.end()) chosen.push_back(d);
  }
  if (cmd.list) {
    for (const OpInfo* d : chosen)
      std::printf("%-40s %s\n", d->name, d->kind == OpKind::kLayer ? "layer" : "op");
    return 0;
  }
  const std::vector<GradcheckRow> rows = run_descriptors(chosen, cmd.options);
  std::fputs(format_gradcheck_table(rows).c_str(), stdout);
  std::printf("%s\n", gradcheck_summary(rows).c_str());
  for (const auto& r : rows)
    if (!r.result.ok) return 1;
  return 0;
}

}  // namespace attend::cli
