#include "autograd/random.h"

#include <algorithm>
#include <cmath>
#include <istream>
#include <numbers>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace attend {

namespace {
constexpr int kShift = 156;  // m: the twist mixes word k with word k + m
constexpr uint64_t kUpper = ~uint64_t{0} << 31, kLower = ~kUpper;
constexpr uint64_t kTwistMatrix = 0xb5026f5aa96619e9ULL;  // a

// One new state word from the top bit-run of `hi`, the low bits of `lo`, and `far`.
inline uint64_t mix(uint64_t hi, uint64_t lo, uint64_t far) {
  const uint64_t y = (hi & kUpper) | (lo & kLower);
  return far ^ (y >> 1) ^ ((0 - (y & 1)) & kTwistMatrix);  // branch-free: the loops vectorise
}
}  // namespace

void Mt19937_64::seed_with(uint64_t seed) {
  state_[0] = seed;
  for (int i = 1; i < kWords; ++i)
    state_[i] = 6364136223846793005ULL * (state_[i - 1] ^ (state_[i - 1] >> 62)) + i;
  next_ = kWords;
}

void Mt19937_64::twist() {
  uint64_t* x = state_.data();
  constexpr int n = kWords, m = kShift;
  // Word k reads words k + 1 and k + m before either is replaced (first loop) or after k + m - n
  // was (second loop): in both the loads of one vector come before its stores.
#pragma omp simd
  for (int k = 0; k < n - m; ++k) x[k] = mix(x[k], x[k + 1], x[k + m]);
#pragma omp simd
  for (int k = n - m; k < n - 1; ++k) x[k] = mix(x[k], x[k + 1], x[k + m - n]);
  x[n - 1] = mix(x[n - 1], x[0], x[m - 1]);
  next_ = 0;
}

void Mt19937_64::fill(uint64_t* out, int64_t count) {
  while (count > 0) {
    if (next_ >= kWords) twist();
    const int64_t m = std::min<int64_t>(count, kWords - next_);
    const uint64_t* words = state_.data() + next_;
#pragma omp simd
    for (int64_t k = 0; k < m; ++k) out[k] = temper(words[k]);
    next_ += static_cast<int>(m);
    out += m;
    count -= m;
  }
}

void Mt19937_64::write(std::ostream& os) const {
  std::ostringstream text;  // plain decimal whatever the flags of os
  for (uint64_t w : state_) text << w << ' ';
  text << next_;
  os << text.str();
}

bool Mt19937_64::read(std::istream& is) {
  std::array<uint64_t, kWords> words;
  int next = 0;
  for (uint64_t& w : words) is >> std::dec >> w;
  is >> next;
  if (!is || next < 0 || next > kWords) return false;
  state_ = words;
  next_ = next;
  return true;
}

void Generator::manual_seed(uint64_t seed) {
  seed_ = seed;
  engine_.seed_with(seed);
  has_spare_ = false;
}

float Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // u1 in (0, 1] so log(u1) is finite.
  double u1 = (static_cast<double>(engine_() >> 11) + 1.0) * 0x1.0p-53;
  double u2 = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
  double r = std::sqrt(-2.0 * std::log(u1));
  double theta = 2.0 * std::numbers::pi * u2;
  spare_ = static_cast<float>(r * std::sin(theta));
  has_spare_ = true;
  return static_cast<float>(r * std::cos(theta));
}

uint64_t Generator::randint(uint64_t n) {
  if (n == 0) throw std::invalid_argument("Generator::randint: empty range");
  // Rejection sampling: no modulo bias.
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t v;
  do v = engine_();
  while (v >= limit);
  return v % n;
}

std::string Generator::state() const {
  std::ostringstream os;
  os << seed_ << ' ' << has_spare_ << ' ' << std::hexfloat << spare_ << ' ';
  engine_.write(os);
  return os.str();
}

void Generator::set_state(const std::string& s) {
  std::istringstream is(s);
  Generator g;
  is >> g.seed_ >> g.has_spare_;
  std::string spare;
  is >> spare;
  g.spare_ = std::strtof(spare.c_str(), nullptr);
  if (!is || !g.engine_.read(is))
    throw std::invalid_argument("Generator::set_state: malformed generator state");
  *this = g;
}

}  // namespace attend
