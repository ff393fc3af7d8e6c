#include "autograd/random.h"

#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace attend {

void Generator::manual_seed(uint64_t seed) {
  seed_ = seed;
  engine_.seed(seed);
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
  os << seed_ << ' ' << has_spare_ << ' ' << std::hexfloat << spare_ << ' ' << engine_;
  return os.str();
}

void Generator::set_state(const std::string& s) {
  std::istringstream is(s);
  Generator g;
  is >> g.seed_ >> g.has_spare_;
  std::string spare;
  is >> spare;
  g.spare_ = std::strtof(spare.c_str(), nullptr);
  is >> g.engine_;
  if (!is) throw std::invalid_argument("Generator::set_state: malformed generator state");
  *this = g;
}

}  // namespace attend
