#include "trainers/experiment.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "autograd/allocator.h"
#include "datasets/bundled_graphs.h"
#include "datasets/data_error.h"
#include "datasets/load_citation.h"
#include "datasets/load_doc_summary.h"
#include "datasets/load_text_pairs.h"
#include "trainers/checkpoint.h"
#include "trainers/text_checkpoint.h"

namespace attend {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

std::vector<TextPair> load_pairs(const std::string& path) {
  const std::string p =
      path.size() > 3 && path.ends_with(".gz") ? path.substr(0, path.size() - 3) : path;
  if (p.ends_with(".tsv")) return load_tsv_pairs(path);
  return load_doc_summary(path);
}

bool has_pair_files(const ExperimentConfig& c) {
  return !c.train_file.empty() || !c.valid_file.empty() || !c.test_file.empty();
}
bool has_parallel_files(const ExperimentConfig& c) {
  for (const std::string* f : {&c.train_source, &c.train_target, &c.valid_source, &c.valid_target,
                               &c.test_source, &c.test_target})
    if (!f->empty()) return true;
  return false;
}

TextSplits load_text(const ExperimentConfig& c) {
  if (has_pair_files(c) && has_parallel_files(c))
    throw DataError(
        "text data is either files of pairs (--train-file ...) or parallel text (--train-src "
        "...), not both");
  if (has_parallel_files(c)) {
    for (const std::string* f : {&c.train_source, &c.train_target, &c.valid_source, &c.valid_target,
                                 &c.test_source, &c.test_target})
      if (f->empty())
        throw DataError(
            "parallel text needs a source and a target file for each of the training, "
            "validation and test splits (--train-src/--train-tgt, --valid-src/--valid-tgt, "
            "--test-src/--test-tgt, or --train-pref/--valid-pref/--test-pref with "
            "--source-lang and --target-lang)");
    return {load_parallel_text(c.train_source, c.train_target),
            load_parallel_text(c.valid_source, c.valid_target),
            load_parallel_text(c.test_source, c.test_target)};
  }
  if (!has_pair_files(c)) return load_bundled_text(c.data);
  if (c.train_file.empty() || c.valid_file.empty() || c.test_file.empty())
    throw DataError(
        "text data from files needs all three of --train-file, --valid-file and "
        "--test-file");
  return {load_pairs(c.train_file), load_pairs(c.valid_file), load_pairs(c.test_file)};
}

std::string text_data_name(const ExperimentConfig& c) {
  if (!c.train_file.empty()) return c.train_file;
  return c.train_source.empty() ? c.data : c.train_source;
}

// The data files of c as absolute paths (so eval from another directory finds them): 3 files of
// pairs or 6 of parallel text; none for a bundled dataset.
std::vector<std::string> data_files(const ExperimentConfig& c) {
  std::vector<std::string> files;
  if (has_parallel_files(c))
    files = {c.train_source, c.train_target, c.valid_source,
             c.valid_target, c.test_source,  c.test_target};
  else if (has_pair_files(c))
    files = {c.train_file, c.valid_file, c.test_file};
  for (std::string& f : files)
    if (!f.empty()) f = fs::absolute(f).lexically_normal().string();
  return files;
}

// The bundled graph-classification set; the other bundled graphs are for node classification.
// (The loaders' own messages for the wrong kind name the library function to call instead.)
constexpr const char* kBundledGraphSet = "toy-motifs";

GraphData load_node_graph(const std::string& data) {
  if (data == kBundledGraphSet)
    throw DataError(data, 0,
                    "a graph-classification set (for gat-graph); node classification needs "
                    "karate, toy-citation or a Cora/Citeseer directory");
  if (contains(bundled_graph_names(), data)) return load_bundled_graph(data);
  if (is_citation_directory(data)) return load_citation_directory(data);
  throw DataError(data, 0,
                  "not a bundled graph and not a Cora/Citeseer directory (with linqs/ or "
                  "planetoid_txt/)");
}

// Data tokenised with another language's or dataset's vocabulary is mostly <unk>: a clear error
// beats a BLEU of zero.
void check_vocabulary_coverage(const TextData& d, const std::string& data, const std::string& path,
                               const std::string& trained_on) {
  for (const TextSplitData* s : {&d.valid, &d.test, &d.train}) {
    int64_t total = 0, unknown = 0;
    for (const auto& p : s->pairs)
      for (int64_t id : p.source) {
        ++total;
        unknown += id == Vocab::kUnk;
      }
    if (total == 0) continue;
    if (2 * unknown > total)
      throw DataError(data, 0,
                      "vocabulary mismatch: " + std::to_string(100 * unknown / total) +
                          "% of its source tokens are unknown to the vocabulary of " + path +
                          " (trained on " + trained_on + ")");
    return;
  }
}

// Graph data given to a checkpoint must have the features and classes it was trained with.
void check_graph_dims(int64_t features, int64_t classes, const ModelDims& dims,
                      const std::string& data, const std::string& path) {
  if (features != dims.num_features || classes != dims.num_classes)
    throw DataError(data, 0,
                    "has " + std::to_string(features) + " features and " + std::to_string(classes) +
                        " classes; the checkpoint " + path + " expects " +
                        std::to_string(dims.num_features) + " and " +
                        std::to_string(dims.num_classes));
}

// A bundled graph-classification set by name, or a JSONL file of graphs.
GraphClassificationDataset load_graph_set(const std::string& data) {
  if (data == kBundledGraphSet) return load_bundled_graph_set(data);
  if (contains(bundled_graph_names(), data))
    throw DataError(data, 0,
                    std::string("a node-classification graph (for gat); graph classification "
                                "needs ") +
                        kBundledGraphSet + " or a JSONL file of graphs");
  if (!fs::is_regular_file(data))
    throw DataError(data, 0, "not a bundled graph set and not a JSONL file of graphs");
  return load_graph_set_jsonl(data);
}

// The model as the interface its registry entry's task promises (a wrong entry is a bug).
template <class Interface>
std::shared_ptr<Interface> as_interface(const std::shared_ptr<Module>& model,
                                        const std::string& name, const char* interface) {
  auto typed = std::dynamic_pointer_cast<Interface>(model);
  if (!typed) throw std::logic_error("model '" + name + "' is not a " + interface);
  return typed;
}

CheckpointError bad_checkpoint(const std::string& path, const std::string& what) {
  return CheckpointError(path + ": " + what);
}

// The model's size comes from the config and is only compared with the weights once it is built,
// so building it is bounded by what the file holds: every dimension is one of a weight's, so at
// most their number of values.
void check_dims_fit(const ModelDims& dims, int64_t values, const std::string& path) {
  for (const auto& [name, dim] : {std::pair{"source_vocab", dims.source_vocab},
                                  {"target_vocab", dims.target_vocab},
                                  {"num_features", dims.num_features},
                                  {"num_classes", dims.num_classes}})
    if (dim < 0 || dim > values)
      throw bad_checkpoint(path, std::string("model config has ") + name + " " +
                                     std::to_string(dim) + ", impossible with the " +
                                     std::to_string(values) + " weight values it holds");
}

// The source and target vocabularies a text checkpoint carries ("vocab"), of the model's sizes.
std::pair<Vocab, Vocab> checkpoint_vocabularies(const std::string& path,
                                                const std::map<std::string, std::string>& metadata,
                                                const ModelDims& dims) {
  auto vocab_it = metadata.find(kVocabKey);
  if (vocab_it == metadata.end()) throw bad_checkpoint(path, "no vocabularies in its metadata");
  Vocab sv, tv;
  try {
    json v = json::parse(vocab_it->second);
    sv = Vocab::from_json(v.at("source").dump());
    tv = Vocab::from_json(v.at("target").dump());
  } catch (const std::exception& ex) {
    throw bad_checkpoint(path, std::string("vocabularies are malformed: ") + ex.what());
  }
  if (sv.size() != dims.source_vocab || tv.size() != dims.target_vocab)
    throw bad_checkpoint(path, "vocabulary sizes " + std::to_string(sv.size()) + "/" +
                                   std::to_string(tv.size()) + " do not match the model's " +
                                   std::to_string(dims.source_vocab) + "/" +
                                   std::to_string(dims.target_vocab));
  return {std::move(sv), std::move(tv)};
}

}  // namespace

