#include "cli/gradflow_cmd.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>

#include "cli/validators.h"
#include "study/gradflow.h"
#include "trainers/progress.h"
#include "trainers/run_log.h"

namespace attend::cli {

namespace fs = std::filesystem;

void add_gradflow_command(CLI::App& root, GradflowCommand& cmd) {
  cmd.app = root.add_subcommand(
      "gradflow",
      "Gradient flow over distance on a long-range recall task (recall the first of L+1 tokens), "
      "for RNN, LSTM, GRU and attention encoders: ||d loss / d x_t|| against the distance from "
      "the output, and the accuracy each reaches as L grows");
  CLI::App* g = cmd.app;
  g->add_option("--lengths", cmd.lengths,
                "Numbers of distractors L between the key and the output, comma-separated; "
                "gradients are measured at the longest")
      ->delimiter(',')
      ->check(Range(int64_t{1}, int64_t{1000}))
      ->capture_default_str();
  g->add_option("--encoders", cmd.encoders, "Encoders to compare, comma-separated")
      ->delimiter(',')
      ->check(CLI::IsMember(study::encoder_names()))
      ->capture_default_str();
  g->add_option("--hidden", cmd.hidden, "Hidden size of every encoder")
      ->check(Range(int64_t{1}, int64_t{1024}))
      ->capture_default_str();
  g->add_option("--steps", cmd.steps, "Adam steps per encoder and length")
      ->check(Range(int64_t{1}, int64_t{1000000}))
      ->capture_default_str();
  g->add_option("--batch-size", cmd.batch_size, "Sequences per training step")
      ->check(Range(int64_t{1}, int64_t{4096}))
      ->capture_default_str();
  g->add_option("--seed", cmd.seed, "Seed of data and initialisation")
      ->check(not_negative())
      ->capture_default_str();
  g->add_option("--out", cmd.out, "Directory for gradflow.svg, accuracy.svg and gradflow.json")
      ->capture_default_str();
  g->add_flag("--overwrite", cmd.overwrite, "Write into --out even if it is not empty");
  add_choice(*g, "--progress", cmd.progress, kProgressModes,
             "Progress display: auto, bar, lines or off")
      ->default_str(kProgressModes.name(cmd.progress));
}

namespace {

// Checks --out before any work: a path we can create (or an empty directory, or --overwrite).
void check_out(const GradflowCommand& cmd) {
  if (cmd.out.empty()) throw CLI::ValidationError("--out", "empty path; give a directory");
  std::error_code ec;
  if (fs::exists(cmd.out, ec)) {
    if (!fs::is_directory(cmd.out, ec))
      throw CLI::ValidationError("--out", cmd.out + " exists and is not a directory");
    if (!fs::is_empty(cmd.out, ec) && !cmd.overwrite)
      throw CLI::ValidationError(
          "--out", cmd.out + " exists and is not empty; pass --overwrite to write into it");
    return;
  }
  // Created under its nearest existing ancestor, which must be a directory.
  for (fs::path p = fs::absolute(cmd.out).parent_path(); !p.empty(); p = p.parent_path()) {
    if (fs::exists(p, ec)) {
      if (!fs::is_directory(p, ec))
        throw CLI::ValidationError(
            "--out", "cannot create " + cmd.out + ": " + p.string() + " is not a directory");
      break;
    }
    if (p == p.parent_path()) break;
  }
}

}  // namespace

int run_gradflow(const GradflowCommand& cmd) {
  study::GradflowConfig c;
  c.lengths = cmd.lengths;
  c.encoders.clear();
  std::set<std::string> seen;
  for (const auto& name : cmd.encoders) {
    if (!seen.insert(name).second)
      throw CLI::ValidationError("--encoders", "'" + name + "' is listed twice");
    c.encoders.push_back(study::parse_encoder(name));
  }
  std::set<int64_t> seen_len;
  for (int64_t l : cmd.lengths)
    if (!seen_len.insert(l).second)
      throw CLI::ValidationError("--lengths", std::to_string(l) + " is listed twice");
  c.hidden = cmd.hidden;
  c.steps = cmd.steps;
  c.batch_size = cmd.batch_size;
  c.seed = cmd.seed;
  check_out(cmd);

  ProgressOptions po;
  po.mode = cmd.progress;
  const int64_t total = c.steps * static_cast<int64_t>(c.lengths.size() * c.encoders.size());
  std::fprintf(stderr,
               "gradflow: %zu encoder(s) x %zu length(s) x %lld steps; recall 1 of %lld keys "
               "after L distractors\n",
               c.encoders.size(), c.lengths.size(), static_cast<long long>(c.steps),
               static_cast<long long>(c.task.num_keys));
  ProgressBar bar("gradflow", total, "seq", po);
  const study::GradflowResult r = study::run_gradflow_study(
      c, [&](int64_t done, int64_t, double loss) { bar.update(done, c.batch_size, loss); });
  bar.finish();

  std::printf("%s\n%s", study::gradflow_table(r).c_str(), study::accuracy_table(r).c_str());
  std::error_code ec;
  fs::create_directories(cmd.out, ec);
  if (ec) throw CLI::ValidationError("--out", "cannot create " + cmd.out + ": " + ec.message());
  const fs::path dir(cmd.out);
  write_text_file_atomic((dir / "gradflow.svg").string(), study::gradflow_chart_svg(r));
  write_text_file_atomic((dir / "accuracy.svg").string(), study::accuracy_chart_svg(r));
  write_text_file_atomic((dir / "gradflow.json").string(), study::gradflow_json(r).dump(2) + "\n");
  std::printf("\nwrote %s, %s and %s (%.1f s)\n", (dir / "gradflow.svg").c_str(),
              (dir / "accuracy.svg").c_str(), (dir / "gradflow.json").c_str(), r.seconds);
  return 0;
}

}  // namespace attend::cli
