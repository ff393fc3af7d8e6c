#include "cli/checkpoint_cmds.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iostream>

#include "cli/train_cmd.h"
#include "cli/validators.h"
#include "datasets/bundled.h"
#include "trainers/run_log.h"
#include "trainers/tasks/metrics.h"
#include "trainers/tasks/scoring.h"

namespace attend::cli {
namespace {

void add_checkpoint_option(CLI::App& app, CheckpointCommands& c) {
  app.add_option("--checkpoint,-c", c.checkpoint, "A checkpoint written by attend train")
      ->required()
      ->check(CLI::ExistingFile);
}

// --max-decode-length's default (0 in the options) is the checkpoint's own training setting.
void as_trained_default(CLI::App& app) {
  app.get_option("--max-decode-length")
      ->description("Longest output, <eos> included (default: as in training)");
}

int run_eval(CheckpointCommands& c) {
  if (c.eval->count("--output")) check_output_file("--output", c.output, "the file to write");
  // The decoding options also apply to a speech checkpoint.
  SpeechTaskOptions& speech = c.config.speech_task;
  speech.decode = c.config.text_task.decode;
  // --eval-examples limits whichever split eval scores.
  c.config.text_task.max_test_examples = c.config.text_task.max_eval_examples;
  speech.max_eval_examples = speech.max_test_examples = c.config.text_task.max_eval_examples;
  speech.eval_batch_size = c.config.text_task.eval_batch_size;
  Experiment e = Experiment::from_checkpoint(c.checkpoint, c.data, c.config);
  const EvalSplit split = c.split == "valid" ? EvalSplit::kValid : EvalSplit::kTest;
  TextTask* text = e.text_task();
  if (!text && (!c.output.empty() || c.config.text_task.bleu.lowercase))
    throw CLI::ValidationError(
        c.output.empty() ? "--lowercase" : "--output",
        "applies to text models; " + c.checkpoint + " is a " + task_kind_name(e.kind()) + " model");
  std::fprintf(stderr, "%s\n", e.summary().c_str());
  if (!text) {
    const auto m = e.task().evaluate(split);
    std::printf("%s:", c.split.c_str());
    for (const auto& [k, v] : m) std::printf(" %s %.4g", k.c_str(), v);
    std::printf("\n");
    return 0;
  }
  const TextTask::Evaluation ev = text->evaluate_text(split);
  std::printf("%s:", c.split.c_str());
  for (const auto& [k, v] : ev.metrics) std::printf(" %s %.4g", k.c_str(), v);
  std::printf("\n");
  // The score as sacreBLEU prints it, with its signature (and ROUGE beside it for summaries).
  const BleuOptions& bleu = c.config.text_task.bleu;
  const std::vector<std::vector<std::string>> refs = {ev.references};
  if (text->options().score == TextScore::kRouge)
    std::printf("%s\n", format_rouge(rouge_multi(ev.hypotheses, refs), 1).c_str());
  else
    std::printf(
        "%s\n",
        format_bleu(corpus_bleu(ev.hypotheses, refs, bleu), bleu_signature(1, bleu)).c_str());
  if (!c.output.empty()) {
    std::string lines;
    for (const auto& h : ev.hypotheses) lines += h + "\n";
    write_text_file_atomic(c.output, lines);
  }
  return 0;
}

// What text data a checkpoint was trained on, from its file format: TSV files hold translation
// pairs (Tatoeba's layout), JSONL/CSV files documents and summaries; "" when neither is known.
std::string text_data_kind(const std::string& data) {
  std::string file = data;
  const std::vector<std::string> bundled = bundled_dataset_names();
  if (std::find(bundled.begin(), bundled.end(), data) != bundled.end())
    file = bundled_dataset_files(data).front();
  if (file.ends_with(".gz")) file.resize(file.size() - 3);
  if (file.ends_with(".tsv")) return "translate";
  if (file.ends_with(".jsonl") || file.ends_with(".json") || file.ends_with(".csv"))
    return "summarize";
  return "";
}

int run_generate(CheckpointCommands& c, const std::string& what) {
  Experiment e = Experiment::from_checkpoint(c.checkpoint, "-", c.config);
  TextTask* text = e.text_task();
  if (!text)
    throw CLI::ValidationError("--checkpoint", c.checkpoint + " is a " + task_kind_name(e.kind()) +
                                                   " model; " + what + " needs a text model");
  // A translator given documents, or a summarizer sentences, would answer without complaint.
  if (const std::string kind = text_data_kind(e.data_name()); !kind.empty() && kind != what)
    throw CLI::ValidationError("--checkpoint", c.checkpoint + " was trained on " + e.data_name() +
                                                   " to " + kind + "; " + what +
                                                   " needs a model trained to " + what +
                                                   " (use attend " + kind + ")");
  for (size_t i = 0; i < c.texts.size(); ++i)
    if (c.texts[i].find_first_not_of(" \t\r\n") == std::string::npos)
      throw CLI::ValidationError("text", "input " + std::to_string(i + 1) + " is empty");
  // Standard input: one output line per input line, a blank line for a blank one, so the output
  // file stays aligned with the input (and its references) for attend score.
  std::vector<std::string> inputs = c.texts;
  if (inputs.empty())
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      inputs.push_back(std::move(line));
    }
  for (const auto& out : text->generate(inputs, text->options().decode))
    std::printf("%s\n", out.c_str());
  return 0;
}

// Node ids as named in the data file (LINQS paper ids, karate numbers) or as 0-based indices.
std::vector<int64_t> resolve_nodes(const std::vector<std::string>& wanted, const GraphData& g) {
  std::vector<int64_t> out;
  for (const auto& w : wanted) {
    auto it = std::find(g.node_names.begin(), g.node_names.end(), w);
    if (it != g.node_names.end()) {
      out.push_back(it - g.node_names.begin());
      continue;
    }
    int64_t index = -1;
    auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), index);
    if (ec != std::errc() || ptr != w.data() + w.size() || index < 0 || index >= g.num_nodes())
      throw CLI::ValidationError("--nodes", "'" + w +
                                                "' is neither a node id of the data nor an "
                                                "index below " +
                                                std::to_string(g.num_nodes()));
    out.push_back(index);
  }
  return out;
}

