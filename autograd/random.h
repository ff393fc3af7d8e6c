// Generator: the explicit, seeded source of randomness. Nothing in attend draws random numbers
// from a hidden global: initialisers, dropout and shuffling all take a Generator&, so a seed and
// a thread count fix a run bit for bit.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace attend {

// The 64-bit Mersenne Twister, the same stream and the same text form as std::mt19937_64 (so
// seeded runs and saved generator states carry over), plus fill(): whole blocks of draws with
// the tempering in a loop the compiler vectorises, for dropout masks of millions of elements,
// where std::mt19937_64's one call per draw is most of the time.
class Mt19937_64 {
 public:
  static constexpr int kWords = 312;  // state size n
  explicit Mt19937_64(uint64_t seed = 5489) { seed_with(seed); }
  void seed_with(uint64_t seed);
  uint64_t operator()() {
    if (next_ >= kWords) twist();
    return temper(state_[next_++]);
  }
  // out[0, count) = the next count draws, as count calls of operator() would give.
  void fill(uint64_t* out, int64_t count);

  // libstdc++'s text form: the n state words, then the position in them, space-separated.
  void write(std::ostream& os) const;
  bool read(std::istream& is);  // false (and unchanged) for a malformed text

 private:
  static uint64_t temper(uint64_t z) {
    z ^= (z >> 29) & 0x5555555555555555ULL;
    z ^= (z << 17) & 0x71d67fffeda60000ULL;
    z ^= (z << 37) & 0xfff7eee000000000ULL;
    return z ^ (z >> 43);
  }
  void twist();  // the next n state words from the last n

  std::array<uint64_t, kWords> state_{};
  int next_ = kWords;  // index of the next state word to temper; kWords: twist first
};

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { manual_seed(seed); }
  void manual_seed(uint64_t seed);
  uint64_t seed() const { return seed_; }

  uint64_t next_u64() { return engine_(); }
  // out[0, count) = the next count values of next_u64(), faster than calling it count times.
  void fill_u64(uint64_t* out, int64_t count) { engine_.fill(out, count); }
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
  Mt19937_64 engine_;
  uint64_t seed_ = 0;
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

}  // namespace attend
