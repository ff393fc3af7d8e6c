#include "cli/train_cmd.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "autograd/threading.h"
#include "cli/parse_errors.h"
#include "cli/validators.h"
#include "datasets/load_citation.h"
#include "datasets/load_text_pairs.h"
#include "trainers/checkpoint.h"
#include "trainers/run_lock.h"
#include "trainers/run_log.h"
#include "trainers/stop_signal.h"

namespace attend::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string default_data(TaskKind kind) {
  switch (kind) {
    case TaskKind::kSequence:
      return "toy-en-fr";
    case TaskKind::kNodeClassification:
      return "karate";
    case TaskKind::kGraphClassification:
      return "toy-motifs";
    case TaskKind::kLanguageModel:
      return "tinyshakespeare";
    case TaskKind::kSpeech:
      return "toy-digits";
  }
  return "";
}

// The utterances a digit bank gives (--digits).
constexpr EnumNames<audio::DigitTask, 2> kDigitTasks{
    {{{audio::DigitTask::kStrings, "strings"}, {audio::DigitTask::kSingles, "singles"}}}};

// The options as resolved after defaults, for RUN_DIR/config.json.
json resolved_config(const TrainCommand& c, Experiment& e, int threads) {
  const TrainerOptions& t = c.trainer;
  const TextTaskOptions& tt = c.experiment.text_task;
  json j = json::parse(e.checkpoint_metadata().at(kConfigKey));
  j["trainer"] = {{"epochs", t.epochs},
                  {"max_steps", t.max_steps},
                  {"optimizer", to_string(t.optimizer)},
                  {"lr", t.lr},
                  {"weight_decay", t.weight_decay},
                  {"momentum", t.momentum},
                  {"schedule", to_string(t.schedule)},
                  {"warmup_steps", t.warmup_steps},
                  {"min_lr", t.min_lr},
                  {"accumulate", t.accumulate},
                  {"decay_matrices_only", t.decay_matrices_only},
                  {"clip_norm", t.clip_norm},
                  {"clip_value", t.clip_value},
                  {"metric", t.metric.empty() ? e.task().default_metric() : t.metric},
                  {"patience", t.patience},
                  {"best_rule", to_string(t.best_rule)},
                  {"eval_every", t.eval_every},
                  {"log_every", t.log_every},
                  {"log_grad_norms", t.log_grad_norms},
                  {"seed", t.seed},
                  {"threads", threads},
                  {"flush_denormal", flush_denormal()}};
  if (e.kind() == TaskKind::kSpeech) {
    const SpeechTaskOptions& st = c.experiment.speech_task;
    j["speech_task"] = {{"batch_size", st.batch_size},
                        {"label_smoothing", st.label_smoothing},
                        {"spec_augment", c.spec_augment},
                        {"normalization", c.normalization},
                        {"beam", st.decode.beam_size},
                        {"length_penalty", st.decode.length_penalty},
                        {"max_decode_length", st.decode.max_length},
                        {"eval_examples", st.max_eval_examples}};
  }
  if (e.kind() == TaskKind::kSequence)
    j["text"] = {{"batch_size", tt.batch_size},
                 {"label_smoothing", tt.label_smoothing},
                 {"beam", tt.decode.beam_size},
                 {"length_penalty", tt.decode.length_penalty},
                 {"max_decode_length", tt.decode.max_length},
                 {"eval_examples", tt.max_eval_examples},
                 {"min_freq", c.min_freq},
                 {"max_vocab", c.max_vocab},
                 {"lowercase", c.lowercase}};
  if (e.kind() == TaskKind::kLanguageModel) {
    const LMTaskOptions& lm = c.experiment.lm_task;
    j["lm"] = {{"batch_size", lm.batch_size},
               {"eval_interval", lm.eval_interval},
               {"eval_batches", lm.eval_batches},
               {"sample_tokens", lm.sample_tokens}};
  }
  return j;
}

void print_results(const TrainResult& r, const std::string& metric) {
  std::printf(
      "trained %lld epochs (%lld steps) in %.1f s%s; best validation %s %.2f at epoch %lld\n",
      static_cast<long long>(r.epochs_run), static_cast<long long>(r.steps), r.seconds,
      r.stopped_early ? ", stopped early" : "", metric.c_str(), r.best_metric,
      static_cast<long long>(r.best_epoch + 1));
  if (r.skipped_batches > 0)
    std::printf("skipped %lld batches with a non-finite loss or gradient\n",
                static_cast<long long>(r.skipped_batches));
  if (r.steps > 0)
    std::printf("%.1f ms per training step (evaluation excluded); peak resident memory %.0f MiB\n",
                1e3 * r.step_seconds / static_cast<double>(r.steps), r.peak_rss_mb);
  if (r.test.empty()) return;
  std::printf("test:");
  for (const auto& [k, v] : r.test) std::printf(" %s %.4g", k.c_str(), v);
  std::printf("\n");
}

}  // namespace

void add_decode_options(CLI::App& app, DecodeOptions& decode, int64_t& eval_batch_size) {
  app.add_option("--beam", decode.beam_size, "Beam size for decoding (1 = greedy)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--length-penalty", decode.length_penalty,
                 "Beam search: score = log p / length^alpha")
      ->check(Range(0.0, 10.0));
  app.add_option("--max-decode-length", decode.max_length, "Longest output, <eos> included")
      ->check(CLI::Range(1, 100000));
  app.add_option("--eval-batch-size", eval_batch_size, "Sentences decoded at once")
      ->check(CLI::Range(1, 100000));
}

