#include "cli/average_cmd.h"

#include <cstdio>
#include <filesystem>

#include "cli/validators.h"
#include "trainers/checkpoint_average.h"

namespace attend::cli {

void add_average_command(CLI::App& root, AverageCommand& c) {
  c.app = root.add_subcommand(
      "average",
      "Average the weights of several checkpoints of one run (fairseq's average_checkpoints)");
  c.app
      ->add_option("inputs", c.inputs,
                   "Checkpoints to average, or with --last one run directory trained with "
                   "--keep-epoch-checkpoints")
      ->required();
  c.app->add_option("--out,-o", c.out, "The averaged checkpoint to write")->required();
  c.app
      ->add_option("--last", c.last,
                   "Average the run directory's last N epoch checkpoints (epoch-N.safetensors)")
      ->check(CLI::Range(1, 100000));
}

int run_average(const AverageCommand& c) {
  std::vector<std::string> inputs = c.inputs;
  if (c.last > 0) {
    if (inputs.size() != 1)
      throw CLI::ValidationError(
          "--last", "takes one run directory, got " + std::to_string(inputs.size()) + " inputs");
    inputs = last_epoch_checkpoints(inputs[0], c.last);
  }
  check_output_file("--out", c.out, "the checkpoint file to write");
  const Checkpoint avg = average_checkpoints(inputs);
  save_safetensors(c.out, avg.tensors, avg.metadata);
  std::printf("averaged %zu checkpoints into %s:", inputs.size(), c.out.c_str());
  for (const auto& p : inputs) std::printf(" %s", std::filesystem::path(p).filename().c_str());
  std::printf("\n");
  return 0;
}

}  // namespace attend::cli
