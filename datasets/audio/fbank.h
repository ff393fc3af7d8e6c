// Log-mel filterbank features exactly as Kaldi's compute-fbank-feats computes them (and
// torchaudio.compliance.kaldi.fbank, which tests/datasets/audio/test_fbank.cpp compares against):
//
//   for each frame of frame_length_ms, every frame_shift_ms (snip_edges: only whole frames):
//     [dither: + dither * N(0, 1) per sample]
//     remove the frame's mean (remove_dc_offset)
//     [log energy of the frame, before pre-emphasis (raw_energy), if use_energy]
//     pre-emphasis  x[i] -= 0.97 x[i-1]   (x[0] -= 0.97 x[0])
//     window (povey: hann^0.85, Kaldi's default), zero-padded to the next power of two
//     power spectrum |FFT|^2 (FFTW, see fft.h)
//     mel filterbank: num_mel_bins triangles, equally spaced on the mel scale
//       mel(f) = 1127 ln(1 + f / 700) from low_freq to high_freq (the Nyquist bin is unused)
//     log(max(energy, FLT_EPSILON))
//
// The defaults are Kaldi's, except sample_rate 16 kHz and 80 bins (what speech recognisers use).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"
#include "datasets/audio/fft.h"

namespace attend::audio {

enum class WindowType { kPovey, kHann, kHamming, kRectangular };

struct FbankOptions {
  int sample_rate = 16000;        // Hz of the samples given to compute()
  float frame_length_ms = 25.0f;  // window: int(rate * length / 1000) samples
  float frame_shift_ms = 10.0f;   // hop
  int num_mel_bins = 80;          // 40 at 8 kHz: more would leave some bins without FFT bins
  float low_freq = 20.0f;         // Hz, lower edge of the first triangle
  float high_freq = 0.0f;         // Hz, upper edge of the last; <= 0 means Nyquist + high_freq
  float preemphasis = 0.97f;      // 0 turns it off
  bool remove_dc_offset = true;
  float dither = 0.0f;     // std of Gaussian noise added per sample (needs a Generator)
  bool snip_edges = true;  // true: only frames that fit; false: frames centred on each
                           // hop, the edges reflected (both as Kaldi)
  WindowType window = WindowType::kPovey;
  bool round_to_power_of_two = true;  // FFT size: next power of two >= the window
  bool use_power = true;              // power (|X|^2) rather than magnitude
  bool use_energy = false;    // prepend the frame's log energy as column 0 ([frames, bins + 1])
  bool raw_energy = true;     // energy before pre-emphasis and window
  float energy_floor = 0.0f;  // floor on the energy (not its log); 0 = FLT_EPSILON only

  // Samples per window and per hop, and the FFT size.
  int64_t window_size() const;
  int64_t window_shift() const;
  int64_t fft_size() const;
  // Frames for n samples: 1 + (n - window) / shift with snip_edges (0 when n < window),
  // (n + shift / 2) / shift without.
  int64_t num_frames(int64_t num_samples) const;
  int64_t num_features() const { return num_mel_bins + (use_energy ? 1 : 0); }
  // "16000 Hz, 80 bins, 25/10 ms, povey, preemphasis 0.97, dc removed, dither 0, snip edges".
  std::string describe() const;
  // The options as a JSON object (for checkpoints), and back; from_json throws DataError on an
  // unknown key or a bad value.
  std::string to_json() const;
  static FbankOptions from_json(const std::string& json);
  friend bool operator==(const FbankOptions&, const FbankOptions&) = default;
};

// "povey" | "hann" (Kaldi's "hanning") | "hamming" | "rectangular".
std::string window_name(WindowType w);
WindowType parse_window(const std::string& name);

// The triangular mel filters: filter b covers FFT bins first[b] .. first[b] + weights[b].size()
// - 1.
struct MelBanks {
  std::vector<int64_t> first;
  std::vector<std::vector<float>> weights;
  // Throws DataError when a filter holds no FFT bin (too many bins for the rate and FFT size, the
  // check Kaldi makes) or the frequency range is empty.
  static MelBanks make(const FbankOptions& o);
  // The dense matrix [num_bins, fft_size / 2 + 1], as torchaudio's get_mel_banks (plus the zero
  // Nyquist column).
  Tensor dense(int64_t num_fft_bins) const;
};

// Computes features for any number of utterances with the same options. The window, the mel
// filters and the FFT plan are made once, in the constructor; compute() is const and thread-safe.
class Fbank {
 public:
  // Throws DataError on an option out of range (naming it).
  explicit Fbank(const FbankOptions& options = {});
  const FbankOptions& options() const { return o_; }

  // samples: [n] mono at options().sample_rate. Returns [frames, num_features()], frames =
  // options().num_frames(n) (possibly 0). dither > 0 needs gen.
  Tensor compute(std::span<const float> samples, Generator* gen = nullptr) const;

 private:
  FbankOptions o_;
  int64_t window_size_, window_shift_;
  std::vector<float> window_;  // [window_size]
  MelBanks banks_;
  RealFft fft_;
};

}  // namespace attend::audio