std::string resume_config_path(int argc, char** argv) {
  bool resume = false;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--resume") resume = true;
    if (a == "--out" && i + 1 < argc) out = argv[i + 1];
    if (a.rfind("--out=", 0) == 0) out = a.substr(6);
  }
  if (!resume || out.empty()) return "";
  const fs::path p = fs::path(out) / "config.toml";
  return fs::exists(p) ? p.string() : "";
}

namespace {

// Parallel text, one sentence a line, as corpora ship it: explicit files (OpenNMT-py's
// -train_src/-train_tgt) or fairseq-preprocess's prefix and language codes.
void add_parallel_text_options(CLI::App& t, TrainCommand& c) {
  ExperimentConfig& x = c.experiment;
  const std::pair<const char*, std::string*> files[] = {
      {"--train-src", &x.train_source}, {"--train-tgt", &x.train_target},
      {"--valid-src", &x.valid_source}, {"--valid-tgt", &x.valid_target},
      {"--test-src", &x.test_source},   {"--test-tgt", &x.test_target}};
  for (const auto& [name, value] : files) {
    const std::string n = name;
    const std::string split = n.substr(2, n.find('-', 2) - 2);
    const std::string side = n.ends_with("src") ? "source" : "target";
    t.add_option(name, *value,
                 "Parallel text: the " + side + " sentences of the " +
                     (split == "valid" ? "validation" : split) +
                     " split, one a line, line-aligned with the other side (maybe .gz)")
        ->check(CLI::ExistingFile);
  }
  t.add_option("--train-pref", c.train_pref,
               "Parallel text as fairseq-preprocess names it: PREFIX.SRC and PREFIX.TGT "
               "(or .gz) with --source-lang SRC --target-lang TGT, e.g. data/train");
  t.add_option("--valid-pref", c.valid_pref, "Validation split's prefix (e.g. data/val)");
  t.add_option("--test-pref", c.test_pref, "Test split's prefix (e.g. data/test_2016_flickr)");
  t.add_option("--source-lang", c.source_lang, "Source language code: the file suffix (e.g. de)");
  t.add_option("--target-lang", c.target_lang, "Target language code: the file suffix (e.g. en)");
}

// What to train on and where: model, data, run directory, seeds.
void add_run_options(CLI::App& t, TrainCommand& c) {
  TrainerOptions& o = c.trainer;
  ExperimentConfig& x = c.experiment;
  t.add_option("--model", x.model, "Model to train (attend models lists them)")
      ->check(CLI::IsMember(model_names()))
      ->capture_default_str();
  t.add_option("--data", x.data,
               "Bundled dataset (attend datasets list), a Cora/Citeseer directory, a directory "
               "of parallel text (with --source-lang and --target-lang: its train, val and test "
               "splits; --test-pref picks another), or speech: an FSDD or manifest folder or a "
               "manifest; default: toy-en-fr for text models, karate for gat, toy-motifs for "
               "gat-graph, tinyshakespeare for gpt, toy-digits for las");
  t.add_option("--train-file", x.train_file, "Training pairs (.tsv, .jsonl, .csv, maybe .gz)")
      ->check(CLI::ExistingFile);
  t.add_option("--valid-file", x.valid_file, "Validation pairs")->check(CLI::ExistingFile);
  t.add_option("--test-file", x.test_file, "Test pairs")->check(CLI::ExistingFile);
  add_parallel_text_options(t, c);
  t.add_option("--out", c.out, "Run directory (default runs/MODEL-DATA)");
  t.add_flag("--overwrite", c.overwrite, "Replace an existing run directory");
  t.add_flag("--resume", o.resume, "Continue the run in --out from its last checkpoint");
  t.add_option("--seed", o.seed, "Seed of initialisation, shuffling and dropout")
      ->check(not_negative())
      ->capture_default_str();
  t.add_option("--runs", c.runs,
               "Train this many times with seeds seed, seed+1, ... (into OUT/seed-N) and report "
               "the test metrics' mean and standard deviation")
      ->check(CLI::Range(1, 1000));
}

// One option per hyperparameter name; its help says what it means (and its default) for each
// model.
void add_hyperparameter_options(CLI::App& t, TrainCommand& c) {
  auto* hp = t.add_option_group("Model hyperparameters",
                                "Each model's own (attend models lists which model has which)");
  std::vector<std::string> names;
  std::map<std::string, std::string> help;
  for (const ModelEntry& m : registered_models())
    for (const HyperparamSpec& s : m.hyperparams) {
      if (!help.count(s.name)) names.push_back(s.name);
      std::string& h = help[s.name];
      h += (h.empty() ? "" : "; ") + m.name + ": " + s.help + " [" + s.default_value + "]";
    }
  for (const auto& name : names) hp->add_option("--" + name, c.hyperparams[name], help[name]);
}

// The optimizer, its schedule and clipping.
void add_optimization_options(CLI::App& t, TrainCommand& c) {
  TrainerOptions& o = c.trainer;
  t.add_option("--epochs", o.epochs, "Epochs")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  t.add_option("--max-steps", o.max_steps, "Stop after this many steps in total (0 = no limit)")
      ->check(CLI::Range(0, 1000000000));
  t.add_option("--batch-size", c.batch_size, "Batch size (default 64 sentences, 32 graphs)")
      ->check(CLI::Range(1, 1000000));
  add_choice(t, "--optimizer", o.optimizer, kOptimizerKinds, "adam, adamw or sgd")
      ->default_str(to_string(o.optimizer));
  t.add_option("--lr", o.lr, "Learning rate")->check(Range(0.0, 100.0))->capture_default_str();
  t.add_option("--weight-decay", o.weight_decay, "L2 (adam, sgd) or decoupled (adamw) decay")
      ->check(Range(0.0, 10.0));
  t.add_option("--momentum", o.momentum, "SGD momentum")->check(Range(0.0, 1.0));
  add_choice(t, "--schedule", o.schedule, kScheduleKinds, "constant, step, cosine, noam or plateau")
      ->default_str(to_string(o.schedule));
  t.add_option("--warmup", o.warmup_steps, "Warmup steps (cosine, noam)")
      ->check(CLI::Range(0, 100000000));
  t.add_option("--min-lr", o.min_lr, "cosine schedule: the rate it decays to")
      ->check(Range(0.0, 100.0));
  t.add_option("--beta2", o.beta2, "Adam/AdamW: the second moment's decay")
      ->check(Range(0.0, 0.999999));
  t.add_option("--accumulate", o.accumulate,
               "Gradient accumulation: batches summed into each optimizer step")
      ->check(CLI::Range(1, 100000));
  t.add_option("--lr-step-epochs", o.step_size, "step schedule: epochs per decay")
      ->check(CLI::Range(1, 1000000));
  t.add_option("--lr-gamma", o.gamma, "step/plateau schedule: decay factor")
      ->check(Range(0.0, 1.0));
  t.add_option("--clip-norm", o.clip_norm, "Clip the global gradient norm (0 = off)")
      ->check(Range(0.0, 1e9));
  t.add_option("--clip-value", o.clip_value, "Clip each gradient element (0 = off)")
      ->check(Range(0.0, 1e9));
}

// Evaluation, early stopping, logging, checkpoints and faults.
void add_monitoring_options(CLI::App& t, TrainCommand& c) {
  TrainerOptions& o = c.trainer;
  t.add_option("--metric", o.metric,
               "Validation metric for the best checkpoint and early stopping (default: bleu, "
               "rougeL or accuracy)");
  t.add_option("--patience", o.patience,
               "Stop after this many evaluations without improvement (0 = never)")
      ->check(CLI::Range(0, 1000000));
  add_choice(t, "--best-rule", o.best_rule, kBestRules,
             "Which evaluation becomes best.safetensors: metric (the metric improves) or "
             "metric-and-loss (the GAT paper's code: the metric at least its best and the loss at "
             "most its lowest; the patience restarts when either does)");
  t.add_option("--eval-every", o.eval_every, "Evaluate every this many epochs")
      ->check(CLI::Range(1, 1000000));
  t.add_option("--log-every", o.log_every, "Steps between training records in metrics.jsonl")
      ->check(CLI::Range(1, 1000000));
  t.add_flag("--log-grad-norms", o.log_grad_norms,
             "Also log each parameter's gradient norm (before clipping) every --log-every steps "
             "(attend report plots them by layer)");
  t.add_option("--checkpoint-every", o.checkpoint_every,
               "Also save last.safetensors every this many steps (0 = at the end of each epoch)")
      ->check(CLI::Range(0, 1000000000));
  t.add_flag("--keep-epoch-checkpoints", o.keep_epoch_checkpoints,
             "Also keep the weights after every epoch as epoch-N.safetensors (for attend average "
             "--last N)");
  t.add_flag("--skip-nonfinite", o.skip_nonfinite,
             "Skip a batch whose loss or gradients are NaN or Inf instead of stopping");
  t.add_flag("--detect-anomaly", o.detect_anomaly,
             "Name the op whose forward or backward first made a NaN or Inf (slower)");
  add_choice(t, "--progress", c.progress, kProgressModes,
             "Progress display: auto, bar, lines or off");
  t.add_option("--collective-timeout", c.collective_timeout,
               "Under mpirun: seconds a collective may make no progress before every rank stops "
               "with an error naming the ranks that do not answer")
      ->check(Range(0.1, 1e7))
      ->capture_default_str();
}

// Options of every model that writes sequences (text and speech): the loss and decoding.
void add_sequence_options(CLI::App& t, TrainCommand& c) {
  ExperimentConfig& x = c.experiment;
  auto* seq = t.add_option_group("Text and speech tasks");
  seq->add_option("--label-smoothing", x.text_task.label_smoothing, "Label smoothing")
      ->check(Range(0.0, 1.0));
  seq->add_option("--eval-examples", x.text_task.max_eval_examples,
                  "Decode at most this many validation sentences per evaluation (0 = all)")
      ->check(CLI::Range(0, 100000000));
  seq->add_option("--samples", c.samples, "Test translations printed at the end")
      ->check(CLI::Range(0, 1000));
  add_decode_options(*seq, x.text_task.decode, x.text_task.eval_batch_size);
}

void add_text_options(CLI::App& t, TrainCommand& c) {
  ExperimentConfig& x = c.experiment;
  auto* text = t.add_option_group("Text tasks");
  text->add_option("--min-freq", c.min_freq,
                   "Fewest occurrences for a word to enter the vocabulary")
      ->check(CLI::Range(1, 1000000));
  text->add_option("--max-vocab", c.max_vocab, "Largest vocabulary (0 = no limit)")
      ->check(CLI::Range(0, 10000000));
  text->add_flag("--lowercase", c.lowercase, "Lowercase text before tokenising");
  text->add_flag("--keep-html-entities", c.keep_html_entities,
                 "Read &quot; &amp; &#124; ... as written, not as the characters they stand for");
  add_choice(*text, "--tokenizer", x.text.kind, kTokenizerKinds,
             "word (whole words; vocabulary from --min-freq and --max-vocab) or sentencepiece "
             "(subwords from a SentencePiece model trained on the training split; vocabulary "
             "of --vocab-size pieces)")
      ->capture_default_str();
  text->add_option("--vocab-size", x.text.subwords.vocab_size,
                   "SentencePiece: pieces per model, the 4 specials included [8000]")
      ->check(CLI::Range(8, 1000000));
  add_choice(*text, "--sp-model-type", x.text.subwords.algorithm, kSubwordAlgorithms,
             "SentencePiece: unigram (Kudo 2018) or bpe (Sennrich et al. 2016) [unigram]");
  text->add_flag("--joint-vocab", x.text.joint,
                 "One tokenizer and vocabulary for source and target, made from both sides "
                 "(fairseq's --joined-dictionary; default: one per side)");
  text->add_option("--max-source-length", x.text_task.collate.max_source_len,
                   "Cut each source to its first N tokens (0 = whole), in training and in eval, "
                   "translate and summarize of its checkpoints (long documents: AESLC's emails)")
      ->check(CLI::Range(int64_t{0}, int64_t{100000000}));
}

void add_speech_options(CLI::App& t, TrainCommand& c) {
  audio::SpeechDataOptions& d = c.experiment.speech;
  auto* speech = t.add_option_group("Speech tasks");
  speech
      ->add_option("--spec-augment", c.spec_augment,
                   "SpecAugment policy for training batches (Park et al.'s table 1: LB, LD, SM, "
                   "SS; frequency masks scaled from 80 bins to the features' bins) or none")
      ->check(CLI::IsMember({"none", "LB", "LD", "SM", "SS"}))
      ->capture_default_str();
  speech
      ->add_option("--normalization", c.normalization,
                   "Feature mean/variance normalisation: global (the training split's statistics, "
                   "kept in the checkpoint), utterance (each utterance by its own) or none")
      ->check(CLI::IsMember({"global", "utterance", "none"}))
      ->capture_default_str();
  add_choice(*speech, "--digits", d.task, kDigitTasks,
             "From a digit bank (toy-digits, FSDD): strings of 3-7 digits or single digits")
      ->default_str("strings");
  speech->add_option("--held-out-speaker", c.held_out_speaker,
                     "Digit banks: this speaker is the whole test split (trained on the others)");
  speech->add_option("--train-strings", d.train_strings, "Digit strings built for training")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  speech->add_option("--valid-strings", d.valid_strings, "Digit strings built for validation")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  speech->add_option("--test-strings", d.test_strings, "Digit strings built for the test")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
}

// Language models (gpt): iterations, evaluation windows, samples.
void add_language_model_options(CLI::App& t, TrainCommand& c) {
  LMTaskOptions& lm = c.experiment.lm_task;
  auto* g = t.add_option_group("Language models");
  g->add_option("--eval-interval", lm.eval_interval,
                "Iterations between evaluations (one epoch of a language model; with --max-steps "
                "and no --epochs, epochs = max-steps / eval-interval, rounded up)")
      ->check(CLI::Range(1, 100000000));
  g->add_option("--eval-batches", lm.eval_batches,
                "Validation batches (fixed random windows) per evaluation")
      ->check(CLI::Range(1, 1000000));
  g->add_option("--sample-tokens", lm.sample_tokens,
                "Characters sampled at each evaluation into metrics.jsonl (0 = none)")
      ->check(CLI::Range(0, 100000));
}

}  // namespace

