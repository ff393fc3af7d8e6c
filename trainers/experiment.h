// One experiment as the command line sees it: which model on which data with which options, built
// into a ready TrainingTask — from options for `attend train`, or from a checkpoint's metadata for
// `attend eval`, `translate`, `summarize`, `predict` and `transcribe`. The checkpoint records
// everything needed to rebuild the model: its registry name, hyperparameters, data dimensions,
// tokenizer settings and vocabularies ("config" and "vocab" metadata keys), trained SentencePiece
// models ("sentencepiece", trainers/text_checkpoint.h), and for speech the data options and the
// feature pipeline with its normalisation statistics (experiment_speech.cpp).
#pragma once
#include <map>
#include <memory>
#include <string>

#include "datasets/audio/speech_datasets.h"
#include "models/registry.h"
#include "trainers/tasks/graph_tasks.h"
#include "trainers/tasks/lm_task.h"
#include "trainers/tasks/speech_task.h"
#include "trainers/tasks/text_task.h"

namespace attend {

struct ExperimentConfig {
  std::string model = "seq2seq";
  std::map<std::string, std::string> hyperparams;  // overrides of the model's defaults
  // A bundled dataset name, a directory with Cora/Citeseer (../shared/datasets/cora), a speech
  // dataset (toy-digits, an FSDD or manifest folder, a manifest), or, for text, ignored when
  // files are given: a file of pairs per split (TSV, JSONL or CSV), or two line-aligned files per
  // split (parallel text: Multi30k's train.de + train.en, ...).
  std::string data = "toy-en-fr";
  std::string train_file, valid_file, test_file;
  std::string train_source, train_target, valid_source, valid_target, test_source, test_target;
  TextDataOptions text;
  TextTaskOptions text_task;
  GraphTaskOptions graph_task;
  NodeTaskOptions node_task;
  LMTaskOptions lm_task;  // language models: --data is a text file or a corpus name
  // Speech: which utterances (digit strings or single digits, a held-out speaker, how many) and
  // how the task trains and decodes; the features are default_fbank_for(data).
  audio::SpeechDataOptions speech;
  SpeechTaskOptions speech_task;
  uint64_t seed = 0;
};

class Experiment {
 public:
  // Loads the data (vocabularies from its training split) and builds a freshly initialised model.
  static Experiment create(const ExperimentConfig& config);
  // Rebuilds the model a checkpoint was trained as, loads its weights, and loads data for
  // evaluation: `data` overrides the checkpoint's dataset ("" = the same; "-" = none, for
  // translating text only). Throws CheckpointError naming the file when the metadata is missing
  // or does not describe a registered model, and DataError on a vocabulary mismatch.
  static Experiment from_checkpoint(const std::string& path, const std::string& data = "",
                                    const ExperimentConfig& overrides = {});

  TaskKind kind() const { return kind_; }
  const std::string& model_name() const { return model_name_; }
  // What it was trained on: a bundled dataset's name, the --train-file, or a graph's name/path.
  const std::string& data_name() const { return data_name_; }
  Module& model() { return *model_; }
  TrainingTask& task() { return *task_; }
  std::shared_ptr<Generator> dropout_generator() const { return dropout_; }
  // The "config" and "vocab" metadata every checkpoint of this experiment carries.
  std::map<std::string, std::string> checkpoint_metadata() const;
  // Text tasks only (nullptr otherwise).
  TextTask* text_task() { return dynamic_cast<TextTask*>(task_.get()); }
  const TextData* text_data() const { return text_data_.get(); }
  // Language-model tasks only (nullptr otherwise).
  LanguageModelTask* lm_task() { return dynamic_cast<LanguageModelTask*>(task_.get()); }
  LanguageModel* language_model() { return dynamic_cast<LanguageModel*>(model_.get()); }
  // The character vocabulary of a language model (from its data or its checkpoint).
  const CharVocab* char_vocab() const { return char_vocab_.get(); }
  // Speech tasks only (nullptr otherwise).
  SpeechTask* speech_task() { return dynamic_cast<SpeechTask*>(task_.get()); }
  // One line describing model and data, for the start of a run.
  std::string summary() const;

 private:
  // create(), by task kind: data, dimensions, model, task.
  void create_text(const ExperimentConfig& c, const ModelEntry& entry, Generator& init);
  void create_node_classification(const ExperimentConfig& c, const ModelEntry& entry,
                                  Generator& init);
  void create_graph_classification(const ExperimentConfig& c, const ModelEntry& entry,
                                   Generator& init);
  void create_language_model(const ExperimentConfig& c, const ModelEntry& entry, Generator& init);
  // Speech (experiment_speech.cpp; without audio support they throw DataError saying so).
  void create_speech(const ExperimentConfig& c, const ModelEntry& entry, Generator& init);
  void load_speech_data(const std::string& path, const std::map<std::string, std::string>& metadata,
                        const ExperimentConfig& c);
  std::shared_ptr<LAS> as_las() const;  // model_ as the speech model it must be
  // config["speech"] as JSON text, and back from a checkpoint's config.
  std::string speech_config() const;
  void read_speech_config(const std::string& path, const std::string& json);
  // from_checkpoint(): the config in the header, the model and its weights, the data.
  void read_config(const std::string& path, const std::map<std::string, std::string>& metadata);
  const ModelEntry& checked_entry(const std::string& path);
  void load_model(const std::string& path, const ModelEntry& entry,
                  const std::map<std::string, Tensor>& tensors);
  void load_data(const std::string& path, const std::map<std::string, std::string>& metadata,
                 const ExperimentConfig& c);
  // The task over model_ and the data.
  void attach_text(std::shared_ptr<const TextData> data, const TextTaskOptions& options);
  void attach_node_classification(GraphData graph, const NodeTaskOptions& options);
  void attach_graph_classification(GraphClassificationDataset data,
                                   const GraphTaskOptions& options);
  void attach_language_model(std::shared_ptr<const LMCorpus> data, const LMTaskOptions& options);

  TaskKind kind_ = TaskKind::kSequence;
  std::string model_name_, data_name_;
  // The data files as absolute paths: train, valid, test (files of pairs), or train source and
  // target, valid source and target, test source and target (parallel text).
  std::vector<std::string> data_files_;
  Hyperparams hyperparams_;
  ModelDims dims_;
  TextDataOptions text_options_;  // tokenizer kind and settings (the models are in text_data_)
  int64_t max_source_len_ = 0;    // sources cut to this many ids (0 = whole), in training and after
  // What training decoded and scored with, so eval, translate and summarize do the same: the
  // longest output (0 = not recorded) and BLEU or ROUGE.
  int64_t trained_decode_length_ = 0;
  TextScore text_score_ = TextScore::kBleu;
  // options.max_length, or the trained length when it is 0 ("as trained").
  DecodeOptions resolved_decode(DecodeOptions options) const;
  std::shared_ptr<Module> model_;
  std::shared_ptr<Generator> dropout_;
  std::unique_ptr<TrainingTask> task_;
  std::shared_ptr<const TextData> text_data_;
  std::shared_ptr<const CharVocab> char_vocab_;
  audio::SpeechDataOptions speech_options_;
  std::string features_json_;  // FeaturePipeline::to_json(): fbank, normalisation, statistics
  std::shared_ptr<const SpeechData> speech_data_;
  std::string data_summary_;
};

}  // namespace attend
