// The power spectrum of a real frame through FFTW (Debian libfftw3-dev, single precision fftw3f).
// A plan is made once per FFT size and shared by every RealFft of that size for the life of the
// process. FFTW's planner is not thread-safe (only executing a plan is), so planning happens
// under one mutex; computing a spectrum needs no lock and may run on any number of threads.
// Plans use FFTW_ESTIMATE: FFTW_MEASURE would time candidate algorithms on this machine and could
// pick a different one on the next run, which would change results in the last bits and break
// attend's "same seed, same bits" rule.
#pragma once

#include <span>

namespace attend::audio {

class RealFft {
 public:
  // n >= 2 points (any size; powers of two are fastest).
  explicit RealFft(int n);
  int size() const { return n_; }
  int num_bins() const { return n_ / 2 + 1; }

  // power[k] = |X[k]|^2 for k = 0 .. n/2, X = DFT of frame (no scaling, as numpy.fft.rfft).
  // frame: [n] real samples; power: [n/2 + 1].
  void power_spectrum(std::span<const float> frame, std::span<float> power) const;

 private:
  int n_;
  void* plan_;  // fftwf_plan, owned by the process-wide cache
};

}  // namespace attend::audio