void add_train_command(CLI::App& root, TrainCommand& c) {
  CLI::App* t = root.add_subcommand(
      "train", "Train a model; writes a run directory and scores the test split at the end");
  c.app = t;
  add_run_options(*t, c);
  add_hyperparameter_options(*t, c);
  add_optimization_options(*t, c);
  add_monitoring_options(*t, c);
  add_sequence_options(*t, c);
  add_text_options(*t, c);
  add_language_model_options(*t, c);
  add_speech_options(*t, c);
}

namespace {

std::string join(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs) out += (out.empty() ? "" : ", ") + x;
  return out;
}

// A resumed run must be the run it continues: the same model, hyperparameters, data and
// vocabularies, or last.safetensors does not fit it (and its optimizer state even less).
void check_resumable(const Experiment& e, const std::string& path) {
  const Checkpoint ck = load_safetensors(path);
  const std::map<std::string, std::string> now = e.checkpoint_metadata();
  auto value = [](const std::map<std::string, std::string>& m, const char* key) {
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
  };
  // How eval will decode ("decode") may change on resume; it does not change what is trained.
  auto trained = [](const std::string& config) {
    json j = json::object();
    try {
      j = json::parse(config);
    } catch (const json::exception&) {
    }
    if (j.is_object()) j.erase("decode");
    return j;
  };
  const json saved = trained(value(ck.metadata, kConfigKey)),
             wanted = trained(value(now, kConfigKey));
  if (saved != wanted) {
    // Name the first setting that differs, as "/hyperparams/hidden".
    json a = saved.flatten(), b = wanted.flatten();
    for (const auto& [key, v] : b.items())
      if (!a.contains(key) || a[key] != v)
        throw CLI::ValidationError("--resume", path + " was trained with " + key.substr(1) + " = " +
                                                   (a.contains(key) ? a[key].dump() : "(none)") +
                                                   "; this command line gives " + v.dump() +
                                                   " (resume with the run's own options)");
    throw CLI::ValidationError("--resume", path + " was trained with another configuration");
  }
  if (value(ck.metadata, kVocabKey) != value(now, kVocabKey))
    throw CLI::ValidationError("--resume", path +
                                               " was trained with other vocabularies than this "
                                               "command line's data gives");
}

