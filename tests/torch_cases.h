// Comparing a module with PyTorch on one fixture case (tests/fixtures/gen_*_fixtures.py write
// them): CASE.param.NAME are torch's parameters, CASE.<in> the inputs, CASE.<out> and CASE.g_<out>
// the outputs and their upstream gradients, CASE.d<in> and CASE.grad.NAME the gradients torch
// computed.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "layers/module.h"
#include "test_util.h"

namespace attend::test {

struct Tol {
  float atol;
  float rtol;
};

class TorchCases {
 public:
  using Inputs = std::map<std::string, Tensor>;
  using Outputs = std::vector<std::pair<std::string, Tensor>>;
  using Forward = std::function<Outputs(const Inputs& in)>;

  TorchCases(const std::string& file, const std::string& generator) : fx_(file, generator) {}

  bool has(const std::string& name) const { return fx_.has(name); }
  const Tensor& fixture(const std::string& name) const { return fx_.get(name); }
  // A mask or other constant: the fixture if present, else an undefined tensor.
  Tensor optional(const std::string& name) const { return has(name) ? fixture(name) : Tensor(); }
  // An option stored as a 0-d tensor CASE.opt.KEY.
  float opt(const std::string& c, const std::string& key) const {
    return fixture(c + ".opt." + key).item();
  }
  int64_t iopt(const std::string& c, const std::string& key) const {
    return static_cast<int64_t>(std::lround(opt(c, key)));
  }

  // A fresh leaf requiring grad with the fixture's values (the shared fixture is left untouched).
  Tensor leaf(const std::string& name) const {
    Tensor t = fixture(name).detach().clone();
    t.requires_grad_();
    return t;
  }

  // Every CASE.param.NAME, keyed by NAME: torch's state dict.
  std::map<std::string, Tensor> torch_state(const std::string& c) const {
    const std::string prefix = c + ".param.";
    std::map<std::string, Tensor> out;
    for (const auto& [name, t] : fx_.all())
      if (name.compare(0, prefix.size(), prefix) == 0) out[name.substr(prefix.size())] = t;
    return out;
  }

  // check_close against fixture `name`; returns the largest absolute difference and logs the
  // smallest atol that would pass at tol.rtol.
  float expect_close(const Tensor& actual, const std::string& name, Tol tol) const {
    BOOST_REQUIRE_MESSAGE(actual.defined(), name << ": attend gave no tensor");
    const Tensor& expected = fixture(name);
    float worst = 0.0f, needed = 0.0f;
    if (actual.shape() == expected.shape()) {
      for (int64_t i = 0; i < actual.numel(); ++i) {
        const float a = actual.data()[i], e = expected.data()[i];
        worst = std::max(worst, std::fabs(a - e));
        needed = std::max(needed, std::fabs(a - e) - tol.rtol * std::fabs(e));
      }
      BOOST_TEST_MESSAGE(name << ": max |attend - torch| = " << worst << " (needs atol " << needed
                              << " of " << tol.atol << ")");
    }
    BOOST_TEST_CONTEXT(name) {
      check_close(actual, expected, tol.atol, tol.rtol);
    }
    return worst;
  }

  // The whole comparison for one case:
  //  1. strict load_state_dict of torch's parameters (names must match torch's exactly; a module
  //     with parameters must find them in the fixture);
  //  2. forward on leaves CASE.<in> and constants CASE.<const> (optional_constants: undefined when
  //     the fixture has none, e.g. masks), compare each output CASE.<out>;
  //  3. backward of sum_k sum(out_k * CASE.g_<out_k>) -- whose gradient w.r.t. out_k is exactly
  //     CASE.g_<out_k>, as torch.autograd.backward(outs, grads) -- then compare CASE.d<in> for
  //     each leaf and CASE.grad.NAME for every parameter the module has.
  void run_case(const std::string& c, Module& m, const std::vector<std::string>& inputs,
                const std::vector<std::string>& constants, const Forward& forward, Tol fwd, Tol bwd,
                bool optional_constants = false) const {
    BOOST_TEST_MESSAGE("case " << c << ": " << m);
    const auto state = torch_state(c);
    BOOST_REQUIRE_MESSAGE(!state.empty() || m.num_parameters() == 0,
                          "no parameters for case " << c);
    try {
      m.load_state_dict(state);
    } catch (const std::exception& e) {
      BOOST_FAIL("case " << c << ": torch's parameters do not load: " << e.what());
    }
    Inputs in;
    for (const auto& n : inputs) in[n] = leaf(c + "." + n);
    for (const auto& n : constants)
      in[n] = optional_constants ? optional(c + "." + n) : fixture(c + "." + n);
    const Outputs outs = forward(in);
    float worst_fwd = 0, worst_bwd = 0;
    Tensor loss;
    for (const auto& [n, y] : outs) {
      worst_fwd = std::max(worst_fwd, expect_close(y, c + "." + n, fwd));
      Tensor term = sum(mul(y, fixture(c + ".g_" + n)));
      loss = loss.defined() ? add(loss, term) : term;
    }
    loss.backward();
    for (const auto& n : inputs)
      worst_bwd = std::max(worst_bwd, expect_close(in[n].grad(), c + ".d" + n, bwd));
    size_t checked = 0;
    for (const auto& [n, p] : m.named_parameters()) {
      worst_bwd = std::max(worst_bwd, expect_close(p.grad(), c + ".grad." + n, bwd));
      ++checked;
    }
    BOOST_CHECK_EQUAL(checked, state.size());
    BOOST_TEST_MESSAGE("case " << c << ": max |attend - torch| forward " << worst_fwd
                               << ", gradients " << worst_bwd);
  }

 private:
  FixtureFile fx_;
};

}  // namespace attend::test
