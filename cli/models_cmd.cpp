#include "cli/models_cmd.h"

#include <cstdio>

#include "models/registry.h"

namespace attend::cli {

void list_models() {
  for (const ModelEntry& m : registered_models()) {
    std::printf("%-12s %s (%s)\n", m.name.c_str(), m.description.c_str(), task_kind_name(m.task));
    for (const HyperparamSpec& s : m.hyperparams) {
      std::string values = s.default_value;
      if (!s.choices.empty()) {
        values += "; one of";
        for (const auto& c : s.choices) values += " " + c;
      }
      std::printf("  --%-18s %s [%s]\n", s.name.c_str(), s.help.c_str(), values.c_str());
    }
  }
}

}  // namespace attend::cli