// A few test utterances transcribed by the best weights.
void print_transcriptions(SpeechTask& task, const std::string& out_dir, Module& model, int samples,
                          const DecodeOptions& decode) {
  if (fs::exists(fs::path(out_dir) / "best.safetensors"))
    load_module((fs::path(out_dir) / "best.safetensors").string(), model);
  const auto& test = task.data().dataset.test;
  std::vector<Tensor> features;
  for (size_t i = 0; i < test.size() && i < static_cast<size_t>(samples); ++i)
    features.push_back(test[i].features);
  const std::vector<Transcription> heard = task.transcribe(features, decode);
  for (size_t i = 0; i < heard.size(); ++i)
    std::printf("\nutterance: %s\nreference: %s\nmodel:     %s\n", test[i].id.c_str(),
                test[i].transcript.c_str(), heard[i].text.c_str());
}

// The run directory as rank 0 prepares it: its lock taken (held until the last run ends), an
// --overwrite'n directory emptied, the options written for --resume.
void prepare_run_directory(TrainCommand& c, const CLI::App& root, Experiment& e, uint64_t seed,
                           const std::string& out_dir, std::optional<RunLock>& lock) {
  try {
    fs::create_directories(c.out);
    if (!lock) lock.emplace(c.out);
    if (!c.replace_out.empty()) {  // --overwrite, now that the options have been checked
      for (const fs::directory_entry& entry : fs::directory_iterator(c.replace_out))
        if (entry.path().filename() != RunLock::kFileName) fs::remove_all(entry.path());
      c.replace_out.clear();
    }
    fs::create_directories(out_dir);
  } catch (const fs::filesystem_error& ex) {
    throw CLI::ValidationError("--out", "cannot create " + out_dir + ": " + ex.code().message());
  } catch (const RunLockError& ex) {
    throw CLI::ValidationError("--out", ex.what());
  }
  if (!c.trainer.resume) {
    write_text_file_atomic((fs::path(out_dir) / "config.toml").string(),
                           root.config_to_str(false, true));
    json config = resolved_config(c, e, num_threads());
    config["trainer"]["seed"] = seed;
    write_text_file_atomic((fs::path(out_dir) / "config.json").string(), config.dump(2) + "\n");
  }
}

