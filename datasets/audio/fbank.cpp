// Kaldi-style log-mel filterbank features (see fbank.h).
#include "datasets/audio/fbank.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>
#include <sstream>

#include "datasets/data_error.h"

namespace attend::audio {

namespace {

constexpr float kEps = FLT_EPSILON;  // Kaldi's and torchaudio's floor before every log

double mel_scale(double hz) {
  return 1127.0 * std::log(1.0 + hz / 700.0);
}

[[noreturn]] void bad_option(const std::string& what) {
  throw DataError("fbank: " + what);
}

void check(const FbankOptions& o) {
  if (o.sample_rate < 1000 || o.sample_rate > 768000)
    bad_option("sample_rate must be in 1000..768000 Hz, got " + std::to_string(o.sample_rate));
  if (!(o.frame_length_ms > 0) || !(o.frame_shift_ms > 0))
    bad_option("frame_length_ms and frame_shift_ms must be positive");
  if (o.window_size() < 2)
    bad_option("a " + std::to_string(o.frame_length_ms) + " ms window at " +
               std::to_string(o.sample_rate) + " Hz holds fewer than 2 samples");
  if (o.window_shift() < 1) bad_option("the frame shift is shorter than one sample");
  if (o.num_mel_bins < 1 || o.num_mel_bins > 1024)
    bad_option("num_mel_bins must be in 1..1024, got " + std::to_string(o.num_mel_bins));
  if (!(o.preemphasis >= 0 && o.preemphasis <= 1))
    bad_option("preemphasis must be in [0, 1], got " + std::to_string(o.preemphasis));
  if (!(o.dither >= 0)) bad_option("dither must be >= 0, got " + std::to_string(o.dither));
  if (!(o.energy_floor >= 0)) bad_option("energy_floor must be >= 0");
}

std::vector<float> make_window(WindowType type, int64_t n) {
  std::vector<float> w(static_cast<size_t>(n));
  const double a = 2.0 * std::numbers::pi / static_cast<double>(n - 1);
  for (int64_t i = 0; i < n; ++i) {
    const double hann = 0.5 - 0.5 * std::cos(a * static_cast<double>(i));
    double v = 1.0;
    switch (type) {
      case WindowType::kPovey:
        v = std::pow(hann, 0.85);  // Kaldi's: like Hamming, but goes to zero at the edges
        break;
      case WindowType::kHann:
        v = hann;
        break;
      case WindowType::kHamming:
        v = 0.54 - 0.46 * std::cos(a * static_cast<double>(i));
        break;
      case WindowType::kRectangular:
        break;
    }
    w[static_cast<size_t>(i)] = static_cast<float>(v);
  }
  return w;
}

// log(max(energy, FLT_EPSILON)), then floored at log(energy_floor) when that is set.
float log_energy(double energy, float energy_floor) {
  const float e = std::log(std::max(static_cast<float>(energy), kEps));
  return energy_floor > 0 ? std::max(e, std::log(energy_floor)) : e;
}

}  // namespace

int64_t FbankOptions::window_size() const {
  // Kaldi and torchaudio truncate: 44.1 kHz * 25 ms = 1102.5 -> 1102 samples.
  return static_cast<int64_t>(sample_rate * static_cast<double>(frame_length_ms) * 0.001);
}

int64_t FbankOptions::window_shift() const {
  return static_cast<int64_t>(sample_rate * static_cast<double>(frame_shift_ms) * 0.001);
}

int64_t FbankOptions::fft_size() const {
  const int64_t w = window_size();
  if (!round_to_power_of_two) return w;
  int64_t n = 1;
  while (n < w) n *= 2;
  return n;
}

int64_t FbankOptions::num_frames(int64_t n) const {
  const int64_t w = window_size(), s = window_shift();
  if (snip_edges) return n < w ? 0 : 1 + (n - w) / s;
  return (n + s / 2) / s;
}

std::string FbankOptions::describe() const {
  std::ostringstream s;
  s << sample_rate << " Hz, " << num_mel_bins << " bins, " << frame_length_ms << "/"
    << frame_shift_ms << " ms, " << window_name(window) << ", preemphasis " << preemphasis
    << (remove_dc_offset ? ", dc removed" : "") << ", dither " << dither
    << (snip_edges ? ", snip edges" : ", centred frames") << (use_energy ? ", log energy" : "");
  return s.str();
}

std::string window_name(WindowType w) {
  switch (w) {
    case WindowType::kPovey:
      return "povey";
    case WindowType::kHann:
      return "hann";
    case WindowType::kHamming:
      return "hamming";
    case WindowType::kRectangular:
      return "rectangular";
  }
  return "povey";
}

WindowType parse_window(const std::string& name) {
  if (name == "hanning") return WindowType::kHann;  // Kaldi's spelling
  for (WindowType w :
       {WindowType::kPovey, WindowType::kHann, WindowType::kHamming, WindowType::kRectangular})
    if (window_name(w) == name) return w;
  throw DataError("fbank: unknown window '" + name +
                  "' (expected povey, hann, hamming or rectangular)");
}

std::string FbankOptions::to_json() const {
  nlohmann::json j = {{"sample_rate", sample_rate},
                      {"frame_length_ms", frame_length_ms},
                      {"frame_shift_ms", frame_shift_ms},
                      {"num_mel_bins", num_mel_bins},
                      {"low_freq", low_freq},
                      {"high_freq", high_freq},
                      {"preemphasis", preemphasis},
                      {"remove_dc_offset", remove_dc_offset},
                      {"dither", dither},
                      {"snip_edges", snip_edges},
                      {"window", window_name(window)},
                      {"round_to_power_of_two", round_to_power_of_two},
                      {"use_power", use_power},
                      {"use_energy", use_energy},
                      {"raw_energy", raw_energy},
                      {"energy_floor", energy_floor}};
  return j.dump();
}

FbankOptions FbankOptions::from_json(const std::string& text) {
  FbankOptions o;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object()) bad_option("options JSON is not an object");
    for (const auto& [key, v] : j.items()) {
      if (key == "sample_rate")
        o.sample_rate = v.get<int>();
      else if (key == "frame_length_ms")
        o.frame_length_ms = v.get<float>();
      else if (key == "frame_shift_ms")
        o.frame_shift_ms = v.get<float>();
      else if (key == "num_mel_bins")
        o.num_mel_bins = v.get<int>();
      else if (key == "low_freq")
        o.low_freq = v.get<float>();
      else if (key == "high_freq")
        o.high_freq = v.get<float>();
      else if (key == "preemphasis")
        o.preemphasis = v.get<float>();
      else if (key == "remove_dc_offset")
        o.remove_dc_offset = v.get<bool>();
      else if (key == "dither")
        o.dither = v.get<float>();
      else if (key == "snip_edges")
        o.snip_edges = v.get<bool>();
      else if (key == "window")
        o.window = parse_window(v.get<std::string>());
      else if (key == "round_to_power_of_two")
        o.round_to_power_of_two = v.get<bool>();
      else if (key == "use_power")
        o.use_power = v.get<bool>();
      else if (key == "use_energy")
        o.use_energy = v.get<bool>();
      else if (key == "raw_energy")
        o.raw_energy = v.get<bool>();
      else if (key == "energy_floor")
        o.energy_floor = v.get<float>();
      else
        bad_option("unknown option '" + key + "' in the options JSON");
    }
  } catch (const nlohmann::json::exception& e) {
    bad_option(std::string("bad options JSON: ") + e.what());
  }
  check(o);
  return o;
}

