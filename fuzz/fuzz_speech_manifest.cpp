// load_manifest and load_speech_dataset on one manifest ("path<TAB>transcript" lines). The
// scratch directory holds three small audio files the seeds name: a.wav, b.flac, sub/c.wav.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "datasets/audio/manifest.h"
#include "datasets/audio/speech_datasets.h"
#include "datasets/audio/transcript.h"
#include "datasets/data_error.h"
#include "fuzz_util.h"

using namespace attend;
using namespace attend::audio;

namespace {

void make_audio_files() {
  static const bool done = [] {
    std::vector<float> x(2400);
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.3f * static_cast<float>((i * 37) % 101) / 101;
    const std::string dir = fuzz::scratch_dir();
    std::filesystem::create_directories(dir + "/sub");
    write_audio(dir + "/a.wav", x, 16000);
    write_audio(dir + "/b.flac", x, 8000, 2, AudioEncoding::kPcm24, AudioContainer::kFlac);
    write_audio(dir + "/sub/c.wav", std::vector<float>(x.begin(), x.begin() + 300), 8000);
    return true;
  }();
  (void)done;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  make_audio_files();
  const std::string path =
      fuzz::write_file("manifest.tsv", {reinterpret_cast<const char*>(data), size});
  try {
    for (const ManifestEntry& e : load_manifest(path)) {
      ATTEND_FUZZ_CHECK(!e.audio.empty() && !e.transcript.empty() && e.line >= 1);
      ATTEND_FUZZ_CHECK(std::filesystem::is_regular_file(e.resolved));
      ATTEND_FUZZ_CHECK(e.transcript == normalize_transcript(e.transcript));
      ATTEND_FUZZ_CHECK(characters_to_text(transcript_characters(e.transcript)) == e.transcript);
    }
  } catch (const DataError&) {
    return 0;
  }
  // The whole way to features, split at random (a split may come out empty; global statistics
  // then fail with a DataError, which is fine).
  try {
    SpeechDataOptions o;
    o.fbank.sample_rate = 8000;
    o.fbank.num_mel_bins = 23;
    o.valid_fraction = o.test_fraction = 0.3;
    const SpeechDataset d = load_speech_dataset(path, o);
    for (const auto* split : {&d.train, &d.valid, &d.test})
      for (const SpeechExample& e : *split) {
        ATTEND_FUZZ_CHECK(e.frames() >= 1 && e.features.size(1) == 23);
        for (int64_t i = 0; i < e.features.numel(); ++i)
          ATTEND_FUZZ_CHECK(std::isfinite(e.features.data()[i]));
      }
  } catch (const DataError&) {
  }
  return 0;
}