// A few test sentences translated by the best weights.
void print_samples(TrainCommand& c, Experiment& e, const std::string& out_dir) {
  TextTask* text = e.text_task();
  if (!text || c.samples <= 0 || !e.text_data()) return;
  if (fs::exists(fs::path(out_dir) / "best.safetensors"))
    load_module((fs::path(out_dir) / "best.safetensors").string(), e.model());
  const TextSplitData& test = e.text_data()->test;
  std::vector<std::string> sources, refs;
  for (size_t i = 0; i < test.sources.size() && i < static_cast<size_t>(c.samples); ++i) {
    sources.push_back(test.sources[i]);
    refs.push_back(test.references[i]);
  }
  std::vector<std::string> out = text->generate(sources, c.experiment.text_task.decode);
  for (size_t i = 0; i < out.size(); ++i)
    std::printf("\nsource:    %s\nreference: %s\nmodel:     %s\n", sources[i].c_str(),
                refs[i].c_str(), out[i].c_str());
}

// One training run into out_dir with the given seed; rank 0 prints its results.
TrainResult train_once(TrainCommand& c, const CLI::App& root, uint64_t seed,
                       const std::string& out_dir, const std::shared_ptr<Communicator>& comm,
                       std::optional<RunLock>& lock) {
  ExperimentConfig x = c.experiment;
  x.seed = seed;
  TrainerOptions o = c.trainer;
  o.seed = seed;
  o.communicator = comm;
  const bool rank0 = comm->rank() == 0;
  std::optional<Experiment> e;
  std::optional<Trainer> trainer;
  // Set up on every rank; a rank that fails stops them all with one error line.
  on_every_rank(
      *comm,
      [&] {
        e.emplace(Experiment::create(x));
        // What only the task can check, before anything is printed or written.
        if (const std::vector<std::string> metrics = e->task().metric_names();
            !o.metric.empty() && !metrics.empty() &&
            std::find(metrics.begin(), metrics.end(), o.metric) == metrics.end())
          throw CLI::ValidationError("--metric", "'" + o.metric + "' is not a metric of " +
                                                     x.model + " on " + e->data_name() +
                                                     " (one of " + join(metrics) + ")");
        if (o.resume) check_resumable(*e, (fs::path(out_dir) / "last.safetensors").string());
        if (rank0) std::fprintf(stderr, "%s\n", e->summary().c_str());
        o.run_dir = out_dir;
        o.metadata = e->checkpoint_metadata();
        o.progress.mode = c.progress;
        if (rank0) prepare_run_directory(c, root, *e, seed, out_dir, lock);
        trainer.emplace(e->task(), e->dropout_generator(), o);
      },
      exit_code_for);
  TrainResult r = trainer->fit();
  if (r.interrupted || !rank0) return r;
  print_results(r, o.metric.empty() ? e->task().default_metric() : o.metric);
  const std::string unit = e->task().unit();
  std::printf("throughput: %.0f %s/s (%lld %s in %.2f s of training steps)\n",
              r.step_seconds > 0 ? static_cast<double>(r.units) / r.step_seconds : 0.0,
              unit.c_str(), static_cast<long long>(r.units), unit.c_str(), r.step_seconds);
  if (comm->size() > 1)
    std::printf("data-parallel over %s: %.2f s of the steps' %.2f s waiting for gradient sums\n",
                comm->describe().c_str(), r.communication_seconds, r.step_seconds);
  if (SpeechTask* speech = e->speech_task(); speech && c.samples > 0)
    print_transcriptions(*speech, out_dir, e->model(), c.samples, x.speech_task.decode);
  print_samples(c, *e, out_dir);
  return r;
}