std::string class_name(const std::vector<std::string>& names, int64_t k) {
  return k >= 0 && k < static_cast<int64_t>(names.size()) ? names[k] : std::to_string(k);
}

int run_predict(CheckpointCommands& c) {
  Experiment e = Experiment::from_checkpoint(c.checkpoint, c.data, c.config);
  if (auto* node = dynamic_cast<NodeClassificationTask*>(&e.task())) {
    const GraphData& g = node->data();
    std::vector<int64_t> nodes =
        c.nodes.empty() ? mask_indices(g.test_mask) : resolve_nodes(c.nodes, g);
    std::vector<int64_t> predicted = node->predict();
    std::vector<int64_t> p, t;
    std::printf("%-12s %-24s %s\n", "node", "predicted", "label");
    for (int64_t n : nodes) {
      const int64_t truth = static_cast<int64_t>(g.labels.data()[n]);
      const std::string name =
          n < static_cast<int64_t>(g.node_names.size()) ? g.node_names[n] : std::to_string(n);
      std::printf("%-12s %-24s %s\n", name.c_str(), class_name(g.class_names, predicted[n]).c_str(),
                  truth < 0 ? "-" : class_name(g.class_names, truth).c_str());
      if (truth >= 0) {
        p.push_back(predicted[n]);
        t.push_back(truth);
      }
    }
    if (!t.empty())
      std::printf("accuracy on the %zu labelled nodes shown: %.2f%%\n", t.size(),
                  100 * accuracy(p, t));
    return 0;
  }
  if (auto* graphs = dynamic_cast<GraphClassificationTask*>(&e.task())) {
    const auto& d = graphs->data();
    std::vector<int64_t> which;
    if (c.nodes.empty()) {
      which = d.split.test;
    } else {
      for (const auto& w : c.nodes) {
        int64_t i = -1;
        auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), i);
        if (ec != std::errc() || ptr != w.data() + w.size() || i < 0 ||
            i >= static_cast<int64_t>(d.graphs.size()))
          throw CLI::ValidationError("--nodes", "'" + w + "' is not a graph index in [0, " +
                                                    std::to_string(d.graphs.size()) + ")");
        which.push_back(i);
      }
    }
    std::vector<int64_t> predicted = graphs->predict(which);
    std::vector<int64_t> truth;
    std::printf("%-8s %-20s %s\n", "graph", "predicted", "label");
    for (size_t k = 0; k < which.size(); ++k) {
      truth.push_back(d.graphs[which[k]].label);
      std::printf("%-8lld %-20s %s\n", static_cast<long long>(which[k]),
                  class_name(d.class_names, predicted[k]).c_str(),
                  class_name(d.class_names, truth.back()).c_str());
    }
    if (!truth.empty()) std::printf("accuracy: %.2f%%\n", 100 * accuracy(predicted, truth));
    return 0;
  }
  throw CLI::ValidationError("--checkpoint", c.checkpoint + " is a " + task_kind_name(e.kind()) +
                                                 " model; predict needs a graph model (use "
                                                 "translate or summarize)");
}

}  // namespace

