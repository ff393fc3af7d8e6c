// Speech dataset summaries for `attend datasets show` (see summary.h).
#include "datasets/audio/summary.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "datasets/audio/digits.h"
#include "datasets/audio/manifest.h"
#include "datasets/audio/speech_datasets.h"
#include "datasets/audio/transcript.h"
#include "datasets/data_error.h"

namespace attend::audio {

namespace fs = std::filesystem;

namespace {

// The shortest audio that gives one feature frame with Kaldi's 25 ms window.
bool gives_no_frame(size_t n, int rate) {
  FbankOptions o;
  o.sample_rate = rate;
  return o.num_frames(static_cast<int64_t>(n)) == 0;
}

void add_manifest(AudioSetSummary& s, const std::string& path, const std::string& split) {
  const std::vector<ManifestEntry> entries = load_manifest(path);
  for (const ManifestEntry& e : entries) {
    Waveform w;
    try {
      w = read_audio(e.resolved);
    } catch (const DataError& err) {
      throw DataError(path, e.line, err.what());
    }
    s.add(w.file, w.samples, w.sample_rate, e.transcript, "", e.audio);
  }
  s.splits.emplace_back(split, static_cast<int64_t>(entries.size()));
}

void add_bank(AudioSetSummary& s, const DigitBank& bank, const AudioInfo* shared_file) {
  for (const DigitRecording& r : bank.recordings) {
    AudioInfo file = shared_file ? *shared_file : probe_audio(r.source);
    file.frames = static_cast<int64_t>(r.samples.size());
    s.add(file, r.samples, bank.sample_rate, digit_word(r.digit), r.speaker, r.id());
  }
  const DigitSplit split = split_digit_bank(bank, DigitSplitOptions::for_bank(bank.name));
  s.splits = {{"train", static_cast<int64_t>(split.train.size())},
              {"valid", static_cast<int64_t>(split.valid.size())},
              {"test", static_cast<int64_t>(split.test.size())}};
}

}  // namespace

void AudioSetSummary::add(const AudioInfo& file, std::span<const float> samples, int sample_rate,
                          const std::string& transcript, const std::string& speaker,
                          const std::string& id) {
  ++utterances;
  seconds.push_back(sample_rate > 0 ? static_cast<double>(samples.size()) / sample_rate : 0.0);
  ++sample_rates[file.sample_rate];
  ++channels[file.channels];
  ++encodings[file.format + " " + file.encoding];
  float peak = 0;
  for (float v : samples) peak = std::max(peak, std::fabs(v));
  if (peak < kSilentPeak) ++silent;
  if (gives_no_frame(samples.size(), sample_rate)) ++shorter_than_frame;
  if (!speaker.empty()) ++speakers[speaker];
  if (!transcript.empty()) {
    const std::vector<std::string> chars = transcript_characters(transcript);
    transcript_chars.push_back(static_cast<int64_t>(chars.size()));
    transcript_words.push_back(
        static_cast<int64_t>(std::count(chars.begin(), chars.end(), kWordBoundary)) + 1);
    for (const std::string& c : chars) ++characters[c];
  }
  if (static_cast<int64_t>(examples.size()) < max_examples) examples.emplace_back(id, transcript);
}

AudioSetSummary summarize_speech(const std::string& what, int max_examples) {
  AudioSetSummary s;
  s.max_examples = max_examples;
  std::error_code ec;
  if (what == "toy-digits") {
    const DigitBank bank = load_toy_digits();
    const AudioInfo file = probe_audio(toy_digits_files()[0]);
    s.description = "bundled toy-digits: " + std::to_string(bank.recordings.size()) +
                    " synthetic recordings (espeak-ng) in " + toy_digits_files()[0];
    add_bank(s, bank, &file);
  } else if (looks_like_fsdd(what)) {
    const DigitBank bank = load_fsdd(what);
    s.description = "FSDD layout: " + std::to_string(bank.recordings.size()) + " recordings in " +
                    what + " (split by index: 0-4 test, 5-9 valid, the rest train)";
    add_bank(s, bank, nullptr);
  } else if (fs::is_directory(what, ec) && fs::is_regular_file(fs::path(what) / "train.tsv", ec)) {
    s.description = "manifests in " + what;
    for (const char* split : {"train", "valid", "test"}) {
      const fs::path p = fs::path(what) / (std::string(split) + ".tsv");
      if (fs::is_regular_file(p, ec)) add_manifest(s, p.string(), split);
    }
  } else if (has_audio_extension(what)) {
    const Waveform w = read_audio(what);
    s.description = "audio file " + what;
    s.add(w.file, w.samples, w.sample_rate, "", "", what);
  } else {
    s.description = "manifest " + what;
    add_manifest(s, what, "all");
  }
  return s;
}

}  // namespace attend::audio
