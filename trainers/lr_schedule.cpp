#include "trainers/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace attend {

StepLR::StepLR(float base, int64_t step_size, float gamma)
    : base_(base), step_size_(step_size), gamma_(gamma) {
  if (step_size < 1) throw std::invalid_argument("StepLR: step_size must be >= 1");
}

float StepLR::lr_at(int64_t step) const {
  return base_ * std::pow(gamma_, static_cast<float>(std::max<int64_t>(step - 1, 0) / step_size_));
}

CosineWarmupLR::CosineWarmupLR(float base, int64_t warmup, int64_t total, float min_lr)
    : base_(base), warmup_(warmup), total_(total), min_lr_(min_lr) {
  if (warmup < 0 || total < 1 || warmup > total)
    throw std::invalid_argument("CosineWarmupLR: need 0 <= warmup <= total and total >= 1");
}

float CosineWarmupLR::lr_at(int64_t step) const {
  if (step <= warmup_)
    return base_ * static_cast<float>(step) / static_cast<float>(std::max<int64_t>(warmup_, 1));
  const double progress =
      std::min(1.0, static_cast<double>(step - warmup_) /
                        static_cast<double>(std::max<int64_t>(total_ - warmup_, 1)));
  return min_lr_ + (base_ - min_lr_) *
                       static_cast<float>(0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
}

NoamLR::NoamLR(int64_t d_model, int64_t warmup, float factor)
    : d_model_(d_model), warmup_(warmup), factor_(factor) {
  if (d_model < 1 || warmup < 1)
    throw std::invalid_argument("NoamLR: d_model and warmup must be >= 1");
}

float NoamLR::lr_at(int64_t step) const {
  const double s = static_cast<double>(std::max<int64_t>(step, 1));
  return factor_ * static_cast<float>(std::pow(static_cast<double>(d_model_), -0.5) *
                                      std::min(std::pow(s, -0.5),
                                               s * std::pow(static_cast<double>(warmup_), -1.5)));
}

ReduceLROnPlateau::ReduceLROnPlateau(float lr, bool maximize, float factor, int patience,
                                     float threshold, float min_lr)
    : lr_(lr),
      maximize_(maximize),
      factor_(factor),
      patience_(patience),
      threshold_(threshold),
      min_lr_(min_lr),
      best_(maximize ? -std::numeric_limits<double>::infinity()
                     : std::numeric_limits<double>::infinity()) {
  if (!(factor > 0 && factor < 1))
    throw std::invalid_argument("ReduceLROnPlateau: factor must be in (0, 1)");
}

float ReduceLROnPlateau::observe(float metric) {
  // threshold_mode 'rel', as PyTorch's default.
  const bool better =
      maximize_ ? metric > best_ * (1.0 + threshold_) : metric < best_ * (1.0 - threshold_);
  if (better) {
    best_ = metric;
    bad_epochs_ = 0;
  } else if (++bad_epochs_ > patience_) {
    lr_ = std::max(lr_ * factor_, min_lr_);
    bad_epochs_ = 0;
  }
  return lr_;
}

std::string ReduceLROnPlateau::state() const {
  std::ostringstream os;
  os << std::hexfloat << lr_ << ' ' << best_ << ' ' << bad_epochs_;
  return os.str();
}

void ReduceLROnPlateau::set_state(const std::string& s) {
  std::istringstream is(s);
  std::string lr, best;
  is >> lr >> best >> bad_epochs_;
  if (!is) throw std::invalid_argument("ReduceLROnPlateau: malformed state '" + s + "'");
  lr_ = std::strtof(lr.c_str(), nullptr);
  best_ = std::strtod(best.c_str(), nullptr);
}

}  // namespace attend