void add_checkpoint_commands(CLI::App& root, CheckpointCommands& c) {
  c.eval = root.add_subcommand("eval", "Score a checkpoint on a dataset split");
  add_checkpoint_option(*c.eval, c);
  c.eval->add_option("--data", c.data, "Dataset to score (default: the one it was trained on)");
  c.eval->add_option("--split", c.split, "valid or test")
      ->check(CLI::IsMember({"valid", "test"}))
      ->capture_default_str();
  c.eval
      ->add_option("--eval-examples", c.config.text_task.max_eval_examples,
                   "Decode at most this many sentences (0 = all)")
      ->check(CLI::Range(0, 100000000));
  c.eval->add_flag("--lowercase,-l", c.config.text_task.bleu.lowercase,
                   "Case-insensitive BLEU (sacreBLEU's -lc; the signature says case:lc), as the "
                   "tutorials' lowercased scores");
  c.eval->add_option("--output,-o", c.output,
                     "Also write the decoded split to this file, one line per example (for "
                     "attend score)");
  // Decode as training did unless told otherwise (an AESLC model trained on 32-token subjects).
  c.config.text_task.decode.max_length = 0;
  add_decode_options(*c.eval, c.config.text_task.decode, c.config.text_task.eval_batch_size);
  as_trained_default(*c.eval);

  for (auto [cmd, name, help] :
       {std::tuple{&c.translate, "translate", "Translate sentences with a checkpoint"},
        std::tuple{&c.summarize, "summarize", "Summarize documents with a checkpoint"}}) {
    *cmd = root.add_subcommand(
        name, std::string(help) + " (arguments, or one per line on standard input)");
    add_checkpoint_option(**cmd, c);
    (*cmd)->add_option("text", c.texts,
                       "Input texts (none: read standard input, writing exactly one line per "
                       "input line, a blank one for a blank input)");
    add_decode_options(**cmd, c.config.text_task.decode, c.config.text_task.eval_batch_size);
    as_trained_default(**cmd);
  }

  c.predict = root.add_subcommand("predict", "Classify nodes or graphs with a GAT checkpoint");
  add_checkpoint_option(*c.predict, c);
  c.predict->add_option("--data", c.data, "Graph data (default: the one it was trained on)");
  c.predict->add_option("--nodes", c.nodes,
                        "Node ids (as in the data file) or indices to classify, or graph indices "
                        "for a graph classifier (default: the test split)");
}

int run_checkpoint_command(CheckpointCommands& c) {
  if (*c.eval) return run_eval(c);
  if (*c.translate) return run_generate(c, "translate");
  if (*c.summarize) return run_generate(c, "summarize");
  if (*c.predict) return run_predict(c);
  return -1;
}

}  // namespace attend::cli
