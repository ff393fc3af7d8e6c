// Optimizers with PyTorch's exact update rules (torch.optim.SGD, Adam, AdamW of PyTorch 1.13),
// updating parameters in place outside the graph.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "autograd/enum_names.h"
#include "autograd/ops.h"
#include "layers/module.h"

namespace attend {

// The optimizers the trainer builds by name (`attend train --optimizer`, config.json).
enum class OptimizerKind { kAdam, kAdamW, kSGD };
inline constexpr EnumNames<OptimizerKind, 3> kOptimizerKinds{{{{OptimizerKind::kAdam, "adam"},
                                                               {OptimizerKind::kAdamW, "adamw"},
                                                               {OptimizerKind::kSGD, "sgd"}}}};
// "adam" -> kAdam; an unknown name throws std::invalid_argument listing the known ones.
inline OptimizerKind parse_optimizer_kind(std::string_view name) {
  return kOptimizerKinds.parse(name, "optimizer");
}
inline const char* to_string(OptimizerKind kind) {
  return kOptimizerKinds.name(kind);
}

class Optimizer {
 public:
  Optimizer(std::vector<Tensor> params, float lr);
  virtual ~Optimizer() = default;
  // One update from the parameters' current .grad (parameters without a gradient are skipped).
  virtual void step() = 0;
  void zero_grad();  // set_to_none, as PyTorch's default
  float lr() const { return lr_; }
  void set_lr(float lr) { lr_ = lr; }
  int64_t steps_taken() const { return step_; }
  const std::vector<Tensor>& params() const { return params_; }

  // Parameter groups by weight decay, as nanoGPT's configure_optimizers makes them: decays[i] false
  // exempts parameter i from the weight decay (its own option stays for the others). Empty =
  // every parameter decays.
  void set_weight_decay_groups(std::vector<bool> decays);
  bool decays(size_t index) const { return decays_.empty() || decays_[index]; }

  // Optimizer state (moment buffers, step count) by name, for checkpoints and exact resume.
  virtual std::map<std::string, Tensor> state_dict() const;
  virtual void load_state_dict(const std::map<std::string, Tensor>& state);

 protected:
  // Lazily created per-parameter buffer (zeros), registered under name + "." + index.
  Tensor& buffer(const std::string& name, size_t index);
  bool has_buffer(const std::string& name, size_t index) const;
  std::vector<Tensor> params_;
  float lr_;
  int64_t step_ = 0;

 private:
  std::vector<bool> decays_;
  std::map<std::string, std::vector<Tensor>> buffers_;
};

struct SGDOptions {
  float lr = 0.01f;
  float momentum = 0.0f;
  float dampening = 0.0f;
  float weight_decay = 0.0f;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& opt);
  void step() override;

 private:
  SGDOptions opt_;
};

struct AdamOptions {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;  // Adam: L2 added to the gradient; AdamW: decoupled decay
};

// torch.optim.AdamW's defaults: Adam's, with weight decay 1e-2.
struct AdamWOptions : AdamOptions {
  AdamWOptions() { weight_decay = 1e-2f; }
};

class Adam : public Optimizer {
 public:
  // decoupled_weight_decay = true gives AdamW.
  Adam(std::vector<Tensor> params, const AdamOptions& opt, bool decoupled_weight_decay = false);
  void step() override;
  // Adds each parameter's own step count ("param_step.<i>"), which the bias corrections use: a
  // parameter that had no gradient at some step starts its count later, as in PyTorch.
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

 private:
  AdamOptions opt_;
  bool decoupled_;
  std::vector<int64_t> param_steps_;
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& opt = {})
      : Adam(std::move(params), opt, true) {}
  // Options given as plain AdamOptions are taken as they are, their weight_decay included.
  AdamW(std::vector<Tensor> params, const AdamOptions& opt) : Adam(std::move(params), opt, true) {}
};

// Which parameters of a model weight decay should shrink: the matrices of matrix products (2-D or
// more), not biases, norms' gains and shifts, or embedding tables (minGPT's and the GPT-2 recipe's
// grouping; a tied output projection is the embedding table, so it is exempt too).
std::vector<bool> matrices_decay(const Module& model);

// The joint L2 norm of all gradients (summed in double, so finite gradients never overflow it);
// NaN or Inf when any gradient element is.
float grad_norm(const std::vector<Tensor>& params);
// Multiplies every gradient by factor.
void scale_grads_(const std::vector<Tensor>& params, float factor);
// Scales all gradients so their joint L2 norm is at most max_norm (torch.nn.utils.clip_grad_norm_);
// returns the norm before clipping.
float clip_grad_norm_(const std::vector<Tensor>& params, float max_norm);
// Clamps every gradient element to [-clip, clip] (torch.nn.utils.clip_grad_value_).
void clip_grad_value_(const std::vector<Tensor>& params, float clip);

}  // namespace attend