Experiment Experiment::create(const ExperimentConfig& c) {
  Experiment e;
  const ModelEntry& entry = find_model(c.model);
  e.kind_ = entry.task;
  e.model_name_ = c.model;
  e.hyperparams_ = Hyperparams(entry.hyperparams, c.hyperparams);
  e.dropout_ = std::make_shared<Generator>(c.seed ^ 0x5DEECE66Dull);
  Generator init(c.seed);
  switch (e.kind_) {
    case TaskKind::kSequence:
      e.create_text(c, entry, init);
      break;
    case TaskKind::kNodeClassification:
      e.create_node_classification(c, entry, init);
      break;
    case TaskKind::kGraphClassification:
      e.create_graph_classification(c, entry, init);
      break;
    case TaskKind::kLanguageModel:
      e.create_language_model(c, entry, init);
      break;
    case TaskKind::kSpeech:
      e.create_speech(c, entry, init);
      break;
  }
  return e;
}

void Experiment::create_text(const ExperimentConfig& c, const ModelEntry& entry, Generator& init) {
  data_name_ = text_data_name(c);
  data_files_ = data_files(c);
  max_source_len_ = c.text_task.collate.max_source_len;
  trained_decode_length_ = c.text_task.decode.max_length;
  text_score_ = c.text_task.score;
  text_options_ = c.text;
  auto data = std::make_shared<TextData>(prepare_text_data(load_text(c), c.text));
  dims_.source_vocab = data->source_vocab.size();
  dims_.target_vocab = data->target_vocab.size();
  dims_.joint_vocabulary = data->source_vocab.tokens() == data->target_vocab.tokens();
  model_ = entry.create(hyperparams_, dims_, init, dropout_);
  attach_text(data, c.text_task);
  data_summary_ = std::to_string(data->train.pairs.size()) + "/" +
                  std::to_string(data->valid.pairs.size()) + "/" +
                  std::to_string(data->test.pairs.size()) + " pairs, vocabularies " +
                  std::to_string(dims_.source_vocab) + " -> " + std::to_string(dims_.target_vocab);
}