// Mean and sample standard deviation of each test metric over several seeds.
void print_over_seeds(const std::vector<TrainResult>& runs) {
  std::map<std::string, std::vector<double>> values;
  for (const auto& r : runs)
    for (const auto& [k, v] : r.test) values[k].push_back(v);
  std::printf("\ntest over %zu seeds (mean +- std):", runs.size());
  for (const auto& [k, xs] : values) {
    double mean = 0, var = 0;
    for (double v : xs) mean += v / static_cast<double>(xs.size());
    for (double v : xs) var += (v - mean) * (v - mean);
    const double std = xs.size() > 1 ? std::sqrt(var / static_cast<double>(xs.size() - 1)) : 0.0;
    std::printf(" %s %.4g +- %.2g", k.c_str(), mean, std);
  }
  std::printf("\n");
}

// --train-pref/--valid-pref/--test-pref with --source-lang/--target-lang as the six files.
void resolve_parallel_text(TrainCommand& c) {
  ExperimentConfig& x = c.experiment;
  const bool prefixes = !c.train_pref.empty() || !c.valid_pref.empty() || !c.test_pref.empty();
  const bool langs = !c.source_lang.empty() || !c.target_lang.empty();
  if (!prefixes && !langs) return;
  if (c.source_lang.empty() || c.target_lang.empty())
    throw CLI::ValidationError(c.source_lang.empty() ? "--source-lang" : "--target-lang",
                               "parallel text by prefix needs both --source-lang and "
                               "--target-lang (the file suffixes, e.g. de and en)");
  const std::tuple<const char*, const std::string*, std::string*, std::string*> splits[] = {
      {"--train-pref", &c.train_pref, &x.train_source, &x.train_target},
      {"--valid-pref", &c.valid_pref, &x.valid_source, &x.valid_target},
      {"--test-pref", &c.test_pref, &x.test_source, &x.test_target}};
  for (const auto& [name, prefix, source, target] : splits) {
    if (prefix->empty())
      throw CLI::ValidationError(name,
                                 "missing: --source-lang/--target-lang need the prefix of "
                                 "every split (--train-pref, --valid-pref, --test-pref)");
    if (!source->empty() || !target->empty())
      throw CLI::ValidationError(
          name, std::string("give ") + name + " or the split's -src/-tgt files, not both");
    const ParallelFiles f = parallel_files(*prefix, c.source_lang, c.target_lang);
    *source = f.source;
    *target = f.target;
  }
}

// --data DIR of parallel text: the split prefixes the directory has, for the languages given.
// train is DIR/train, validation DIR/val, valid or dev, test DIR/test or the one DIR/test*; a
// --train-pref, --valid-pref or --test-pref given picks that split instead (Multi30k has four
// test sets).
void parallel_directory_prefixes(TrainCommand& c) {
  const std::string& dir = c.experiment.data;
  if (c.source_lang.empty() || c.target_lang.empty()) {
    const auto [a, b] = parallel_languages(dir);
    if (a.empty())
      throw CLI::ValidationError("--data", dir +
                                               " is a directory, but neither a Cora/Citeseer "
                                               "directory (with linqs/ or planetoid_txt/) nor "
                                               "parallel text (STEM.LANG files for two languages)");
    throw CLI::ValidationError(
        c.source_lang.empty() ? "--source-lang" : "--target-lang",
        dir + " is parallel text in " + a + " and " + b +
            ": say which side is the source with --source-lang and --target-lang");
  }
  const std::vector<std::string> stems = parallel_stems(dir, c.source_lang, c.target_lang);
  const auto pick = [&](std::string& prefix, const char* option,
                        std::initializer_list<const char*> names, const char* like) {
    if (!prefix.empty()) return;
    for (const char* n : names)
      if (std::find(stems.begin(), stems.end(), n) != stems.end()) {
        prefix = (fs::path(dir) / n).string();
        return;
      }
    std::vector<std::string> found;
    for (const std::string& s : stems)
      if (s.starts_with(like)) found.push_back(s);
    if (found.size() == 1) {
      prefix = (fs::path(dir) / found[0]).string();
      return;
    }
    std::string list;
    for (const std::string& s : found) list += (list.empty() ? "" : ", ") + s;
    throw CLI::ValidationError(
        option, found.empty()
                    ? dir + " has no " + like + " split in " + c.source_lang + " and " +
                          c.target_lang + "; give its prefix"
                    : dir + " has several " + like + " splits (" + list + "): choose one, as " +
                          option + " " + (fs::path(dir) / found[0]).string());
  };
  pick(c.train_pref, "--train-pref", {"train"}, "train");
  pick(c.valid_pref, "--valid-pref", {"valid", "val", "dev"}, "val");
  pick(c.test_pref, "--test-pref", {"test"}, "test");
}

// Options of one tokenizer given with the other would be ignored without a word.
void check_tokenizer_options(const TrainCommand& c) {
  const bool subwords = c.experiment.text.kind == TokenizerKind::kSentencePiece;
  for (const char* name : {"--vocab-size", "--sp-model-type"})
    if (!subwords && c.app->count(name))
      throw CLI::ValidationError(name,
                                 "applies to --tokenizer sentencepiece (the word "
                                 "tokenizer's vocabulary follows --min-freq and --max-vocab)");
  for (const char* name : {"--min-freq", "--max-vocab"})
    if (subwords && c.app->count(name))
      throw CLI::ValidationError(name,
                                 "applies to --tokenizer word (a SentencePiece "
                                 "vocabulary has --vocab-size pieces)");
  if (subwords && !sentencepiece_supported())
    throw CLI::ValidationError("--tokenizer",
                               "sentencepiece: this build of attend has no SentencePiece "
                               "(install libsentencepiece-dev and rebuild)");
}

