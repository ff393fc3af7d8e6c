// One-line messages for the CLI11 parse errors that do not name what is at fault: an unknown
// command ("A subcommand is required") and a config-file entry that no option takes ("INI was not
// able to parse train.epoch").
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "datasets/data_error.h"
#include "datasets/utf8.h"
#include "trainers/distributed/communicator.h"

namespace attend::cli {

inline std::string parse_error_message(const CLI::App& root, const CLI::ParseError& e) {
  const std::string what = e.what();
  if (dynamic_cast<const CLI::RequiredError*>(&e) &&
      what.rfind("A subcommand is required", 0) == 0) {
    // The deepest command given, and the word after it that names no command of its own (CLI11
    // leaves that word among the remaining arguments).
    const CLI::App* app = &root;
    for (bool deeper = true; deeper;) {
      deeper = false;
      for (const CLI::App* sub : app->get_subcommands())
        if (!sub->get_name().empty()) {
          app = sub;
          deeper = true;
          break;
        }
    }
    std::string names;
    for (const CLI::App* sub :
         app->get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); }))
      names += (names.empty() ? "" : ", ") + sub->get_name();
    const std::vector<std::string> rest = root.remaining(true);
    const std::string where = app == &root ? "" : app->get_name() + ": ";
    if (rest.empty()) return where + "a command is required (one of " + names + ")";
    return where + "unknown command " + quote_excerpt(rest.front()) + " (one of " + names + ")";
  }
  if (dynamic_cast<const CLI::ConfigError*>(&e)) {
    const CLI::Option* config = root.get_config_ptr();
    const std::string file = config ? config->as<std::string>() : "";
    static const std::string extra = "INI was not able to parse ";
    if (what.rfind(extra, 0) != 0) return "--config " + file + ": " + what;
    const std::string item = what.substr(extra.size());
    if (utf8::find_invalid(item) != utf8::npos)
      return "--config " + file + ": not a TOML or INI file (not even UTF-8 text)";
    if (item.ends_with(".++"))  // CLI11's mark for the start of a [section]
      return "--config " + file + ": no command takes a section [" +
             item.substr(0, item.size() - 3) + "]";
    return "--config " + file + ": no option takes " + quote_excerpt(item) +
           " (misspelt, or an option of another command?)";
  }
  return what;
}

// Bad input — a bad command line, options only the command could check (a run directory in use,
// ...), data files, checkpoints, hyperparameters — exits 2; anything else 1.
inline int exit_code_for(const std::exception& e) {
  return dynamic_cast<const CLI::ParseError*>(&e) ? 2 : attend::exit_code_for(e);
}

}  // namespace attend::cli
