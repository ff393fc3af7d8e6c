// What a speech dataset holds, for `attend datasets show`: utterances, durations, the sample
// rates, channels and encodings of its files, transcript lengths and characters, speakers, and
// how many utterances are silent or too short to give a feature frame. Every file is decoded (at
// its own rate, nothing is resampled), so a damaged one is reported here as it would be in
// training.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "datasets/audio/audio_file.h"

namespace attend::audio {

// Peak below this (-80 dBFS) counts as silent.
inline constexpr float kSilentPeak = 1e-4f;

struct AudioSetSummary {
  std::string description;  // "FSDD layout, 3000 recordings in ../shared/datasets/fsdd/recordings"
  int64_t utterances = 0;
  std::vector<double> seconds;               // per utterance, in order added
  std::map<int, int64_t> sample_rates;       // Hz -> utterances
  std::map<int, int64_t> channels;           // channels -> utterances
  std::map<std::string, int64_t> encodings;  // "WAV PCM_16" -> utterances
  std::vector<int64_t> transcript_chars;     // code points per transcript (spaces included)
  std::vector<int64_t> transcript_words;
  std::map<std::string, int64_t> characters;            // code point ("▁" for space) -> count
  std::map<std::string, int64_t> speakers;              // speaker -> utterances (when known)
  int64_t silent = 0;                                   // peak below kSilentPeak
  int64_t shorter_than_frame = 0;                       // under 25 ms: no 25 ms feature frame
  std::vector<std::pair<std::string, int64_t>> splits;  // ("train", n) ...
  std::vector<std::pair<std::string, std::string>> examples;  // (id, transcript), the first few
  int64_t max_examples = 3;                                   // how many add() keeps

  void add(const AudioInfo& file, std::span<const float> samples, int sample_rate,
           const std::string& transcript, const std::string& speaker, const std::string& id);
};

// name_or_path as load_speech_dataset takes it (speech_datasets.h), or one audio file. Throws
// DataError naming the file (and manifest line) at fault.
AudioSetSummary summarize_speech(const std::string& name_or_path, int max_examples = 3);

}  // namespace attend::audio
