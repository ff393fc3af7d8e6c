// Learning-rate schedules. Each maps the optimizer step (counted from 1) to a learning rate, so a
// resumed run gets the same rate from the step number alone; reduce-on-plateau keeps its state.
#pragma once

#include <cstdint>
#include <string>

#include "autograd/enum_names.h"

namespace attend {

// The schedules the trainer builds by name (`attend train --schedule`, config.json).
enum class ScheduleKind { kConstant, kStep, kCosine, kNoam, kPlateau };
inline constexpr EnumNames<ScheduleKind, 5> kScheduleKinds{{{{ScheduleKind::kConstant, "constant"},
                                                             {ScheduleKind::kStep, "step"},
                                                             {ScheduleKind::kCosine, "cosine"},
                                                             {ScheduleKind::kNoam, "noam"},
                                                             {ScheduleKind::kPlateau, "plateau"}}}};
// "cosine" -> kCosine; an unknown name throws std::invalid_argument listing the known ones.
inline ScheduleKind parse_schedule_kind(std::string_view name) {
  return kScheduleKinds.parse(name, "schedule");
}
inline const char* to_string(ScheduleKind kind) {
  return kScheduleKinds.name(kind);
}

class LRSchedule {
 public:
  virtual ~LRSchedule() = default;
  virtual float lr_at(int64_t step) const = 0;
};

// Constant base rate.
class ConstantLR : public LRSchedule {
 public:
  explicit ConstantLR(float base) : base_(base) {}
  float lr_at(int64_t) const override { return base_; }

 private:
  float base_;
};

// base * gamma^floor((step-1) / step_size) (torch.optim.lr_scheduler.StepLR, stepped per step).
class StepLR : public LRSchedule {
 public:
  StepLR(float base, int64_t step_size, float gamma);
  float lr_at(int64_t step) const override;

 private:
  float base_;
  int64_t step_size_;
  float gamma_;
};

// Linear warmup from 0 to base over `warmup` steps, then cosine decay to min_lr at `total`.
class CosineWarmupLR : public LRSchedule {
 public:
  CosineWarmupLR(float base, int64_t warmup, int64_t total, float min_lr = 0.0f);
  float lr_at(int64_t step) const override;

 private:
  float base_;
  int64_t warmup_, total_;
  float min_lr_;
};

// "Attention is all you need", eq. 3: factor * d_model^-0.5 * min(step^-0.5, step * warmup^-1.5).
class NoamLR : public LRSchedule {
 public:
  NoamLR(int64_t d_model, int64_t warmup, float factor = 1.0f);
  float lr_at(int64_t step) const override;

 private:
  int64_t d_model_, warmup_;
  float factor_;
};

// torch.optim.lr_scheduler.ReduceLROnPlateau (mode min or max, relative threshold): call
// observe(metric) once per epoch; returns the learning rate to use from now on.
class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(float lr, bool maximize = false, float factor = 0.1f, int patience = 10,
                    float threshold = 1e-4f, float min_lr = 0.0f);
  float observe(float metric);
  float lr() const { return lr_; }
  // State for checkpoints: "lr best bad_epochs".
  std::string state() const;
  void set_state(const std::string& s);

 private:
  float lr_;
  bool maximize_;
  float factor_;
  int patience_;
  float threshold_, min_lr_;
  double best_;
  int bad_epochs_ = 0;
};

}  // namespace attend
