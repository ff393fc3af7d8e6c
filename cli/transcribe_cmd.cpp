#include "cli/transcribe_cmd.h"

#include <cstdio>

#include "cli/train_cmd.h"
#include "trainers/experiment.h"

namespace attend::cli {

void add_transcribe_command(CLI::App& root, TranscribeCommand& cmd) {
  cmd.app = root.add_subcommand(
      "transcribe", "Transcribe audio files with a speech checkpoint (prints FILE<TAB>text)");
  CLI::App& t = *cmd.app;
  t.add_option("--checkpoint,-c", cmd.checkpoint, "A checkpoint of attend train --model las")
      ->required()
      ->check(CLI::ExistingFile);
  t.add_option("files", cmd.files, "Audio files (WAV, FLAC, ...; any rate, mixed down to mono)")
      ->required();
  add_decode_options(t, cmd.decode, cmd.batch_size);
}

int run_transcribe(const TranscribeCommand& cmd) {
  Experiment e = Experiment::from_checkpoint(cmd.checkpoint, "-");
  SpeechTask* task = e.speech_task();
  if (!task)
    throw CLI::ValidationError("--checkpoint", cmd.checkpoint + " is a " + e.model_name() + " (" +
                                                   task_kind_name(e.kind()) +
                                                   ") model; transcribe needs a speech model "
                                                   "(attend train --model las)");
  // Files are read in groups so a long list does not hold every feature matrix at once.
  for (size_t start = 0; start < cmd.files.size(); start += static_cast<size_t>(cmd.batch_size)) {
    const size_t end = std::min(cmd.files.size(), start + static_cast<size_t>(cmd.batch_size));
    const std::vector<std::string> group(cmd.files.begin() + static_cast<int64_t>(start),
                                         cmd.files.begin() + static_cast<int64_t>(end));
    const std::vector<Transcription> heard = task->transcribe_files(group, cmd.decode);
    for (size_t i = 0; i < group.size(); ++i)
      std::printf("%s\t%s\n", group[i].c_str(), heard[i].text.c_str());
  }
  return 0;
}

}  // namespace attend::cli
