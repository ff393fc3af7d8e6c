// `attend datasets` for speech data (see datasets_audio.h).
#include "cli/datasets_audio.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <type_traits>
#include <vector>

#include "datasets/data_error.h"

#ifdef ATTEND_HAVE_AUDIO
#include "datasets/audio/audio_file.h"
#include "datasets/audio/digits.h"
#include "datasets/audio/speech_datasets.h"
#include "datasets/audio/summary.h"
#include "datasets/audio/transcript.h"
#endif

namespace attend::cli {

#ifdef ATTEND_HAVE_AUDIO

namespace {

template <typename K>
std::string counts(const std::map<K, int64_t>& m, const char* unit) {
  std::string out;
  for (const auto& [k, n] : m) {
    if (!out.empty()) out += ", ";
    if constexpr (std::is_same_v<K, std::string>)
      out += k;
    else
      out += std::to_string(k);
    out += unit;
    out += " (" + std::to_string(n) + ")";
  }
  return out;
}

void print_lengths(const char* what, std::vector<int64_t> v) {
  if (v.empty()) return;
  std::sort(v.begin(), v.end());
  const double mean = static_cast<double>(std::accumulate(v.begin(), v.end(), int64_t{0})) /
                      static_cast<double>(v.size());
  std::printf("%s: min %lld, mean %.1f, max %lld\n", what, static_cast<long long>(v.front()), mean,
              static_cast<long long>(v.back()));
}

void print_summary(const audio::AudioSetSummary& s) {
  std::printf("%s\n", s.description.c_str());
  std::printf("utterances %lld", static_cast<long long>(s.utterances));
  for (size_t i = 0; i < s.splits.size(); ++i)
    std::printf("%s%s %lld", i ? ", " : " (", s.splits[i].first.c_str(),
                static_cast<long long>(s.splits[i].second));
  std::printf("%s\n", s.splits.empty() ? "" : ")");
  if (s.utterances == 0) return;
  std::vector<double> d = s.seconds;
  std::sort(d.begin(), d.end());
  const double total = std::accumulate(d.begin(), d.end(), 0.0);
  const double median =
      d.size() % 2 ? d[d.size() / 2] : (d[d.size() / 2 - 1] + d[d.size() / 2]) / 2;
  if (d.size() == 1)
    std::printf("duration: %.3f s\n", d.front());
  else
    std::printf(
        "duration: total %.1f s (%.1f min); per utterance min %.3f s, median %.3f s, "
        "max %.3f s\n",
        total, total / 60, d.front(), median, d.back());
  std::printf("sample rates: %s\n", counts(s.sample_rates, " Hz").c_str());
  std::printf("channels: %s\n", counts(s.channels, "").c_str());
  std::printf("encodings: %s\n", counts(s.encodings, "").c_str());
  if (!s.speakers.empty())
    std::printf("speakers %zu: %s\n", s.speakers.size(), counts(s.speakers, "").c_str());
  print_lengths("transcript length (characters)", s.transcript_chars);
  print_lengths("transcript length (words)", s.transcript_words);
  if (!s.characters.empty()) {
    // Most frequent first; the vocabulary a character-level model would have (without specials).
    std::vector<std::pair<std::string, int64_t>> c(s.characters.begin(), s.characters.end());
    std::stable_sort(c.begin(), c.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::printf("characters %zu%s:", c.size(),
                s.characters.count(audio::kWordBoundary) ? " (\u2581 is a space)" : "");
    for (const auto& [ch, n] : c) std::printf(" %s %lld", ch.c_str(), static_cast<long long>(n));
    std::printf("\n");
  }
  std::printf("silent (peak below -80 dBFS): %lld; shorter than one 25 ms frame: %lld\n",
              static_cast<long long>(s.silent), static_cast<long long>(s.shorter_than_frame));
  for (size_t i = 0; i < s.examples.size(); ++i)
    if (!s.examples[i].second.empty())
      std::printf("sample %zu: %s  \"%s\"\n", i + 1, s.examples[i].first.c_str(),
                  s.examples[i].second.c_str());
}

}  // namespace

std::string audio_support() {
  return "audio: on (" + audio::audio_library_versions() + ")";
}

void list_speech_datasets() {
  const audio::DigitBank toy = audio::load_toy_digits();
  std::printf(
      "speech (bundled digit bank; `attend datasets show` also reads an FSDD folder, a "
      "folder with train.tsv/test.tsv manifests, a manifest or an audio file):\n");
  std::printf(
      "  %-20s %zu recordings of the ten digits, %zu voices, %d Hz (digit strings or "
      "single digits)\n",
      "toy-digits", toy.recordings.size(), toy.speakers().size(), toy.sample_rate);
}

bool show_speech_dataset(const std::string& what, int samples) {
  if (!audio::is_speech_dataset(what) && !audio::has_audio_extension(what)) return false;
  const audio::AudioSetSummary s = audio::summarize_speech(what, samples);
  print_summary(s);
  if (what == "toy-digits" || audio::looks_like_fsdd(what)) {
    const audio::DigitStringOptions o =
        audio::default_strings_for(what == "toy-digits" ? what : "fsdd");
    std::printf(
        "digit strings (attend builds them per split): %d-%d recordings of one speaker, "
        "%.2f-%.2f s apart",
        o.min_digits, o.max_digits, o.min_gap_seconds, o.max_gap_seconds);
    if (o.max_snr_db > 0) std::printf(", white noise at %g-%g dB SNR", o.min_snr_db, o.max_snr_db);
    std::printf("\n");
  }
  return true;
}

#else  // built without audio support

std::string audio_support() {
  return "audio: off (built without libsndfile, FFTW or libsamplerate; install them and rebuild)";
}

void list_speech_datasets() {
  std::printf("speech datasets: %s\n", audio_support().c_str());
}

bool show_speech_dataset(const std::string& what, int) {
  const auto ends = [&](const char* ext) {
    const std::string e = ext;
    return what.size() > e.size() && what.compare(what.size() - e.size(), e.size(), e) == 0;
  };
  if (what == "toy-digits" || ends(".wav") || ends(".flac"))
    throw DataError(what, 0, "cannot read speech data: " + audio_support());
  return false;
}

#endif

}  // namespace attend::cli