// The experiment as the command line gives it: the model's hyperparameters (and none it lacks),
// the data, the text options.
void resolve_experiment(TrainCommand& c, const ModelEntry& entry) {
  ExperimentConfig& x = c.experiment;
  for (const HyperparamSpec& s : entry.hyperparams)
    if (c.app->count("--" + s.name)) x.hyperparams[s.name] = c.hyperparams[s.name];
  for (const ModelEntry& m : registered_models())
    for (const HyperparamSpec& s : m.hyperparams)
      if (c.app->count("--" + s.name) && !x.hyperparams.count(s.name))
        throw CLI::ValidationError("--" + s.name,
                                   "model '" + x.model + "' has no such hyperparameter");
  const std::vector<std::string> file_options = {
      "--train-file", "--valid-file", "--test-file",   "--train-src",  "--train-tgt",
      "--valid-src",  "--valid-tgt",  "--test-src",    "--test-tgt",   "--train-pref",
      "--valid-pref", "--test-pref",  "--source-lang", "--target-lang"};
  // A directory of parallel text takes the languages and, to choose among its splits, prefixes.
  const bool parallel_dir = entry.task == TaskKind::kSequence && c.app->count("--data") &&
                            fs::is_directory(x.data) && !is_citation_directory(x.data);
  for (const std::string& name : file_options)
    if (c.app->count(name) && c.app->count("--data") &&
        !(parallel_dir && (name.ends_with("-pref") || name.ends_with("-lang"))))
      throw CLI::ValidationError("--data", "give --data or data files (" + name + "), not both");
  // Options of another kind of model would be ignored without a word.
  const bool text = entry.task == TaskKind::kSequence, speech = entry.task == TaskKind::kSpeech;
  auto refuse = [&](const std::vector<std::string>& names, const std::string& applies_to) {
    for (const std::string& name : names)
      if (c.app->count(name))
        throw CLI::ValidationError(name, "applies to " + applies_to + "; '" + x.model + "' is a " +
                                             task_kind_name(entry.task) + " model");
  };
  auto group = [&](const char* name) {
    std::vector<std::string> names;
    for (const CLI::Option* opt : c.app->get_option_group(name)->get_options())
      names.push_back(opt->get_name());
    return names;
  };
  if (!text) {
    refuse(file_options, "text models");
    refuse(group("Text tasks"), "text models");
  }
  if (!text && !speech) refuse(group("Text and speech tasks"), "text and speech models");
  if (!speech) refuse(group("Speech tasks"), "speech models");
  if (entry.task != TaskKind::kLanguageModel) refuse(group("Language models"), "language models");
  if (!c.app->count("--data")) x.data = default_data(entry.task);
  if (entry.task == TaskKind::kLanguageModel) {
    // nanoGPT: an epoch is the iterations between evaluations; AdamW decays matrices only.
    x.lm_task.accumulate = c.trainer.accumulate;
    if (c.app->count("--max-steps") && !c.app->count("--epochs") && c.trainer.max_steps > 0)
      c.trainer.epochs =
          (c.trainer.max_steps + x.lm_task.eval_interval - 1) / x.lm_task.eval_interval;
    c.trainer.decay_matrices_only = true;
    c.trainer.test_at_end = false;  // the split has no test part; "test" would repeat valid
  }
  if (c.batch_size > 0) {
    x.lm_task.batch_size = c.batch_size;
    x.text_task.batch_size = c.batch_size;
    x.graph_task.batch_size = c.batch_size;
  }
  x.text.vocab.min_freq = c.min_freq;
  x.text.vocab.max_size = c.max_vocab;
  x.text.tokenizer.lowercase = c.lowercase;
  x.text.tokenizer.unescape_html = !c.keep_html_entities;
  if (parallel_dir) parallel_directory_prefixes(c);
  resolve_parallel_text(c);
  check_tokenizer_options(c);
  if (speech) {  // the options text and speech share, and the speech ones
    SpeechTaskOptions& st = x.speech_task;
    if (c.batch_size > 0) st.batch_size = c.batch_size;
    st.label_smoothing = x.text_task.label_smoothing;
    st.max_eval_examples = x.text_task.max_eval_examples;
    st.decode = x.text_task.decode;
    st.eval_batch_size = x.text_task.eval_batch_size;
    x.speech.normalization = audio::parse_normalization(c.normalization);
    st.spec_augment = c.spec_augment != "none";
    if (st.spec_augment) st.augment = audio::SpecAugmentOptions::policy(c.spec_augment);
    if (!c.held_out_speaker.empty()) {
      x.speech.split = audio::DigitSplitOptions{};
      x.speech.split->held_out_speaker = c.held_out_speaker;
    }
  }
  if (entry.task == TaskKind::kSequence && x.data == "toy-summarization" &&
      !c.app->count("--metric"))
    x.text_task.score = TextScore::kRouge;
  if (c.trainer.metric.rfind("rouge", 0) == 0) x.text_task.score = TextScore::kRouge;
}

// What the default run directory is named after: the dataset, the languages of parallel text, or
// the training file.
std::string data_label(const TrainCommand& c) {
  const ExperimentConfig& x = c.experiment;
  if (!c.source_lang.empty()) return c.source_lang + "-" + c.target_lang;
  if (!x.train_source.empty()) return fs::path(x.train_source).stem().string();
  if (!x.train_file.empty()) return fs::path(x.train_file).stem().string();
  return fs::path(x.data).filename().string();
}

