// The model registry: a name -> how to build the model and which hyperparameters it has. The CLI
// trains any registered model; a user's own model becomes trainable with one register_model call
// before the command line is parsed (docs/extending.md).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/random.h"
#include "layers/module.h"
#include "models/hyperparams.h"

namespace attend {

enum class TaskKind {
  kSequence,             // text -> text (SequenceModel): translation, summarization
  kNodeClassification,   // one graph, a label per node (NodeClassifier)
  kGraphClassification,  // a label per graph (GraphClassifier)
  kLanguageModel,        // the next token of a text stream (LanguageModel)
  kSpeech,               // audio -> characters (SequenceModel over feature frames)
};
const char* task_kind_name(TaskKind kind);

// What the data fixes about a model: vocabulary sizes or feature and class counts.
struct ModelDims {
  int64_t source_vocab = 0, target_vocab = 0;  // kSequence; kLanguageModel: target_vocab
  int64_t num_features = 0, num_classes = 0;   // graph tasks; kSpeech: feature bins (and
                                               // target_vocab: characters)
  // kSequence: source and target ids name the same tokens (one vocabulary for both sides), so a
  // model may share its source and target embeddings.
  bool joint_vocabulary = false;
};

struct ModelEntry {
  std::string name;
  std::string description;  // one line, for `attend train --help` and `attend models`
  TaskKind task = TaskKind::kSequence;
  std::vector<HyperparamSpec> hyperparams;
  // init: parameter initialisation; dropout: the generator dropout masks draw from (the trainer
  // keeps it so a resumed run continues the same stream).
  std::function<std::shared_ptr<Module>(const Hyperparams&, const ModelDims&, Generator& init,
                                        std::shared_ptr<Generator> dropout)>
      create;
};

void register_model(ModelEntry entry);  // throws std::invalid_argument if the name is taken
// The entry for name; throws HyperparamError listing the known names if there is none.
const ModelEntry& find_model(const std::string& name);
std::vector<std::string> model_names();
const std::vector<ModelEntry>& registered_models();

// Builds a registered model: hyperparameters from overrides over the entry's defaults.
std::shared_ptr<Module> create_model(const std::string& name, const Hyperparams& params,
                                     const ModelDims& dims, Generator& init,
                                     std::shared_ptr<Generator> dropout);

// The built-in models' entries, each defined beside its model.
ModelEntry seq2seq_model_entry();
ModelEntry transformer_model_entry();
ModelEntry gat_node_model_entry();
ModelEntry gat_graph_model_entry();
ModelEntry gpt_model_entry();
ModelEntry las_model_entry();

}  // namespace attend
