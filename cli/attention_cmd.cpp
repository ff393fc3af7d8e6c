#include "cli/attention_cmd.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "study/attention_maps.h"
#include "trainers/tasks/graph_tasks.h"

namespace attend::cli {
namespace fs = std::filesystem;
namespace {

// A node id as named in the data file (LINQS paper id, karate number), else a 0-based index.
int64_t resolve_node(const std::string& wanted, const GraphData& g) {
  auto it = std::find(g.node_names.begin(), g.node_names.end(), wanted);
  if (it != g.node_names.end()) return it - g.node_names.begin();
  int64_t index = -1;
  auto [ptr, ec] = std::from_chars(wanted.data(), wanted.data() + wanted.size(), index);
  if (ec != std::errc() || ptr != wanted.data() + wanted.size() || index < 0 ||
      index >= g.num_nodes())
    throw CLI::ValidationError("--node", "'" + wanted +
                                             "' is neither a node id of the data nor an index "
                                             "below " +
                                             std::to_string(g.num_nodes()));
  return index;
}

}  // namespace

void add_attention_command(CLI::App& root, AttentionCommand& cmd) {
  cmd.app = root.add_subcommand(
      "attention",
      "Write the attention weights of a trained model for one input as SVG heatmaps and JSON");
  CLI::App& a = *cmd.app;
  a.add_option("--checkpoint,-c", cmd.checkpoint, "A checkpoint written by attend train")
      ->required()
      ->check(CLI::ExistingFile);
  a.add_option("--input,-i", cmd.input,
               "Text to translate or summarize (Transformer and Seq2Seq checkpoints), or an "
               "audio file to transcribe (las checkpoints)");
  a.add_option("--node", cmd.node,
               "Node id (as in the data file) or index whose attention to show (GAT checkpoints)");
  a.add_option("--out", cmd.out,
               "Directory for the SVG maps and attention.json (default: "
               "attention-CHECKPOINT_STEM)");
  a.add_flag("--overwrite", cmd.overwrite, "Replace an existing --out directory");
}

namespace {

// --input xor --node, neither empty.
void check_input(const AttentionCommand& cmd) {
  const CLI::App& a = *cmd.app;
  const bool has_input = a.count("--input") > 0, has_node = a.count("--node") > 0;
  if (has_input && has_node)
    throw CLI::ValidationError("--node",
                               "give either --input (a text model) or --node (a GAT), "
                               "not both");
  if (!has_input && !has_node)
    throw CLI::ValidationError("--input",
                               "required: the text (or audio file) to run through the model (or "
                               "--node for a GAT checkpoint)");
  if (has_input && cmd.input.find_first_not_of(" \t\r\n") == std::string::npos)
    throw CLI::ValidationError("--input",
                               "empty text; give a sentence or document (or an audio file)");
  if (has_node && cmd.node.empty()) throw CLI::ValidationError("--node", "empty node id");
}

// The output directory, checked before the (slow) model: a directory that exists is kept unless
// --overwrite.
std::string output_directory(const AttentionCommand& cmd) {
  if (cmd.app->count("--out") && cmd.out.empty())
    throw CLI::ValidationError("--out", "empty path; give a directory");
  const std::string out =
      cmd.out.empty() ? "attention-" + fs::path(cmd.checkpoint).stem().string() : cmd.out;
  if (fs::exists(out)) {
    if (!cmd.overwrite)
      throw CLI::ValidationError("--out", out + " exists; pass --overwrite to replace it");
    if (!fs::is_directory(out))
      throw CLI::ValidationError("--out", out + " exists and is not a directory");
  }
  for (fs::path p = fs::absolute(out).parent_path(); !p.empty(); p = p.parent_path()) {
    if (fs::exists(p)) {
      if (!fs::is_directory(p))
        throw CLI::ValidationError(
            "--out", "cannot create " + out + ": " + p.string() + " is not a directory");
      break;
    }
    if (p == p.parent_path()) break;
  }
  return out;
}

// The checkpoint's experiment, with its graph when a node of a GAT is asked for; node receives
// that node's index (-1 for a text model).
Experiment load_for_maps(const AttentionCommand& cmd, int64_t& node) {
  const bool has_input = cmd.app->count("--input") > 0, has_node = cmd.app->count("--node") > 0;
  // Loaded without data first (a text model needs none: its vocabularies are in the
  // checkpoint), then with the graph it was trained on for a graph model given a node.
  Experiment e = Experiment::from_checkpoint(cmd.checkpoint, "-");
  const bool text = e.kind() == TaskKind::kSequence || e.kind() == TaskKind::kLanguageModel;
  if (!text && has_node && !has_input) e = Experiment::from_checkpoint(cmd.checkpoint);
  const std::string kind = task_kind_name(e.kind());
  node = -1;
  if (text || e.kind() == TaskKind::kSpeech) {
    if (has_node)
      throw CLI::ValidationError("--node",
                                 cmd.checkpoint + " is a " + e.model_name() + " (" + kind +
                                     ") model; --node is for a GAT node classifier, "
                                     "give --input " +
                                     (e.kind() == TaskKind::kSpeech ? "AUDIO_FILE" : "TEXT"));
  } else {
    // (Loaded without its graph when --input was given: only the kind may be asked.)
    if (has_input)
      throw CLI::ValidationError("--input", cmd.checkpoint + " is a " + e.model_name() + " (" +
                                                kind + ") model; give --node N, not --input");
    auto* task = e.kind() == TaskKind::kNodeClassification
                     ? dynamic_cast<NodeClassificationTask*>(&e.task())
                     : nullptr;
    if (!task)
      throw CLI::ValidationError("--checkpoint", cmd.checkpoint + " is a " + e.model_name() + " (" +
                                                     kind +
                                                     ") model; attention maps need a text "
                                                     "model or a GAT node classifier");
    node = resolve_node(cmd.node, task->data());
  }
  return e;
}

}  // namespace

int run_attention(const AttentionCommand& cmd) {
  check_input(cmd);
  const std::string out = output_directory(cmd);
  int64_t node = -1;
  Experiment e = load_for_maps(cmd, node);
  const study::AttentionMaps maps = study::compute_attention_maps(e, cmd.input, node);

  if (fs::exists(out)) fs::remove_all(out);  // --overwrite, now that everything has been checked
  std::vector<std::string> written;
  try {
    written = study::write_attention_maps(maps, out);
  } catch (const fs::filesystem_error& ex) {
    throw CLI::ValidationError("--out", "cannot create " + out + ": " + ex.code().message());
  }
  // What the model read and answered on standard error; the files written on standard output.
  auto joined = [](const std::vector<std::string>& tokens) {
    std::string s;
    for (const auto& t : tokens) s += (s.empty() ? "" : " ") + t;
    return s;
  };
  std::fprintf(stderr, "%s: %s -> %s (%zu maps)\n", maps.model.c_str(),
               joined(maps.source_tokens).c_str(), joined(maps.output_tokens).c_str(),
               maps.maps.size());
  if (!std::isnan(maps.monotonic))
    std::fprintf(stderr, "alignment: %.0f%% of the output steps do not move back in time\n",
                 100 * maps.monotonic);
  for (const auto& path : written) std::printf("%s\n", path.c_str());
  return 0;
}

}  // namespace attend::cli