// --out, --overwrite and --resume: where the run goes, checked before anything is written.
void check_run_directory(TrainCommand& c) {
  const TrainerOptions& o = c.trainer;
  const ExperimentConfig& x = c.experiment;
  if (c.app->count("--out") && c.out.empty())
    throw CLI::ValidationError("--out", "empty path; give a run directory");
  if (c.out.empty()) c.out = "runs/" + x.model + "-" + data_label(c);
  // The run directory is created under its nearest existing ancestor, which must be a directory.
  for (fs::path p = fs::absolute(c.out).parent_path(); !p.empty(); p = p.parent_path()) {
    if (fs::exists(p)) {
      if (!fs::is_directory(p))
        throw CLI::ValidationError(
            "--out", "cannot create " + c.out + ": " + p.string() + " is not a directory");
      break;
    }
    if (p == p.parent_path()) break;
  }
  // Before anything else about it: a directory another run is training in is off limits.
  if (const std::string who = RunLock::holder(c.out); !who.empty())
    throw CLI::ValidationError("--out", c.out + " is in use by another attend train (" + who +
                                            "): wait for it to end or stop it");
  if (fs::exists(c.out) && !o.resume) {
    if (!c.overwrite)
      throw CLI::ValidationError("--out", c.out +
                                              " exists; pass --overwrite to replace it or "
                                              "--resume to continue it");
    // Removed only once the first run's options and data have been checked: a bad command line
    // with --overwrite leaves the old run alone.
    c.replace_out = c.out;
  }
  if (o.resume && !fs::exists(fs::path(c.out) / "last.safetensors"))
    throw CLI::ValidationError(
        "--resume", "no checkpoint to resume in " + c.out + " (last.safetensors missing)");
}

}  // namespace

namespace {

// The --batch-size every rank shares out: the global batch, split evenly.
void check_batch_divides(const TrainCommand& c, int ranks) {
  const TaskKind kind = find_model(c.experiment.model).task;
  if (ranks == 1 || kind == TaskKind::kNodeClassification) return;
  const int64_t b = kind == TaskKind::kGraphClassification ? c.experiment.graph_task.batch_size
                                                           : c.experiment.text_task.batch_size;
  if (b % ranks == 0) return;
  const int64_t below = b / ranks * ranks, above = below + ranks;
  throw CLI::ValidationError("--batch-size",
                             std::to_string(b) + " (the global batch) does not divide among " +
                                 std::to_string(ranks) + " ranks: give a multiple of " +
                                 std::to_string(ranks) + " (" +
                                 (below > 0 ? std::to_string(below) + " or " : std::string()) +
                                 std::to_string(above) + ")");
}

int train_runs(TrainCommand& c, const CLI::App& root, const std::shared_ptr<Communicator>& comm) {
  on_every_rank(
      *comm,
      [&] {
        resolve_experiment(c, find_model(c.experiment.model));
        check_run_directory(c);
        check_batch_divides(c, comm->size());
        if (c.runs > 1 && c.trainer.resume)
          throw CLI::ValidationError("--resume", "cannot resume several --runs at once");
      },
      exit_code_for);
  const TrainerOptions& o = c.trainer;
  const bool rank0 = comm->rank() == 0;

  // Ctrl-C or SIGTERM: the trainer saves where it is and returns; a second one kills at once.
  // (Open MPI's mpirun turns Ctrl-C into SIGTERM for every rank; the ranks agree on the step.)
  install_stop_signal_handlers();
  struct Restore {
    ~Restore() { remove_stop_signal_handlers(); }
  } restore;
  std::optional<RunLock> lock;  // rank 0's, on --out, for every run
  std::vector<TrainResult> runs;
  for (int k = 0; k < c.runs; ++k) {
    const uint64_t seed = o.seed + static_cast<uint64_t>(k);
    const std::string dir =
        c.runs == 1 ? c.out : (fs::path(c.out) / ("seed-" + std::to_string(seed))).string();
    runs.push_back(train_once(c, root, seed, dir, comm, lock));
    if (const int signal = runs.back().interrupted) {
      if (rank0)
        std::fprintf(
            stderr,
            "interrupted by %s at step %lld; saved %s; continue with: %sattend train "
            "--out %s --resume\n",
            signal_name(signal), static_cast<long long>(runs.back().steps),
            (fs::path(dir) / "last.safetensors").c_str(),
            comm->size() > 1 ? ("mpirun -np " + std::to_string(comm->size()) + " ").c_str() : "",
            dir.c_str());
      return 128 + signal;  // the shell's convention for "ended by this signal"
    }
  }
  if (!rank0) return 0;
  if (c.runs > 1) print_over_seeds(runs);
  std::printf("\nrun directory: %s\n", c.out.c_str());
  return 0;
}

}  // namespace

int run_train(TrainCommand& c, const CLI::App& root) {
  const std::shared_ptr<Communicator> comm = connect_ranks({c.collective_timeout});
  if (comm->size() == 1) return train_runs(c, root, comm);
  try {
    return train_runs(c, root, comm);
  } catch (const RankError& e) {  // every rank has it (or the job is lost): one rank says it
    if (e.report()) std::fprintf(stderr, "error: %s\n", e.what());
    return e.exit_code();
  } catch (const NonFiniteError& e) {  // every rank stopped at the same batch
    if (comm->rank() == 0) std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    // This rank alone: the others would wait for it in the next collective, so end them all.
    std::fprintf(stderr, "error: rank %d: %s\n", comm->rank(), rank_error_text(e).c_str());
    comm->abort(exit_code_for(e));
  }
  return 1;  // not reached: abort() ends the process (GCC does not see [[noreturn]] through
             // virtual)
}

}  // namespace attend::cli
