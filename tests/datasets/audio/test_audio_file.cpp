// Reading and writing audio files (libsndfile), mixing down and resampling (libsamplerate), and
// every kind of bad file the issue lists: truncated, not audio, empty, zero samples, silent,
// 24-bit, 8 channels, NaN.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "audio_test_util.h"
#include "datasets/audio/audio_file.h"
#include "datasets/audio/resample.h"

using namespace attend;
using namespace attend::audio;

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Peak of |x| over x[begin, end).
double peak(const std::vector<float>& x, size_t begin, size_t end) {
  double p = 0;
  for (size_t i = begin; i < std::min(end, x.size()); ++i) p = std::max(p, std::fabs(double(x[i])));
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_audio_file)

BOOST_AUTO_TEST_CASE(every_encoding_round_trips) {
  // Values on the coarsest (8-bit) grid survive every integer encoding exactly; float keeps any.
  std::vector<float> x = test::sine(1000, 440, 16000, 0.9);
  for (float& v : x) v = std::round(v * 128) / 128;
  test::TempDir dir;
  struct Kind {
    AudioEncoding enc;
    AudioContainer container;
    const char* name;
    const char* format;
    const char* encoding;
  };
  for (const Kind& k :
       {Kind{AudioEncoding::kPcm8, AudioContainer::kWav, "u8.wav", "WAV", "PCM_U8"},
        Kind{AudioEncoding::kPcm16, AudioContainer::kWav, "s16.wav", "WAV", "PCM_16"},
        Kind{AudioEncoding::kPcm24, AudioContainer::kWav, "s24.wav", "WAV", "PCM_24"},
        Kind{AudioEncoding::kPcm32, AudioContainer::kWav, "s32.wav", "WAV", "PCM_32"},
        Kind{AudioEncoding::kFloat, AudioContainer::kWav, "f32.wav", "WAV", "FLOAT"},
        Kind{AudioEncoding::kPcm8, AudioContainer::kFlac, "s8.flac", "FLAC", "PCM_S8"},
        Kind{AudioEncoding::kPcm16, AudioContainer::kFlac, "s16.flac", "FLAC", "PCM_16"},
        Kind{AudioEncoding::kPcm24, AudioContainer::kFlac, "s24.flac", "FLAC", "PCM_24"}}) {
    BOOST_TEST_CONTEXT(k.name) {
      const std::string path = dir.path(k.name);
      write_audio(path, x, 16000, 1, k.enc, k.container);
      const AudioInfo info = probe_audio(path);
      BOOST_CHECK_EQUAL(info.format, k.format);
      BOOST_CHECK_EQUAL(info.encoding, k.encoding);
      BOOST_CHECK_EQUAL(info.frames, 1000);
      BOOST_CHECK_EQUAL(info.sample_rate, 16000);
      const Waveform w = read_audio(path);
      BOOST_REQUIRE_EQUAL(w.samples.size(), x.size());
      for (size_t i = 0; i < x.size(); ++i) BOOST_REQUIRE_EQUAL(w.samples[i], x[i]);
    }
  }
  // FLAC holds no floats: a clear error, not a broken file.
  test::check_data_error(
      [&] {
        write_audio(dir.path("f.flac"), x, 16000, 1, AudioEncoding::kFloat, AudioContainer::kFlac);
      },
      dir.path("f.flac"), 0, "cannot write this encoding to FLAC");
}

BOOST_AUTO_TEST_CASE(eight_channels_mix_down_to_their_mean) {
  // Channel c holds (c + 1) / 16 everywhere: the mean is (1 + ... + 8) / 8 / 16 = 4.5 / 16.
  const int64_t frames = 500;
  std::vector<float> x(static_cast<size_t>(frames * 8));
  for (int64_t i = 0; i < frames; ++i)
    for (int c = 0; c < 8; ++c) x[static_cast<size_t>(i * 8 + c)] = static_cast<float>(c + 1) / 16;
  test::TempDir dir;
  for (auto container : {AudioContainer::kWav, AudioContainer::kFlac}) {
    const std::string path = dir.path(container == AudioContainer::kWav ? "8ch.wav" : "8ch.flac");
    write_audio(path, x, 16000, 8, AudioEncoding::kPcm24, container);
    const Waveform w = read_audio(path);
    BOOST_CHECK_EQUAL(w.file.channels, 8);
    BOOST_CHECK_EQUAL(w.file.encoding, "PCM_24");
    BOOST_REQUIRE_EQUAL(w.samples.size(), static_cast<size_t>(frames));
    for (float v : w.samples) BOOST_REQUIRE_EQUAL(v, 4.5f / 16);
  }
}

