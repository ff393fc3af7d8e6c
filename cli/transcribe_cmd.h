// `attend transcribe -c CKPT FILE...`: speech to text with a listen-attend-spell checkpoint, each
// file's features computed exactly as in training (the checkpoint's feature pipeline and
// normalisation statistics), decoded greedily or with --beam. Prints "FILE<TAB>text" per file, in
// order: a manifest of what the model heard.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "trainers/tasks/decoding.h"

namespace attend::cli {

struct TranscribeCommand {
  CLI::App* app = nullptr;
  std::string checkpoint;
  std::vector<std::string> files;
  DecodeOptions decode;
  int64_t batch_size = 100;
};

void add_transcribe_command(CLI::App& root, TranscribeCommand& cmd);
// Runs it (it was given); returns the exit code.
int run_transcribe(const TranscribeCommand& cmd);

}  // namespace attend::cli