MelBanks MelBanks::make(const FbankOptions& o) {
  const int64_t n_fft = o.fft_size();
  const double nyquist = 0.5 * o.sample_rate;
  const double low = o.low_freq;
  const double high = o.high_freq <= 0 ? nyquist + o.high_freq : o.high_freq;
  if (!(low >= 0 && low < nyquist && high > 0 && high <= nyquist && low < high))
    bad_option("need 0 <= low_freq < high_freq <= Nyquist (" + std::to_string(nyquist) +
               " Hz), got low_freq " + std::to_string(low) + ", high_freq " + std::to_string(high));
  const double bin_width = static_cast<double>(o.sample_rate) / static_cast<double>(n_fft);
  const double mel_low = mel_scale(low), mel_high = mel_scale(high);
  const double delta = (mel_high - mel_low) / (o.num_mel_bins + 1);
  MelBanks m;
  // Triangle b rises from left to centre and falls to right (mel units); FFT bin k (0 .. n/2 - 1,
  // the Nyquist bin is left out as Kaldi does) gets weight max(0, min(up, down)).
  for (int b = 0; b < o.num_mel_bins; ++b) {
    const double left = mel_low + b * delta, centre = left + delta, right = centre + delta;
    int64_t first = -1;
    std::vector<float> w;
    for (int64_t k = 0; k < n_fft / 2; ++k) {
      const double mel = mel_scale(bin_width * static_cast<double>(k));
      const double v = std::min((mel - left) / (centre - left), (right - mel) / (right - centre));
      if (v > 0) {
        if (first < 0) first = k;
        w.resize(static_cast<size_t>(k - first + 1), 0.0f);
        w.back() = static_cast<float>(v);
      }
    }
    if (first < 0)
      bad_option("mel bin " + std::to_string(b) + " of " + std::to_string(o.num_mel_bins) +
                 " holds no FFT bin at " + std::to_string(o.sample_rate) + " Hz with a " +
                 std::to_string(n_fft) + "-point FFT: use fewer mel bins (40 at 8 kHz)");
    m.first.push_back(first);
    m.weights.push_back(std::move(w));
  }
  return m;
}