BOOST_AUTO_TEST_CASE(resampling_keeps_the_band_and_drops_what_lies_above) {
  // 1 s at 44.1 kHz: a 1 kHz tone survives the move to 16 kHz with its amplitude; a 10 kHz tone
  // (above the new Nyquist frequency of 8 kHz) must not fold back as a 6 kHz alias.
  test::TempDir dir;
  for (ResampleQuality q :
       {ResampleQuality::kSincBest, ResampleQuality::kSincMedium, ResampleQuality::kSincFastest}) {
    BOOST_TEST_CONTEXT(resample_quality_name(q)) {
      const std::vector<float> low = resample(test::sine(44100, 1000, 44100), 44100, 16000, q);
      BOOST_REQUIRE_EQUAL(low.size(), 16000u);
      // Away from the ends (the filter's start-up), the tone keeps its amplitude of 0.5.
      BOOST_CHECK_CLOSE(peak(low, 1000, 15000), 0.5, 0.5);
      // and its frequency: the correlation with a 1 kHz sine at 16 kHz is ~1.
      const std::vector<float> ref = test::sine(16000, 1000, 16000);
      double dot = 0;
      for (size_t i = 1000; i < 15000; ++i) dot += static_cast<double>(low[i]) * ref[i];
      BOOST_CHECK_CLOSE(dot / test::power(ref, 1000, 15000) / 14000, 1.0, 2.0);
      const std::vector<float> high = resample(test::sine(44100, 10000, 44100), 44100, 16000, q);
      BOOST_CHECK_LT(peak(high, 1000, 15000), 1e-3);  // at least 54 dB down
    }
  }
  // Upsampling FSDD's 8 kHz to 16 kHz doubles the length.
  BOOST_CHECK_EQUAL(resample(test::sine(4301, 300, 8000), 8000, 16000).size(), 8602u);
  BOOST_CHECK_EQUAL(resample(test::sine(100, 300, 8000), 8000, 8000).size(), 100u);
  BOOST_CHECK(resample(std::vector<float>{}, 8000, 16000).empty());
  test::check_data_error([] { resample(std::vector<float>(10), 0, 16000); }, "", 0,
                         "must be positive");
  test::check_data_error([] { parse_resample_quality("best"); }, "", 0, "sinc-best");
}

BOOST_AUTO_TEST_CASE(read_audio_resamples_to_the_asked_rate) {
  test::TempDir dir;
  const std::string path = dir.path("tone.wav");
  write_audio(path, test::sine(8000, 500, 8000), 8000);
  ReadAudioOptions r;
  r.sample_rate = 16000;
  const Waveform w = read_audio(path, r);
  BOOST_CHECK_EQUAL(w.sample_rate, 16000);
  BOOST_CHECK_EQUAL(w.file.sample_rate, 8000);
  BOOST_CHECK_EQUAL(w.samples.size(), 16000u);
  BOOST_CHECK_CLOSE(w.seconds(), 1.0, 1e-9);
}

// --- bad input: one line naming the file, never a crash ----------------------------------------

BOOST_AUTO_TEST_CASE(truncated_wav_and_flac) {
  test::TempDir dir;
  const std::vector<float> x = test::noise(8000, 0.2, 1);
  for (auto container : {AudioContainer::kWav, AudioContainer::kFlac}) {
    const bool wav = container == AudioContainer::kWav;
    const std::string whole = dir.path(wav ? "whole.wav" : "whole.flac");
    write_audio(whole, x, 8000, 1, AudioEncoding::kPcm16, container);
    const std::string bytes = read_bytes(whole);
    for (size_t keep : {bytes.size() / 2, bytes.size() - 1, size_t{60}}) {
      const std::string cut = dir.write(wav ? "cut.wav" : "cut.flac", bytes.substr(0, keep));
      BOOST_TEST_CONTEXT(cut << " cut to " << keep << " of " << bytes.size() << " bytes") {
        test::check_data_error([&] { read_audio(cut); }, cut, 0, "truncated");
      }
    }
    // A header alone: cut inside the header is "cannot read", not a crash.
    const std::string header = dir.write(wav ? "hdr.wav" : "hdr.flac", bytes.substr(0, 20));
    test::check_data_error([&] { read_audio(header); }, header, 0, "");
  }
}

