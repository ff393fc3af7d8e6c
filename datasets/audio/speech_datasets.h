// One entry point for every speech dataset attend knows, by name or path:
//   "toy-digits"        the bundled synthetic digit bank (digits.h)
//   DIR in FSDD layout  e.g. ../shared/datasets/fsdd (digits.h)
//   DIR with train.tsv  manifests train.tsv, test.tsv and optionally valid.tsv (manifest.h)
//   FILE.tsv            one manifest, split at random (valid_fraction, test_fraction; seeded)
// From a digit bank it builds digit strings (the default) or single digits on the bank's split.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "datasets/audio/digits.h"
#include "datasets/audio/speech_data.h"

namespace attend::audio {

enum class DigitTask { kStrings, kSingles };
std::string digit_task_name(DigitTask t);  // "strings" | "singles"
DigitTask parse_digit_task(const std::string& name);

struct SpeechDataOptions {
  FbankOptions fbank;  // default_fbank_for(name) is what suits each dataset
  Normalization normalization = Normalization::kGlobal;
  ResampleQuality resample = ResampleQuality::kSincMedium;
  // Global statistics to normalise with instead of the training split's (a checkpoint's, so an
  // evaluation sees the features its model was trained on).
  std::optional<FeatureStats> stats;

  // Digit banks.
  DigitTask task = DigitTask::kStrings;
  std::optional<DigitSplitOptions> split;  // nullopt: DigitSplitOptions::for_bank
  int64_t train_strings = 2000, valid_strings = 200, test_strings = 500;
  // Digits per string, gaps, noise; nullopt: default_strings_for(bank). Its count and seed are
  // replaced per split (seed, seed + 1, seed + 2 for train, valid, test).
  std::optional<DigitStringOptions> strings;
  // Single digits: noise as strings have it.

  // A single manifest.
  double valid_fraction = 0.05, test_fraction = 0.05;

  uint64_t seed = 1;
};

// 8 kHz and 40 mel bins for the 8 kHz digit banks (more bins would leave some empty at 8 kHz);
// Kaldi's defaults with 16 kHz and 80 bins otherwise.
FbankOptions default_fbank_for(const std::string& name_or_path);
// The toy bank: SNR 15..30 dB white noise; FSDD: none (its recordings have their own room noise).
DigitStringOptions default_strings_for(const std::string& bank_name);

// True when name_or_path is one of the forms above (nothing is read beyond a directory listing
// and a manifest's first line).
bool is_speech_dataset(const std::string& name_or_path);

// Reads, builds and featurises. Throws DataError naming the file (and line) at fault.
SpeechDataset load_speech_dataset(const std::string& name_or_path,
                                  const SpeechDataOptions& options = {});

}  // namespace attend::audio