Tensor MelBanks::dense(int64_t num_fft_bins) const {
  const auto bins = static_cast<int64_t>(first.size());
  Tensor t = Tensor::empty({bins, num_fft_bins});
  std::fill(t.data(), t.data() + t.numel(), 0.0f);
  for (int64_t b = 0; b < bins; ++b)
    for (size_t i = 0; i < weights[b].size(); ++i)
      t.data()[b * num_fft_bins + first[b] + static_cast<int64_t>(i)] = weights[b][i];
  return t;
}

Fbank::Fbank(const FbankOptions& options)
    : o_((check(options), options)),
      window_size_(o_.window_size()),
      window_shift_(o_.window_shift()),
      window_(make_window(o_.window, window_size_)),
      banks_(MelBanks::make(o_)),
      fft_(static_cast<int>(o_.fft_size())) {}

Tensor Fbank::compute(std::span<const float> samples, Generator* gen) const {
  if (o_.dither > 0 && !gen)
    throw DataError("fbank: dither " + std::to_string(o_.dither) + " needs a Generator");
  const auto n = static_cast<int64_t>(samples.size());
  const int64_t frames = o_.num_frames(n);
  const int64_t bins = o_.num_mel_bins, cols = o_.num_features();
  const int64_t n_fft = fft_.size();
  Tensor out = Tensor::empty({frames, cols});
  std::vector<float> frame(static_cast<size_t>(n_fft)), power(static_cast<size_t>(n_fft / 2 + 1));
  for (int64_t f = 0; f < frames; ++f) {
    // 1. The frame's samples. Without snip_edges, frame f is centred on f * shift + shift / 2 and
    //    indices outside the signal reflect back into it (x[-1] = x[0], x[n] = x[n-1]), as Kaldi.
    const int64_t start = o_.snip_edges ? f * window_shift_
                                        : f * window_shift_ + window_shift_ / 2 - window_size_ / 2;
    for (int64_t i = 0; i < window_size_; ++i) {
      int64_t s = start + i;
      while (s < 0 || s >= n) s = s < 0 ? -s - 1 : 2 * n - 1 - s;
      frame[static_cast<size_t>(i)] = samples[static_cast<size_t>(s)];
    }
    std::fill(frame.begin() + window_size_, frame.end(), 0.0f);
    float* x = frame.data();
    // 2. Dither, then the DC offset.
    if (o_.dither > 0)
      for (int64_t i = 0; i < window_size_; ++i) x[i] += o_.dither * gen->normal();
    if (o_.remove_dc_offset) {
      double sum = 0;
      for (int64_t i = 0; i < window_size_; ++i) sum += x[i];
      const auto mean = static_cast<float>(sum / static_cast<double>(window_size_));
      for (int64_t i = 0; i < window_size_; ++i) x[i] -= mean;
    }
    const auto energy = [&] {
      double e = 0;
      for (int64_t i = 0; i < window_size_; ++i) e += static_cast<double>(x[i]) * x[i];
      return e;
    };
    float* row = out.data() + f * cols;
    if (o_.use_energy && o_.raw_energy) row[0] = log_energy(energy(), o_.energy_floor);
    // 3. Pre-emphasis, from the end backwards so each sample still sees its unmodified neighbour.
    if (o_.preemphasis > 0) {
      for (int64_t i = window_size_ - 1; i > 0; --i) x[i] -= o_.preemphasis * x[i - 1];
      x[0] -= o_.preemphasis * x[0];
    }
    // 4. Window (the zero padding beyond window_size_ stays zero).
    for (int64_t i = 0; i < window_size_; ++i) x[i] *= window_[static_cast<size_t>(i)];
    if (o_.use_energy && !o_.raw_energy) row[0] = log_energy(energy(), o_.energy_floor);
    // 5. Power spectrum, mel filters, log.
    fft_.power_spectrum(frame, power);
    if (!o_.use_power)
      for (float& p : power) p = std::sqrt(p);
    float* mel = row + (o_.use_energy ? 1 : 0);
    for (int64_t b = 0; b < bins; ++b) {
      const std::vector<float>& w = banks_.weights[static_cast<size_t>(b)];
      const float* p = power.data() + banks_.first[static_cast<size_t>(b)];
      double e = 0;
      for (size_t i = 0; i < w.size(); ++i) e += static_cast<double>(w[i]) * p[i];
      mel[b] = std::log(std::max(static_cast<float>(e), kEps));
    }
  }
  return out;
}

}  // namespace attend::audio