BOOST_AUTO_TEST_CASE(not_audio_empty_missing_directory) {
  test::TempDir dir;
  const std::string text = dir.write("notes.wav", "this is not a RIFF file\n");
  test::check_data_error([&] { read_audio(text); }, text, 0, "not an audio file attend reads");
  const std::string empty = dir.write("empty.wav", "");
  test::check_data_error([&] { read_audio(empty); }, empty, 0, "empty file");
  test::check_data_error([&] { read_audio(dir.path("missing.wav")); }, dir.path("missing.wav"), 0,
                         "no such file");
  test::check_data_error([&] { read_audio(dir.root()); }, dir.root(), 0, "is a directory");
  // A RIFF/WAVE header around garbage.
  const std::string junk =
      dir.write("junk.wav", std::string("RIFF\x10\x00\x00\x00WAVEjunkjunk", 20));
  test::check_data_error([&] { read_audio(junk); }, junk, 0, "cannot read as WAV audio");
  // A file libsndfile could parse as another format (MAT5 here) but attend does not read.
  const std::string mat = dir.write("x.mat", "MATLAB 5.0 MAT-file, Platform: GLNX86");
  test::check_data_error([&] { read_audio(mat); }, mat, 0, "not an audio file attend reads");
}

BOOST_AUTO_TEST_CASE(zero_samples_and_silence_are_documented_conversions) {
  test::TempDir dir;
  // A valid WAV with no samples reads as an empty waveform (datasets refuse it, see
  // test_speech_data; `attend datasets show` counts it).
  const std::string none = dir.path("none.wav");
  write_audio(none, std::vector<float>{}, 16000);
  const Waveform w = read_audio(none);
  BOOST_CHECK(w.samples.empty());
  BOOST_CHECK_EQUAL(w.file.frames, 0);
  // Digital silence reads as zeros.
  const std::string silent = dir.path("silent.flac");
  write_audio(silent, std::vector<float>(4000, 0.0f), 16000, 1, AudioEncoding::kPcm16,
              AudioContainer::kFlac);
  const Waveform s = read_audio(silent);
  BOOST_CHECK_EQUAL(s.samples.size(), 4000u);
  BOOST_CHECK_EQUAL(peak(s.samples, 0, 4000), 0.0);
}

BOOST_AUTO_TEST_CASE(float_files_with_nan_or_huge_samples) {
  test::TempDir dir;
  std::vector<float> x(100, 0.25f);
  x[42] = std::nanf("");
  const std::string nan = dir.path("nan.wav");
  // write_audio refuses NaN for integer files only; a float file stores it as it is.
  write_audio(nan, x, 16000, 1, AudioEncoding::kFloat);
  test::check_data_error([&] { read_audio(nan); }, nan, 0, "sample 42 (channel 1) is nan");
  x[42] = 3e5f;
  const std::string loud = dir.path("loud.wav");
  write_audio(loud, x, 16000, 1, AudioEncoding::kFloat);
  test::check_data_error([&] { read_audio(loud); }, loud, 0, "within +-1e4");
}

BOOST_AUTO_TEST_CASE(corrupt_rate_and_length_limits) {
  test::TempDir dir;
  const std::string path = dir.path("tone.wav");
  write_audio(path, test::sine(8000, 300, 8000), 8000);
  std::string bytes = read_bytes(path);
  // The sample-rate field of the fmt chunk (bytes 24..27) set to 100 Hz.
  std::string slow = bytes;
  slow[24] = 100, slow[25] = slow[26] = slow[27] = 0;
  const std::string p100 = dir.write("slow.wav", slow);
  test::check_data_error([&] { read_audio(p100); }, p100, 0, "sample rate 100 Hz is outside");
  ReadAudioOptions r;
  r.max_seconds = 0.5;
  test::check_data_error([&] { read_audio(path, r); }, path, 0, "longer than 0.5 s");
}

BOOST_AUTO_TEST_SUITE_END()
