// Log-mel filterbanks against torchaudio.compliance.kaldi.fbank (tests/fixtures/fbank.txt, written
// by tests/fixtures/gen_fbank_fixtures.py), each signal going through a WAV or FLAC file and
// attend's reader first; and the filterbank's own properties.
#include <boost/test/unit_test.hpp>
#include <cfloat>
#include <cmath>
#include <thread>

#include "audio_test_util.h"
#include "datasets/audio/audio_file.h"
#include "datasets/audio/fbank.h"
#include "test_util.h"

using namespace attend;
using namespace attend::audio;

namespace {

const test::FixtureFile& fixtures() {
  static const test::FixtureFile f("fbank.txt", "tests/fixtures/gen_fbank_fixtures.py");
  return f;
}

float opt(const std::string& c, const std::string& key) {
  return fixtures().get(c + ".opt." + key).item();
}

FbankOptions case_options(const std::string& c) {
  FbankOptions o;
  o.sample_rate = static_cast<int>(opt(c, "sample_rate"));
  o.num_mel_bins = static_cast<int>(opt(c, "bins"));
  return o;
}

// The case's samples ([n] or [n, channels] interleaved) in [-1, 1].
std::vector<float> case_samples(const std::string& c) {
  const bool ints = fixtures().has(c + ".ints");
  const Tensor& t = fixtures().get(c + (ints ? ".ints" : ".samples"));
  const float scale = ints ? opt(c, "scale") : 1.0f;
  std::vector<float> x(t.data(), t.data() + t.numel());
  for (float& v : x) v /= scale;  // exact: a power of two
  return x;
}

// Largest |a - b| over the first `cols` columns of [frames, bins] features (all when cols < 0),
// counting only entries where the reference b is at least `above`.
float max_abs_diff(const Tensor& a, const Tensor& b, int64_t cols = -1, float above = -1e30f) {
  BOOST_REQUIRE_EQUAL(a.shape(), b.shape());
  const int64_t width = a.size(1);
  if (cols < 0) cols = width;
  float worst = 0;
  for (int64_t t = 0; t < a.size(0); ++t)
    for (int64_t k = 0; k < cols; ++k)
      if (b.data()[t * width + k] >= above)
        worst = std::max(worst, std::fabs(a.data()[t * width + k] - b.data()[t * width + k]));
  return worst;
}

// The agreement the fixture test asserts for every case read at its own rate, as max |attend -
// torchaudio| over log-mel values. Both sides compute in float32 and differ in the FFT (FFTW
// against PocketFFT) and summation order, by a few ulp of the frame's largest power. Measured:
// at most 1.3e-4 wherever log-mel >= -9 (mel power >= 1.2e-4), and 7.5e-3 in bins close to the
// floor log(FLT_EPSILON) = -15.9 (the empty top of the clean float chirp's spectrum), where the
// same absolute round-off is a large part of the power.
constexpr float kLoud = -9.0f;          // log-mel above which kTolerance holds
constexpr float kTolerance = 2e-4f;     // there
constexpr float kToleranceAll = 2e-2f;  // everywhere, floor included

float worst_seen = 0, worst_seen_all = 0;  // over every case, printed at the end

void compare(const Tensor& y, const std::string& name) {
  const Tensor& ref = fixtures().get(name);
  const float loud = max_abs_diff(y, ref, -1, kLoud), all = max_abs_diff(y, ref);
  BOOST_TEST_MESSAGE(name << " " << y.shape() << ": max |attend - torchaudio| = " << loud
                          << " where log-mel >= " << kLoud << ", " << all << " everywhere");
  worst_seen = std::max(worst_seen, loud);
  worst_seen_all = std::max(worst_seen_all, all);
  BOOST_CHECK_LE(loud, kTolerance);
  BOOST_CHECK_LE(all, kToleranceAll);
}

// Writes the case to a file of this kind, reads it back, and compares the features with CASE.y.
void check_case(const std::string& c, const std::string& name, AudioEncoding enc,
                AudioContainer container, int channels, const FbankOptions& o,
                const std::string& expected) {
  test::TempDir dir;
  const std::vector<float> x = case_samples(c);
  const std::string path = dir.path(name);
  write_audio(path, x, o.sample_rate, channels, enc, container);
  const Waveform w = read_audio(path);
  BOOST_REQUIRE_EQUAL(w.sample_rate, o.sample_rate);
  BOOST_REQUIRE_EQUAL(w.file.channels, channels);
  // The samples survive the file exactly (mono: as stored; several channels: their mean).
  BOOST_REQUIRE_EQUAL(w.samples.size() * static_cast<size_t>(channels), x.size());
  for (size_t i = 0; i < w.samples.size(); ++i) {
    float m = 0;
    for (int k = 0; k < channels; ++k)
      m += x[i * static_cast<size_t>(channels) + static_cast<size_t>(k)];
    BOOST_REQUIRE_EQUAL(w.samples[i], channels == 1 ? m : m / static_cast<float>(channels));
  }
  compare(Fbank(o).compute(w.samples), c + "." + expected);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_fbank)

BOOST_AUTO_TEST_CASE(chirp_float_wav) {
  check_case("chirp", "chirp.wav", AudioEncoding::kFloat, AudioContainer::kWav, 1,
             case_options("chirp"), "y");
}

BOOST_AUTO_TEST_CASE(noise_16bit_wav_three_option_sets) {
  FbankOptions o = case_options("noise");
  check_case("noise", "noise.wav", AudioEncoding::kPcm16, AudioContainer::kWav, 1, o, "y");
  FbankOptions centred = o;
  centred.snip_edges = false;
  centred.use_energy = true;
  centred.energy_floor = 10.0f;
  check_case("noise", "noise.wav", AudioEncoding::kPcm16, AudioContainer::kWav, 1, centred,
             "y_centred");
  FbankOptions hamming = o;
  hamming.window = WindowType::kHamming;
  hamming.preemphasis = 0;
  hamming.remove_dc_offset = false;
  hamming.use_energy = true;
  hamming.raw_energy = false;
  check_case("noise", "noise.wav", AudioEncoding::kPcm16, AudioContainer::kWav, 1, hamming,
             "y_hamming");
  // The silent first 0.1 s sits at the floor: log(FLT_EPSILON) in every bin, and with the energy
  // floor of 10 the energy column is log(10).
  const Tensor& y = fixtures().get("noise.y");
  BOOST_CHECK_CLOSE(y.data()[0], std::log(FLT_EPSILON), 1e-4);
  BOOST_CHECK_CLOSE(fixtures().get("noise.y_centred").data()[0], std::log(10.0f), 1e-4);
}

BOOST_AUTO_TEST_CASE(real_fsdd_recording) {
  const std::string dir = test::fsdd_dir();
  if (dir.empty()) return;
  const Waveform w = read_audio(dir + "/recordings/7_jackson_32.wav");
  BOOST_REQUIRE_EQUAL(w.sample_rate, 8000);
  compare(Fbank(case_options("fsdd")).compute(w.samples), "fsdd.y");
}

BOOST_AUTO_TEST_CASE(tone_8khz_24bit_wav) {
  check_case("tone8k", "tone8k.wav", AudioEncoding::kPcm24, AudioContainer::kWav, 1,
             case_options("tone8k"), "y");
}

BOOST_AUTO_TEST_CASE(stereo_44khz_flac_at_its_own_rate) {
  check_case("stereo44k", "stereo44k.flac", AudioEncoding::kPcm16, AudioContainer::kFlac, 2,
             case_options("stereo44k"), "y");
}

// Resampled 44.1 -> 16 kHz: attend uses libsamplerate, the fixture torchaudio's Kaiser-windowed
// sinc; two good resamplers, not the same filter. Below 7 kHz (mel bins whose upper edge is under
// 7 kHz, 76 of 80) the features agree within 0.01; the top bins lie in the two filters'
// transition bands, where each attenuates differently.
BOOST_AUTO_TEST_CASE(stereo_44khz_resampled_to_16khz) {
  test::TempDir dir;
  const std::string path = dir.path("stereo44k.flac");
  write_audio(path, case_samples("stereo44k"), 44100, 2, AudioEncoding::kPcm16,
              AudioContainer::kFlac);
  ReadAudioOptions r;
  r.sample_rate = 16000;
  r.quality = ResampleQuality::kSincBest;
  const Waveform w = read_audio(path, r);
  BOOST_CHECK_EQUAL(w.samples.size(), 2400u);  // 6615 * 16000 / 44100
  FbankOptions o;
  const Tensor y = Fbank(o).compute(w.samples);
  const Tensor& ref = fixtures().get("stereo44k.y16k");
  // Bins whose triangle ends below 7 kHz.
  const MelBanks banks = MelBanks::make(o);
  int64_t below = 0;
  while (below < o.num_mel_bins &&
         (banks.first[below] + static_cast<int64_t>(banks.weights[below].size())) * 16000.0 /
                 o.fft_size() <=
             7000.0)
    ++below;
  const float d_low = max_abs_diff(y, ref, below), d_all = max_abs_diff(y, ref);
  BOOST_TEST_MESSAGE("stereo44k.y16k: " << below << " bins below 7 kHz, max diff " << d_low
                                        << "; all bins " << d_all);
  BOOST_CHECK_EQUAL(below, 76);
  BOOST_CHECK_LE(d_low, 0.01f);
}

BOOST_AUTO_TEST_CASE(agreement_summary) {
  // Runs after the cases above (Boost.Test keeps file order): the figure the README quotes.
  BOOST_TEST_MESSAGE(
      "fbank agreement over every case at its own rate: max |attend - "
      "torchaudio| = "
      << worst_seen << " where log-mel >= " << kLoud << ", " << worst_seen_all << " everywhere");
  BOOST_CHECK_GT(worst_seen, 0.0f);  // the cases ran (and are not bit-identical by accident)
}

BOOST_AUTO_TEST_CASE(frame_counts_follow_kaldi) {
  FbankOptions o;  // 16 kHz: 400-sample window, 160-sample hop, 512-point FFT
  BOOST_CHECK_EQUAL(o.window_size(), 400);
  BOOST_CHECK_EQUAL(o.window_shift(), 160);
  BOOST_CHECK_EQUAL(o.fft_size(), 512);
  BOOST_CHECK_EQUAL(o.num_frames(399), 0);
  BOOST_CHECK_EQUAL(o.num_frames(400), 1);
  BOOST_CHECK_EQUAL(o.num_frames(559), 1);
  BOOST_CHECK_EQUAL(o.num_frames(560), 2);
  o.snip_edges = false;  // one frame per started hop: (n + 80) / 160
  BOOST_CHECK_EQUAL(o.num_frames(79), 0);
  BOOST_CHECK_EQUAL(o.num_frames(80), 1);
  BOOST_CHECK_EQUAL(o.num_frames(16000), 100);
  o.sample_rate = 44100;  // 1102.5 samples truncate to 1102, as Kaldi's int cast does
  BOOST_CHECK_EQUAL(o.window_size(), 1102);
  BOOST_CHECK_EQUAL(o.fft_size(), 2048);
  const std::vector<float> x = test::noise(400 + 160 * 9, 0.1, 3);
  BOOST_CHECK_EQUAL(Fbank().compute(x).shape(), Shape({10, 80}));
  BOOST_CHECK_EQUAL(Fbank().compute(std::vector<float>(399, 0.1f)).shape(), Shape({0, 80}));
}

BOOST_AUTO_TEST_CASE(a_tone_lands_in_its_mel_bin) {
  // A 1 kHz tone at 16 kHz: the loudest bin is the one whose triangle peaks nearest 1 kHz.
  FbankOptions o;
  const Tensor y = Fbank(o).compute(test::sine(16000, 1000, 16000));
  const MelBanks banks = MelBanks::make(o);
  int64_t best = 0, expect = 0;
  double nearest = 1e9;
  for (int64_t b = 0; b < o.num_mel_bins; ++b) {
    if (y.data()[5 * 80 + b] > y.data()[5 * 80 + best]) best = b;
    const auto& w = banks.weights[b];
    const int64_t peak = banks.first[b] + (std::max_element(w.begin(), w.end()) - w.begin());
    const double hz = peak * 16000.0 / 512;
    if (std::fabs(hz - 1000) < nearest) nearest = std::fabs(hz - 1000), expect = b;
  }
  BOOST_CHECK_LE(std::abs(best - expect), 1);
}

BOOST_AUTO_TEST_CASE(bad_options_are_one_line_errors) {
  FbankOptions o;
  o.sample_rate = 8000;
  o.num_mel_bins = 128;  // at 8 kHz with a 256-point FFT the lowest triangles hold no FFT bin
  test::check_data_error([&] { Fbank f(o); }, "", 0, "holds no FFT bin");
  o.num_mel_bins = 40;
  o.high_freq = 5000;  // above Nyquist
  test::check_data_error([&] { Fbank f(o); }, "", 0, "Nyquist");
  o = FbankOptions{};
  o.frame_length_ms = 0;
  test::check_data_error([&] { Fbank f(o); }, "", 0, "frame_length_ms");
  o = FbankOptions{};
  o.dither = 1;
  const std::vector<float> x(1000, 0.0f);
  test::check_data_error([&] { Fbank(o).compute(x); }, "", 0, "needs a Generator");
  test::check_data_error([] { parse_window("blackmann"); }, "", 0, "unknown window");
}

BOOST_AUTO_TEST_CASE(dither_is_seeded) {
  FbankOptions o;
  o.dither = 1.0f;
  const std::vector<float> silence(4000, 0.0f);
  Generator a(7), b(7), c(8);
  const Fbank f(o);
  const Tensor ya = f.compute(silence, &a), yb = f.compute(silence, &b),
               yc = f.compute(silence, &c);
  BOOST_CHECK_EQUAL(max_abs_diff(ya, yb), 0.0f);
  BOOST_CHECK_GT(max_abs_diff(ya, yc), 0.0f);
  // Dithered digital silence is off the log floor.
  BOOST_CHECK_GT(ya.data()[0], std::log(FLT_EPSILON) + 1);
}

BOOST_AUTO_TEST_CASE(options_json_round_trip) {
  FbankOptions o;
  o.sample_rate = 8000;
  o.num_mel_bins = 40;
  o.snip_edges = false;
  o.window = WindowType::kHamming;
  o.use_energy = true;
  BOOST_CHECK(FbankOptions::from_json(o.to_json()) == o);
  test::check_data_error([] { FbankOptions::from_json(R"({"sample_rat": 8000})"); }, "", 0,
                         "unknown option 'sample_rat'");
  test::check_data_error([] { FbankOptions::from_json(R"({"num_mel_bins": "forty"})"); }, "", 0,
                         "bad options JSON");
  test::check_data_error([] { FbankOptions::from_json("[1"); }, "", 0, "bad options JSON");
}

// FFTW's planner is not thread-safe: Fbanks of new FFT sizes made on several threads at once must
// still plan correctly (under attend's mutex) and give the same features as one thread.
BOOST_AUTO_TEST_CASE(threads_plan_and_compute_safely) {
  const std::vector<float> x = test::noise(8000, 0.1, 11);
  std::vector<Tensor> out(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      FbankOptions o;
      o.frame_length_ms = 20.0f + static_cast<float>(i % 4) * 5;  // 4 window sizes, some new FFTs
      o.round_to_power_of_two = i % 2 == 0;
      out[static_cast<size_t>(i)] = Fbank(o).compute(x);
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) {
    FbankOptions o;
    o.frame_length_ms = 20.0f + static_cast<float>(i % 4) * 5;
    o.round_to_power_of_two = i % 2 == 0;
    BOOST_CHECK_EQUAL(max_abs_diff(out[static_cast<size_t>(i)], Fbank(o).compute(x)), 0.0f);
  }
}

BOOST_AUTO_TEST_SUITE_END()
