// Spoken-digit data: a bank of isolated digit recordings, its splits, and the utterances built
// from it (single digits, and digit strings such as "three one four").
//
// Two banks have this shape:
//   - the Free Spoken Digit Dataset (FSDD; ../shared/datasets/fsdd, SOURCE.md there): 3,000 WAV
//     files {digit}_{speaker}_{index}.wav, 6 speakers x 10 digits x indices 0..49, 8 kHz;
//   - attend's bundled "toy-digits" (datasets/data/toy-digits.{flac,tsv}, written by
//     datasets/generators/gen_toy_digits.py): the ten digits synthesised by espeak-ng with 6
//     voices (the speakers), 4 renditions each at different rates and pitches (indices 0..3).
//
// Splits go by index, as FSDD's official one: index < test_indices is test, the next
// valid_indices indices are validation, the rest training. With a held-out speaker, that speaker
// is the whole test split, and the other speakers' first valid_indices indices are validation.
//
// Digit strings (the construction): an utterance joins 3..7 recordings of one speaker,
// all from the same split, with short silences between them; every random choice comes from a
// seeded Generator, and a speaker's recordings are dealt from a shuffled deck (reshuffled when
// empty), so each recording is used about equally often.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/audio/audio_file.h"
#include "datasets/audio/speech_data.h"

namespace attend::audio {

// "zero", "one", ..., "nine".
const std::string& digit_word(int digit);

struct DigitRecording {
  int digit = 0;
  std::string speaker;
  int index = 0;
  std::vector<float> samples;  // mono, at the bank's rate
  std::string source;          // the file (for FSDD) or "toy-digits.flac" (for the toy bank)
  std::string id() const;      // "7_jackson_32"
};

struct DigitBank {
  std::string name;  // "fsdd", "toy-digits"
  int sample_rate = 0;
  std::vector<DigitRecording> recordings;     // sorted by (speaker, digit, index)
  std::vector<std::string> speakers() const;  // sorted
};

// The FSDD layout: dir is the dataset's root (holding recordings/) or the recordings folder
// itself. Every *.wav must be named {digit}_{speaker}_{index}.wav (else DataError naming it);
// other files are ignored. Files are read at options.sample_rate (0 = as stored).
DigitBank load_fsdd(const std::string& dir, const ReadAudioOptions& options = {});
// True when dir looks like the FSDD layout (a recordings/ folder, or *.wav files named as above).
bool looks_like_fsdd(const std::string& dir);

// The bundled toy bank from bundled_data_dir() (datasets/bundled.h).
DigitBank load_toy_digits(const ReadAudioOptions& options = {});
// Paths of toy-digits.flac and toy-digits.tsv.
std::vector<std::string> toy_digits_files();

struct DigitSplitOptions {
  int test_indices = 5;          // FSDD's official split: indices 0..4 are test
  int valid_indices = 5;         // the next five (5..9) validation; 0 = no validation split
  std::string held_out_speaker;  // non-empty: this speaker is the test split (DataError if unknown)
  // FSDD's numbers; the toy bank has 4 renditions per (voice, digit): 1 test, 1 valid, 2 train.
  static DigitSplitOptions for_bank(const std::string& bank_name);
};

// Positions into bank.recordings of each split.
struct DigitSplit {
  std::vector<int64_t> train, valid, test;
};
DigitSplit split_digit_bank(const DigitBank& bank, const DigitSplitOptions& options);

struct DigitStringOptions {
  int64_t count = 1000;  // utterances to build
  int min_digits = 3, max_digits = 7;
  double min_gap_seconds = 0.05, max_gap_seconds = 0.25;  // silence between digits
  double edge_seconds = 0.05;  // silence before the first and after the last digit
  // White noise over the whole utterance at a signal-to-noise ratio drawn uniformly from
  // [min_snr_db, max_snr_db] (signal power measured over the digits); both 0 = no noise.
  double min_snr_db = 0, max_snr_db = 0;
  uint64_t seed = 1;
};

// Digit strings from the recordings at these positions (one split). Ids are
// "{prefix}-{n:05}", transcripts "three one four". Throws DataError when positions is empty.
std::vector<AudioClip> make_digit_strings(const DigitBank& bank,
                                          const std::vector<int64_t>& positions,
                                          const DigitStringOptions& options,
                                          const std::string& id_prefix);

// One utterance per recording ("seven"), with the same noise option (seeded by seed).
std::vector<AudioClip> make_single_digits(const DigitBank& bank,
                                          const std::vector<int64_t>& positions,
                                          double min_snr_db = 0, double max_snr_db = 0,
                                          uint64_t seed = 1);

// Adds white noise to samples at snr_db relative to their mean power (unchanged if silent).
void add_noise(std::vector<float>& samples, double snr_db, Generator& gen);

}  // namespace attend::audio
