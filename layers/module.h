// Module: the base of every layer and model, after the PyTorch C++ frontend's torch::nn::Module.
// A module registers its parameters, buffers and submodules by name in its constructor; from
// those it derives parameters(), named_parameters() with dotted names
// ("encoder.layers.0.self_attn.in_proj_weight"), train()/eval(), zero_grad(), state_dict() and
// load_state_dict(), the parameter count, and a printed tree.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/ops.h"

namespace attend {

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The class name shown when printing ("Linear").
  virtual std::string type_name() const = 0;
  // The text inside the parentheses when printing ("in_features=4, out_features=3, bias=true").
  virtual std::string extra_repr() const { return ""; }

  // Each distinct parameter once, under the first name it has in registration order: a tensor
  // shared by several modules (tied weights) is one parameter, as in PyTorch, so an optimizer
  // steps it once with the sum of its gradients.
  std::vector<Tensor> parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const {
    return children_;
  }
  int64_t num_parameters() const;

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Drops every parameter's .grad (PyTorch's zero_grad(set_to_none=True)).
  void zero_grad();

  // Parameters and buffers by dotted name; the tensors share storage with the module's. A tied
  // tensor appears under each of its names (PyTorch's state_dict does the same).
  std::map<std::string, Tensor> state_dict() const;
  // Copies values into the module's tensors by name, checking shapes. strict: every name must
  // match both ways, except that a tied tensor needs only one of its names (a file that stores
  // it once, as safetensors' save_model does, loads back tied). Throws std::invalid_argument
  // naming the first missing, unexpected or mis-shaped entry; on error nothing has been changed.
  void load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);

  // The module tree as PyTorch prints it.
  std::string str() const;

 protected:
  // Registers a parameter (a leaf that requires grad) and returns it. Names may not contain dots.
  Tensor register_parameter(const std::string& name, Tensor value);
  // Weight tying (Press & Wolf 2017): the parameter `name` of this module becomes the tensor
  // `shared`, a parameter of another module, of the same shape (PyTorch's
  // `self.out.weight = self.emb.weight`). Returns shared, for the subclass's own member.
  Tensor tie_parameter(const std::string& name, const Tensor& shared);
  // Registers state that is saved but not trained (e.g. running statistics).
  Tensor register_buffer(const std::string& name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    check_name(name, "register_module");
    children_.emplace_back(name, module);
    return module;
  }

 private:
  void check_name(const std::string& name, const char* what) const;
  void collect(const std::string& prefix, bool recurse, bool buffers,
               std::vector<std::pair<std::string, Tensor>>& out) const;
  void print(std::string& out, int indent) const;

  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// A module with one input and one output tensor: what Sequential chains.
class UnaryModule : public Module {
 public:
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
};

std::ostream& operator<<(std::ostream& os, const Module& m);

// Puts a module in eval mode for a scope and restores its training flag afterwards, also when the
// scope is left by an exception (evaluation, decoding, prediction).
class EvalModeGuard {
 public:
  explicit EvalModeGuard(Module& m) : module_(m), was_training_(m.is_training()) { m.eval(); }
  ~EvalModeGuard() { module_.train(was_training_); }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  Module& module_;
  bool was_training_;
};

}  // namespace attend
