// RealFft: cached FFTW plans and the power spectrum (see fft.h).
#include "datasets/audio/fft.h"

#include <fftw3.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <string>

#include "datasets/data_error.h"

namespace attend::audio {

namespace {

std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

// One plan per size for the life of the process (a handful of sizes: 256, 512, 2048...). Neither
// the plans nor the map are ever destroyed: destroying a plan is a planner call too, and a map
// destroyed at exit would leave the plans unreachable, which LeakSanitizer reports as a leak.
fftwf_plan cached_plan(int n) {
  std::lock_guard<std::mutex> lock(planner_mutex());
  static auto& plans = *new std::map<int, fftwf_plan>;
  if (auto it = plans.find(n); it != plans.end()) return it->second;
  // FFTW_ESTIMATE does not touch the arrays while planning; they only fix the alignment that
  // executing with other arrays must match (fftwf_malloc's, used by Scratch below).
  float* in = fftwf_alloc_real(static_cast<size_t>(n));
  fftwf_complex* out = fftwf_alloc_complex(static_cast<size_t>(n / 2 + 1));
  fftwf_plan p = in && out ? fftwf_plan_dft_r2c_1d(n, in, out, FFTW_ESTIMATE) : nullptr;
  fftwf_free(in);
  fftwf_free(out);
  if (!p) throw DataError("FFTW could not plan a real FFT of " + std::to_string(n) + " points");
  plans.emplace(n, p);
  return p;
}

// Per-thread input and output arrays, aligned as FFTW's plans expect, grown to the largest size
// used on the thread.
struct Scratch {
  float* in = nullptr;
  fftwf_complex* out = nullptr;
  int n = 0;
  ~Scratch() {
    fftwf_free(in);
    fftwf_free(out);
  }
  void reserve(int size) {
    if (size <= n) return;
    fftwf_free(in);
    fftwf_free(out);
    in = fftwf_alloc_real(static_cast<size_t>(size));
    out = fftwf_alloc_complex(static_cast<size_t>(size / 2 + 1));
    if (!in || !out) throw std::bad_alloc();
    n = size;
  }
};

}  // namespace

RealFft::RealFft(int n) : n_(n) {
  if (n < 2) throw DataError("RealFft: size must be at least 2, got " + std::to_string(n));
  plan_ = cached_plan(n);
}

void RealFft::power_spectrum(std::span<const float> frame, std::span<float> power) const {
  if (static_cast<int>(frame.size()) != n_ || static_cast<int>(power.size()) != num_bins())
    throw DataError("RealFft::power_spectrum: expected a frame of " + std::to_string(n_) + " and " +
                    std::to_string(num_bins()) + " bins, got " + std::to_string(frame.size()) +
                    " and " + std::to_string(power.size()));
  thread_local Scratch s;
  s.reserve(n_);
  std::memcpy(s.in, frame.data(), frame.size() * sizeof(float));
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(plan_), s.in, s.out);
  for (int k = 0; k < num_bins(); ++k)
    power[k] = s.out[k][0] * s.out[k][0] + s.out[k][1] * s.out[k][1];
}

}  // namespace attend::audio