void Experiment::create_node_classification(const ExperimentConfig& c, const ModelEntry& entry,
                                            Generator& init) {
  data_name_ = c.data;
  GraphData g = load_node_graph(c.data);
  dims_.num_features = g.num_features();
  dims_.num_classes = g.num_classes();
  data_summary_ = std::to_string(g.num_nodes()) + " nodes, " + std::to_string(g.num_edges()) +
                  " edges, " + std::to_string(g.num_features()) + " features, " +
                  std::to_string(g.num_classes()) + " classes";
  model_ = entry.create(hyperparams_, dims_, init, dropout_);
  attach_node_classification(std::move(g), c.node_task);
}

void Experiment::create_graph_classification(const ExperimentConfig& c, const ModelEntry& entry,
                                             Generator& init) {
  data_name_ = c.data;
  GraphClassificationDataset d = load_graph_set(c.data);
  dims_.num_features = d.num_features();
  dims_.num_classes = d.num_classes();
  data_summary_ = std::to_string(d.graphs.size()) + " graphs, " + std::to_string(d.num_features()) +
                  " features, " + std::to_string(d.num_classes()) + " classes";
  model_ = entry.create(hyperparams_, dims_, init, dropout_);
  attach_graph_classification(std::move(d), c.graph_task);
}

// The model's context is the window length, so the hyperparameters are read before the data.
void Experiment::create_language_model(const ExperimentConfig& c, const ModelEntry& entry,
                                       Generator& init) {
  auto data =
      std::make_shared<LMCorpus>(load_lm_corpus(c.data, hyperparams_.get_int("context") + 1));
  // A corpus name stays a name; a path is stored absolute, so eval from elsewhere finds it.
  data_name_ = data->source == c.data ? fs::absolute(c.data).lexically_normal().string() : c.data;
  char_vocab_ = std::make_shared<CharVocab>(data->vocab);
  dims_.target_vocab = dims_.source_vocab = data->vocab.size();
  model_ = entry.create(hyperparams_, dims_, init, dropout_);
  data_summary_ = std::to_string(data->train.size()) + "/" + std::to_string(data->valid.size()) +
                  " characters (90/10), vocabulary " + std::to_string(dims_.target_vocab);
  attach_language_model(data, c.lm_task);
}

