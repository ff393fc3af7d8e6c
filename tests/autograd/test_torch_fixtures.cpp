// attend against PyTorch: forward values and input gradients of the fused NN ops and of matmul,
// compared with reference values computed by torch (tests/fixtures/gen_fixtures.py writes them to
// tests/fixtures/autograd.txt; see that script for how each case is named and generated).
//
// Each case CASE has inputs CASE.<in>, torch's output CASE.y, a random upstream gradient CASE.gy
// and torch's input gradients CASE.d<in> for y.backward(gy). Every comparison logs its largest
// absolute difference (visible with --log_level=message, as CTest runs it).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "test_util.h"

using namespace attend;

namespace {

const std::map<std::string, Tensor>& fixtures() {
  static const std::map<std::string, Tensor> f = attend::test::load_fixtures("autograd.txt");
  return f;
}

const Tensor& fixture(const std::string& name) {
  auto it = fixtures().find(name);
  BOOST_REQUIRE_MESSAGE(it != fixtures().end(),
                        "fixture " << name
                                   << " is not in autograd.txt (regenerate it: /usr/bin/python3 "
                                      "tests/fixtures/gen_fixtures.py)");
  return it->second;
}

// A fresh leaf requiring grad with the fixture's values (the shared fixture is left untouched).
Tensor leaf(const std::string& name) {
  const Tensor& src = fixture(name);
  Tensor t = Tensor::empty(src.shape());
  copy_(t, src);
  t.requires_grad_();
  return t;
}

struct Tol {
  float atol = 1e-5f;
  float rtol = 1e-4f;
};

// check_close against fixture `name`, logging the largest absolute difference.
void expect_close(const Tensor& actual, const std::string& name, Tol tol) {
  BOOST_REQUIRE_MESSAGE(actual.defined(), name << ": attend gave no tensor");
  const Tensor& expected = fixture(name);
  if (actual.shape() == expected.shape()) {
    float worst = 0.0f;
    for (int64_t i = 0; i < actual.numel(); ++i)
      worst = std::max(worst, std::fabs(actual.data()[i] - expected.data()[i]));
    BOOST_TEST_MESSAGE(name << ": max |attend - torch| = " << worst);
  }
  BOOST_TEST_CONTEXT(name) {
    attend::test::check_close(actual, expected, tol.atol, tol.rtol);
  }
}

using Forward = std::function<Tensor(const std::vector<Tensor>& inputs)>;

// Runs forward on leaves CASE.<in> for each name in `inputs`, compares CASE.y, runs backward with
// CASE.gy and compares each leaf's gradient with CASE.d<in>.
void run_case(const std::string& c, const std::vector<std::string>& inputs, const Forward& forward,
              Tol fwd = {}, Tol bwd = {}) {
  std::vector<Tensor> leaves;
  for (const auto& in : inputs) leaves.push_back(leaf(c + "." + in));
  Tensor y = forward(leaves);
  expect_close(y, c + ".y", fwd);
  y.backward(fixture(c + ".gy"));
  for (size_t i = 0; i < inputs.size(); ++i)
    expect_close(leaves[i].grad(), c + ".d" + inputs[i], bwd);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_torch_fixtures)

BOOST_AUTO_TEST_CASE(softmax_and_log_softmax_along_each_dim) {
  for (auto [d, tag] : {std::pair{0, "0"}, {1, "1"}, {-1, "m1"}}) {
    const int dim = d;  // a plain local: lambdas capturing structured bindings need newer compilers
    run_case(std::string("softmax_d") + tag, {"x"},
             [dim](const std::vector<Tensor>& in) { return softmax(in[0], dim); });
    run_case(std::string("log_softmax_d") + tag, {"x"},
             [dim](const std::vector<Tensor>& in) { return log_softmax(in[0], dim); });
  }
}

BOOST_AUTO_TEST_CASE(cross_entropy_ignore_index_label_smoothing_reductions) {
  // target sets: none ignored; -100 (the default ignore_index) ignored; a custom ignore_index=2.
  const std::pair<std::string, int64_t> target_sets[] = {
      {"plain", -100}, {"ign", -100}, {"ign2", 2}};
  const std::pair<std::string, float> smoothings[] = {{"ls0", 0.0f}, {"ls01", 0.1f}};
  const std::pair<std::string, Reduction> reductions[] = {
      {"mean", Reduction::kMean}, {"sum", Reduction::kSum}, {"none", Reduction::kNone}};
  for (const auto& [tname, ignore_index] : target_sets)
    for (const auto& [stag, smoothing] : smoothings)
      for (const auto& [rname, reduction] : reductions) {
        const std::string c = "ce_" + tname + "_" + stag + "_" + rname;
        const Tensor& target = fixture(c + ".target");
        const int64_t ii = ignore_index;
        const float ls = smoothing;
        const Reduction red = reduction;
        run_case(c, {"x"}, [&](const std::vector<Tensor>& in) {
          return cross_entropy(in[0], target, ii, ls, red);
        });
      }
}

BOOST_AUTO_TEST_CASE(cross_entropy_batched_logits_classes_last) {
  // logits [2, 3, 5] with classes last and targets [2, 3]; torch got them permuted to [2, 5, 3].
  const Tensor& target = fixture("ce_3d_ls01_mean.target");
  run_case("ce_3d_ls01_mean", {"x"}, [&](const std::vector<Tensor>& in) {
    return cross_entropy(in[0], target, -100, 0.1f, Reduction::kMean);
  });
}

BOOST_AUTO_TEST_CASE(nll_loss_on_log_softmax) {
  const std::pair<std::string, int64_t> target_sets[] = {{"ign", -100}, {"ign2", 2}};
  const std::pair<std::string, Reduction> reductions[] = {
      {"mean", Reduction::kMean}, {"sum", Reduction::kSum}, {"none", Reduction::kNone}};
  for (const auto& [tname, ignore_index] : target_sets)
    for (const auto& [rname, reduction] : reductions) {
      const std::string c = "nll_" + tname + "_" + rname;
      const Tensor& target = fixture(c + ".target");
      const int64_t ii = ignore_index;
      const Reduction red = reduction;
      run_case(c, {"x"}, [&](const std::vector<Tensor>& in) {
        return nll_loss(log_softmax(in[0], -1), target, ii, red);
      });
    }
}

BOOST_AUTO_TEST_CASE(layer_norm_last_dim) {
  run_case("layer_norm_wb", {"x", "w", "b"},
           [](const std::vector<Tensor>& in) { return layer_norm(in[0], in[1], in[2]); });
  run_case("layer_norm_w", {"x", "w"},
           [](const std::vector<Tensor>& in) { return layer_norm(in[0], in[1], Tensor()); });
  run_case("layer_norm_plain", {"x"},
           [](const std::vector<Tensor>& in) { return layer_norm(in[0], Tensor(), Tensor()); });
}

BOOST_AUTO_TEST_CASE(gelu_exact_and_tanh) {
  run_case("gelu_exact", {"x"},
           [](const std::vector<Tensor>& in) { return gelu(in[0], /*approximate=*/false); });
  run_case("gelu_tanh", {"x"},
           [](const std::vector<Tensor>& in) { return gelu(in[0], /*approximate=*/true); });
}

BOOST_AUTO_TEST_CASE(matmul_broadcast_batches) {
  // [2, 1, 3, 4] @ [5, 4, 2] -> [2, 5, 3, 2]
  run_case("matmul_bcast", {"a", "b"},
           [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); });
  // [2, 3, 4] @ [4, 5] -> [2, 3, 5]
  run_case("matmul_3d_2d", {"a", "b"},
           [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); });
  // [3, 4] @ ([2, 5, 4] transposed by the flag) -> [2, 3, 5]
  run_case("matmul_tb", {"a", "b"}, [](const std::vector<Tensor>& in) {
    return matmul(in[0], in[1], /*transpose_a=*/false, /*transpose_b=*/true);
  });
}

BOOST_AUTO_TEST_SUITE_END()
