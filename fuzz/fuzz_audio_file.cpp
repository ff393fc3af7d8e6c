// read_audio (libsndfile: WAV, FLAC, ...) on one file, at its own rate and resampled to 16 kHz, and
// log-mel features of what it returns.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "datasets/audio/audio_file.h"
#include "datasets/audio/fbank.h"
#include "datasets/data_error.h"
#include "fuzz_util.h"

using namespace attend;
using namespace attend::audio;

namespace {

void check_waveform(const Waveform& w) {
  ATTEND_FUZZ_CHECK(w.sample_rate >= 1000 && w.sample_rate <= 768000);
  ATTEND_FUZZ_CHECK(w.file.channels >= 1);
  for (float v : w.samples) ATTEND_FUZZ_CHECK(std::isfinite(v) && std::fabs(v) <= 1e4f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      fuzz::write_file("input.audio", {reinterpret_cast<const char*>(data), size});
  ReadAudioOptions native;
  native.max_seconds = 30;  // bounds the work a header can ask for
  Waveform w;
  try {
    const AudioInfo info = probe_audio(path);
    w = read_audio(path, native);
    ATTEND_FUZZ_CHECK(info.sample_rate == w.file.sample_rate && info.channels == w.file.channels);
  } catch (const DataError&) {
    return 0;
  }
  check_waveform(w);
  // Features at the file's own rate (an option error, e.g. too many bins for a low rate, is a
  // DataError like any other): finite, one row per frame.
  try {
    FbankOptions o;
    o.sample_rate = w.sample_rate;
    o.num_mel_bins = 23;
    const Tensor f = Fbank(o).compute(w.samples);
    ATTEND_FUZZ_CHECK(f.size(0) == o.num_frames(static_cast<int64_t>(w.samples.size())));
    for (int64_t i = 0; i < f.numel(); ++i) ATTEND_FUZZ_CHECK(std::isfinite(f.data()[i]));
  } catch (const DataError&) {
  }
  // Resampled, when that stays cheap.
  if (w.samples.size() <= 200000) {
    try {
      ReadAudioOptions r = native;
      r.sample_rate = 16000;
      r.quality = ResampleQuality::kSincFastest;
      const Waveform v = read_audio(path, r);
      check_waveform(v);
      ATTEND_FUZZ_CHECK(v.sample_rate == 16000);
      ATTEND_FUZZ_CHECK(v.samples.size() ==
                        static_cast<size_t>(std::llround(static_cast<double>(w.samples.size()) *
                                                         16000.0 / w.sample_rate)));
    } catch (const DataError&) {
    }
  }
  return 0;
}
