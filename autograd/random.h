// Generator: the explicit, seeded source of randomness. Nothing in attend draws random numbers
// from a hidden global: initialisers, dropout and shuffling all take a Generator&, so a seed and
// a thread count fix a run bit for bit.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace attend {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { manual_seed(seed); }
  void manual_seed(uint64_t seed);
  uint64_t seed() const { return seed_; }

  uint64_t next_u64() { return engine_(); }
  // Uniform in [0, 1) with 24 random bits (every float32 value of that grid is reachable).
  float uniform() { return static_cast<float>(engine_() >> 40) * 0x1.0p-24f; }
  // Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  float normal();
  // Uniform integer in [0, n).
  uint64_t randint(uint64_t n);

  // The full state as text, to save in a checkpoint and restore for an exact resume.
  std::string state() const;
  void set_state(const std::string& s);

 private:
  std::mt19937_64 engine_;
  uint64_t seed_ = 0;
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

}  // namespace attend