void Experiment::attach_language_model(std::shared_ptr<const LMCorpus> data,
                                       const LMTaskOptions& options) {
  task_ = std::make_unique<LanguageModelTask>(
      as_interface<LanguageModel>(model_, model_name_, "LanguageModel"), std::move(data), options);
}

void Experiment::attach_text(std::shared_ptr<const TextData> data, const TextTaskOptions& options) {
  text_data_ = data;
  task_ = std::make_unique<TextTask>(
      as_interface<SequenceModel>(model_, model_name_, "SequenceModel"), std::move(data), options);
}

void Experiment::attach_node_classification(GraphData graph, const NodeTaskOptions& options) {
  task_ = std::make_unique<NodeClassificationTask>(
      as_interface<NodeClassifier>(model_, model_name_, "NodeClassifier"), std::move(graph),
      options);
}

void Experiment::attach_graph_classification(GraphClassificationDataset data,
                                             const GraphTaskOptions& options) {
  task_ = std::make_unique<GraphClassificationTask>(
      as_interface<GraphClassifier>(model_, model_name_, "GraphClassifier"), std::move(data),
      options);
}

std::map<std::string, std::string> Experiment::checkpoint_metadata() const {
  json config = {{"model", model_name_},
                 {"task", task_kind_name(kind_)},
                 {"data", data_name_},
                 {"hyperparams", json::parse(hyperparams_.to_json())},
                 {"dims",
                  {{"source_vocab", dims_.source_vocab},
                   {"target_vocab", dims_.target_vocab},
                   {"num_features", dims_.num_features},
                   {"num_classes", dims_.num_classes},
                   {"joint_vocabulary", dims_.joint_vocabulary}}},
                 {"tokenizer", tokenizer_config(text_options_)}};
  // Data given as files: eval and translate find the same splits again.
  if (!data_files_.empty()) config["data_files"] = data_files_;
  // Cut sources: eval, translate and summarize cut theirs the same way.
  if (max_source_len_ > 0) config["max_source_length"] = max_source_len_;
  if (kind_ == TaskKind::kSpeech) config["speech"] = json::parse(speech_config());
  if (kind_ == TaskKind::kSequence || kind_ == TaskKind::kSpeech)
    config["decode"] = {{"max_length", trained_decode_length_}};
  if (kind_ == TaskKind::kSequence)
    config["decode"]["score"] = text_score_ == TextScore::kRouge ? "rouge" : "bleu";
  std::map<std::string, std::string> meta{{kConfigKey, config.dump()}};
  if (char_vocab_)
    meta[kVocabKey] = json{{"characters", json::parse(char_vocab_->to_json())}}.dump();
  if (text_data_) {
    meta[kVocabKey] = json{{"source", json::parse(text_data_->source_vocab.to_json())},
                           {"target", json::parse(text_data_->target_vocab.to_json())}}
                          .dump();
    const std::string models = subword_models_metadata(
        {text_data_->source_tokenizer, text_data_->target_tokenizer, {}, {}});
    if (!models.empty()) meta[kSubwordModelsKey] = models;
  }
  if (speech_data_)
    meta[kVocabKey] = json{{"target", json::parse(speech_data_->vocab.to_json())}}.dump();
  return meta;
}

// header (config) -> model (entry, weights) -> data (vocabularies, splits, task).
Experiment Experiment::from_checkpoint(const std::string& path, const std::string& data,
                                       const ExperimentConfig& overrides) {
  const Checkpoint ck = load_safetensors(path);
  Experiment e;
  e.read_config(path, ck.metadata);
  e.load_model(path, e.checked_entry(path), ck.tensors);
  ExperimentConfig c = overrides;
  c.data = data.empty() ? e.data_name_ : data;
  if (data.empty() && e.data_files_.size() == 3) {
    c.train_file = e.data_files_[0];
    c.valid_file = e.data_files_[1];
    c.test_file = e.data_files_[2];
  } else if (data.empty() && e.data_files_.size() == 6) {
    c.train_source = e.data_files_[0];
    c.train_target = e.data_files_[1];
    c.valid_source = e.data_files_[2];
    c.valid_target = e.data_files_[3];
    c.test_source = e.data_files_[4];
    c.test_target = e.data_files_[5];
  }
  e.load_data(path, ck.metadata, c);
  return e;
}

