#include "models/registry.h"

#include <stdexcept>

namespace attend {
namespace {

// Built on first use (not by static initialisers, which a static library's linker may drop).
std::vector<ModelEntry>& entries() {
  static std::vector<ModelEntry> all = {seq2seq_model_entry(),  transformer_model_entry(),
                                        gat_node_model_entry(), gat_graph_model_entry(),
                                        gpt_model_entry(),      las_model_entry()};
  return all;
}

}  // namespace

const char* task_kind_name(TaskKind kind) {
  switch (kind) {
    case TaskKind::kSequence:
      return "sequence";
    case TaskKind::kNodeClassification:
      return "node-classification";
    case TaskKind::kGraphClassification:
      return "graph-classification";
    case TaskKind::kLanguageModel:
      return "language-model";
    case TaskKind::kSpeech:
      return "speech";
  }
  return "?";
}

void register_model(ModelEntry entry) {
  for (const auto& e : entries())
    if (e.name == entry.name)
      throw std::invalid_argument("register_model: a model named '" + entry.name +
                                  "' is already registered");
  entries().push_back(std::move(entry));
}

const std::vector<ModelEntry>& registered_models() {
  return entries();
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& e : entries()) names.push_back(e.name);
  return names;
}

const ModelEntry& find_model(const std::string& name) {
  for (const auto& e : entries())
    if (e.name == name) return e;
  std::string known;
  for (const auto& e : entries()) known += (known.empty() ? "" : ", ") + e.name;
  throw HyperparamError("unknown model '" + name + "' (known: " + known + ")");
}

std::shared_ptr<Module> create_model(const std::string& name, const Hyperparams& params,
                                     const ModelDims& dims, Generator& init,
                                     std::shared_ptr<Generator> dropout) {
  return find_model(name).create(params, dims, init, std::move(dropout));
}

}  // namespace attend
