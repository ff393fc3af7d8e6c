// gradcheck: compares the analytic gradients that backward() computes with central finite
// differences, for attend's ops and for users' own. The output is reduced to a scalar with a
// fixed random cotangent r (L = sum(f(x) * r), accumulated in double), which checks the full
// vector-Jacobian product with one backward pass.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace attend {

struct GradcheckOptions {
  // Finite-difference step. float32 forward passes: too small and rounding dominates, too large
  // and curvature does; 1e-2 with the tolerances below suits inputs of order 1 kept 0.05 away
  // from kinks (relu, abs, max ties).
  double eps = 1e-2;
  double atol = 2e-3;
  double rtol = 1e-2;
  uint64_t seed = 1234;  // of the cotangent r
};

struct GradcheckResult {
  bool ok = true;
  double worst_ratio = 0;  // max over elements of |analytic - numeric| / (atol + rtol * |numeric|)
  int input = -1;          // which input (or parameter) holds the worst element
  std::string label;       // "input 1" or "parameter weight_ih_l0"
  int64_t checked = 0;     // elements compared
  std::vector<int64_t> index;  // its multi-index
  double analytic = 0, numeric = 0;
  std::string message;  // one line; says what failed and where
};

// f maps the inputs to an output of any shape. Inputs with requires_grad() are checked; f must be
// deterministic (re-seed any Generator inside f).
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

// The same check for tensors that f() uses directly, such as a module's parameters
// (module.named_parameters()): each is perturbed in place and restored, and its .grad is restored
// afterwards. Every tensor must be a leaf that requires grad.
GradcheckResult gradcheck_parameters(const std::function<Tensor()>& f,
                                     const std::vector<std::pair<std::string, Tensor>>& params,
                                     const GradcheckOptions& options = {});

// The same with each tensor's label given verbatim ("input query", "parameter weight"): what
// gradcheck_parameters and the op descriptors' checks (autograd/op_info.h) use.
GradcheckResult gradcheck_leaves(const std::function<Tensor()>& f,
                                 const std::vector<std::pair<std::string, Tensor>>& leaves,
                                 const GradcheckOptions& options = {});

}  // namespace attend
