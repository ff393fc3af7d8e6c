// Dropout as a module: active in train() mode, the identity in eval() mode.
#pragma once

#include <memory>

#include "layers/module.h"

namespace attend {

class Dropout : public UnaryModule {
 public:
  // gen: the model's generator, shared so that a seed fixes every mask.
  Dropout(float p, std::shared_ptr<Generator> gen);
  Tensor forward(const Tensor& x) override { return dropout(x, p, is_training(), *gen_); }
  std::string type_name() const override { return "Dropout"; }
  std::string extra_repr() const override;

  float p;

 private:
  std::shared_ptr<Generator> gen_;
};

}  // namespace attend
