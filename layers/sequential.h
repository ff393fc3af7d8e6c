// Sequential: applies its modules in order; children are named "0", "1", ... as in PyTorch.
#pragma once

#include "layers/module.h"

namespace attend {

class Sequential : public UnaryModule {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<UnaryModule>> modules);
  void push_back(std::shared_ptr<UnaryModule> m);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sequential"; }
  size_t size() const { return modules_.size(); }
  UnaryModule& operator[](size_t i) { return *modules_.at(i); }

 private:
  std::vector<std::shared_ptr<UnaryModule>> modules_;
};

// A parameter-free module wrapping a function (ReLU, Tanh, GELU, ...).
class Activation : public UnaryModule {
 public:
  Activation(std::string name, Tensor (*fn)(const Tensor&)) : name_(std::move(name)), fn_(fn) {}
  Tensor forward(const Tensor& x) override { return fn_(x); }
  std::string type_name() const override { return name_; }

 private:
  std::string name_;
  Tensor (*fn_)(const Tensor&);
};

}  // namespace attend