void Experiment::read_config(const std::string& path,
                             const std::map<std::string, std::string>& metadata) {
  auto cfg_it = metadata.find(kConfigKey);
  if (cfg_it == metadata.end())
    throw bad_checkpoint(path, "no model config in its metadata (not written by attend train?)");
  json cfg;
  try {
    cfg = json::parse(cfg_it->second);
  } catch (const json::exception& ex) {
    throw bad_checkpoint(path, std::string("model config is not JSON: ") + ex.what());
  }
  try {
    model_name_ = cfg.at("model").get<std::string>();
    data_name_ = cfg.at("data").get<std::string>();
    hyperparams_ = Hyperparams::from_json(cfg.at("hyperparams").dump());
    const json& d = cfg.at("dims");
    dims_ = {d.at("source_vocab").get<int64_t>(), d.at("target_vocab").get<int64_t>(),
             d.at("num_features").get<int64_t>(), d.at("num_classes").get<int64_t>(),
             d.value("joint_vocabulary", false)};  // absent before weight tying existed
    text_options_ = read_tokenizer_config(cfg.at("tokenizer"));
    max_source_len_ = cfg.value("max_source_length", int64_t{0});
    if (max_source_len_ < 0)
      throw bad_checkpoint(path, "model config's max_source_length is negative");
    if (cfg.contains("data_files"))
      data_files_ = cfg.at("data_files").get<std::vector<std::string>>();
    if (!data_files_.empty() && data_files_.size() != 3 && data_files_.size() != 6)
      throw bad_checkpoint(path, "model config's data_files must name 3 or 6 files");
    if (cfg.contains("speech")) read_speech_config(path, cfg.at("speech").dump());
    if (cfg.contains("decode")) {  // absent before eval reused training's decoding settings
      const json& d = cfg.at("decode");
      trained_decode_length_ = d.at("max_length").get<int64_t>();
      if (trained_decode_length_ < 1)
        throw bad_checkpoint(path, "model config's decode max_length is below 1");
      const std::string score = d.value("score", std::string("bleu"));  // speech: none
      if (score != "bleu" && score != "rouge")
        throw bad_checkpoint(path,
                             "model config's decode score '" + score + "' is not bleu or rouge");
      text_score_ = score == "rouge" ? TextScore::kRouge : TextScore::kBleu;
    }
  } catch (const json::exception& ex) {
    throw bad_checkpoint(path, std::string("model config is incomplete: ") + ex.what());
  } catch (const DataError& ex) {  // an unknown tokenizer kind or model type
    throw bad_checkpoint(path, std::string("model config: ") + ex.what());
  }
}

const ModelEntry& Experiment::checked_entry(const std::string& path) {
  const ModelEntry* entry = nullptr;
  try {
    entry = &find_model(model_name_);
    // Validates the stored values against the model's current hyperparameters.
    hyperparams_ = Hyperparams(entry->hyperparams, hyperparams_.values());
  } catch (const HyperparamError& ex) {
    throw bad_checkpoint(path, ex.what());
  }
  kind_ = entry->task;
  dropout_ = std::make_shared<Generator>(0);
  return *entry;
}

void Experiment::load_model(const std::string& path, const ModelEntry& entry,
                            const std::map<std::string, Tensor>& tensors) {
  std::map<std::string, Tensor> weights;  // the model's tensors, without the optimizer's
  int64_t values = 0;
  for (const auto& [k, t] : tensors)
    if (k.rfind(kOptimizerPrefix, 0) != 0) {
      weights[k] = t;
      values += t.numel();
    }
  check_dims_fit(dims_, values, path);
  try {
    // Building may allocate at most eight times the weights' bytes (the 64-byte minimum per
    // tensor and the initialisers' temporaries count too; the default-size models need under
    // three times).
    AllocationLimit limit(32 * values + 256 * static_cast<int64_t>(weights.size()) + (1 << 20));
    Generator init(0);
    model_ = entry.create(hyperparams_, dims_, init, dropout_);
  } catch (const AllocationLimitError&) {
    throw bad_checkpoint(path, "its config describes a model larger than the " +
                                   std::to_string(values) + " weight values it holds");
  } catch (const HyperparamError& ex) {  // a combination the model rejects
    throw bad_checkpoint(path, std::string("its config describes no valid model: ") + ex.what());
  } catch (const std::invalid_argument& ex) {  // ShapeError too: sizes the model rejects
    throw bad_checkpoint(path, std::string("its config describes no valid model: ") + ex.what());
  }
  try {
    model_->load_state_dict(weights);
  } catch (const std::exception& ex) {
    throw bad_checkpoint(path, std::string("its weights do not fit the model its config "
                                           "describes: ") +
                                   ex.what());
  }
  model_->eval();
}

// The data to evaluate on (c.data "-": none), with the checkpoint's vocabularies for text.
void Experiment::load_data(const std::string& path,
                           const std::map<std::string, std::string>& metadata,
                           const ExperimentConfig& c) {
  if (kind_ == TaskKind::kLanguageModel) {
    auto it = metadata.find(kVocabKey);
    if (it == metadata.end()) throw bad_checkpoint(path, "no vocabulary in its metadata");
    try {
      char_vocab_ = std::make_shared<CharVocab>(
          CharVocab::from_json(json::parse(it->second).at("characters").dump()));
    } catch (const std::exception& ex) {
      throw bad_checkpoint(path, std::string("vocabulary is malformed: ") + ex.what());
    }
    if (char_vocab_->size() != dims_.target_vocab)
      throw bad_checkpoint(path, "vocabulary of " + std::to_string(char_vocab_->size()) +
                                     " characters does not match the model's " +
                                     std::to_string(dims_.target_vocab));
    if (c.data == "-") return;
    auto* lm = dynamic_cast<LanguageModel*>(model_.get());
    attach_language_model(std::make_shared<LMCorpus>(load_lm_corpus(
                              c.data, lm ? lm->context_length() + 1 : 2, char_vocab_.get())),
                          c.lm_task);
    data_summary_ = c.data;
    return;
  }
  if (kind_ == TaskKind::kSpeech) return load_speech_data(path, metadata, c);
  if (kind_ == TaskKind::kSequence) {
    auto [sv, tv] = checkpoint_vocabularies(path, metadata, dims_);
    const TextPipeline pipeline =
        checkpoint_pipeline(path, metadata, text_options_, std::move(sv), std::move(tv));
    TextSplits splits;
    if (c.data != "-") splits = load_text(c);
    auto d = std::make_shared<TextData>(prepare_text_data(splits, pipeline));
    check_vocabulary_coverage(*d, c.data, path, data_name_);
    TextTaskOptions options = c.text_task;
    options.collate.max_source_len = max_source_len_;
    options.decode = resolved_decode(options.decode);
    options.score = text_score_;
    attach_text(d, options);
    data_summary_ = c.data == "-" ? "no data" : c.data;
    return;
  }
  if (c.data == "-") return;
  if (kind_ == TaskKind::kNodeClassification) {
    GraphData g = load_node_graph(c.data);
    check_graph_dims(g.num_features(), g.num_classes(), dims_, c.data, path);
    attach_node_classification(std::move(g), c.node_task);
  } else {
    GraphClassificationDataset d = load_graph_set(c.data);
    check_graph_dims(d.num_features(), d.num_classes(), dims_, c.data, path);
    attach_graph_classification(std::move(d), c.graph_task);
  }
  data_summary_ = c.data;
}

DecodeOptions Experiment::resolved_decode(DecodeOptions options) const {
  if (options.max_length == 0)
    options.max_length = trained_decode_length_ > 0 ? trained_decode_length_ : 100;
  return options;
}

std::string Experiment::summary() const {
  return model_name_ + " (" + std::to_string(model_->num_parameters()) + " parameters) on " +
         data_name_ + ": " + data_summary_;
}

}  // namespace attend
