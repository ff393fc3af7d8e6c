// The op descriptors' machinery (autograd/op_info.h): record() takes only registered
// descriptors, so an op left out of every list fails on first use; names are unique; a sample's
// check labels what it perturbs and catches a wrong backward; a reference check catches values
// and gradients that differ; the fixture accessors. The descriptors themselves are checked by
// tests/study/test_descriptors.cpp.
#include <boost/test/unit_test.hpp>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/node.h"
#include "autograd/op_info.h"
#include "test_util.h"

using namespace attend;
using attend::test::param;

namespace {

// y = x * x with a backward that is off by one at flat element 1, and a descriptor for it.
Tensor wrong_square(const Tensor& x) {
  Tensor out;
  {
    NoGradGuard ng;
    out = mul(x, x);
  }
  return record(attend::test::test_op("wrong_square"), out, {&x},
                [xs = x.detach()](const Tensor& g) {
                  Tensor gx = mul(mul(g, xs), 2.0f);
                  gx.data()[1] += 1.0f;
                  return std::vector<Tensor>{gx};
                });
}

// A descriptor that no list holds and no one registers.
const OpInfo unlisted_op{.name = "unlisted", .samples = [] { return std::vector<Sample>{}; }};

}  // namespace

BOOST_AUTO_TEST_SUITE(test_op_info)

BOOST_AUTO_TEST_CASE(record_takes_only_registered_descriptors) {
  Tensor x = param({2}, 1);
  try {
    record(unlisted_op, x.detach() * 2.0f, {&x},
           [](const Tensor& g) { return std::vector<Tensor>{g * 2.0f}; });
    BOOST_ERROR("an unregistered descriptor was recorded");
  } catch (const AutogradError& e) {
    attend::test::check_mentions(e.what(), {"'unlisted'", "not registered", "list"});
  }
  // Without a graph to build too: the check does not depend on requires_grad.
  Tensor c = x.detach();
  BOOST_CHECK_THROW(record(unlisted_op, c * 2.0f, {&c}, nullptr), AutogradError);
  // Registered, the same op records a node named after it.
  const OpInfo& known = attend::test::test_op("now_known");
  Tensor y = record(known, x.detach() * 2.0f, {&x},
                    [](const Tensor& g) { return std::vector<Tensor>{g * 2.0f}; });
  BOOST_REQUIRE(y.grad_fn());
  BOOST_CHECK_EQUAL(std::string(y.grad_fn()->name), "now_known");
  BOOST_CHECK_EQUAL(y.grad_fn()->name, known.name);  // the descriptor's string itself
}

BOOST_AUTO_TEST_CASE(the_registry_has_every_ops_file_and_refuses_a_taken_name) {
  // One op of each file in autograd/CMakeLists.txt's list (the generated op_lists.cpp).
  for (const char* name :
       {"scaled_dot_product_attention", "edge_softmax", "gather", "matmul", "multi_head_attention",
        "softmax", "add", "sum_dim", "lstm_cell", "unbind"})
    BOOST_CHECK_MESSAGE(op_registry().find(name), name << " is not registered");
  BOOST_CHECK(!op_registry().find("no_such_op"));
  const OpInfo again{.name = "add", .samples = [] { return std::vector<Sample>{}; }};
  BOOST_CHECK_THROW(register_op(again), std::invalid_argument);
  const OpInfo no_samples{.name = "no_samples"};
  BOOST_CHECK_THROW(register_op(no_samples), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(graph_op_names_lists_each_node_once) {
  Tensor x = param({2, 3}, 2);
  Tensor y = sum(tanh(x) * tanh(x) + 1.0f);
  const std::vector<std::string> names = graph_op_names(y);
  BOOST_CHECK((names == std::vector<std::string>{"add_scalar", "mul", "sum", "tanh"}));
  BOOST_CHECK(graph_op_names(x).empty());  // a leaf has no node
}

BOOST_AUTO_TEST_CASE(check_sample_names_what_it_perturbs_and_catches_a_wrong_backward) {
  // Named inputs, a constant input, a parameter; the wrong element is input "x", index [1].
  Tensor w = param({2}, 3);
  const Sample s{.name = "x * w + wrong_square(x)",
                 .inputs = {param({2}, 4), from_vector({5.0f, 6.0f})},
                 .f = [w](const Inputs& v) { return v[0] * w + wrong_square(v[0]) + v[1]; },
                 .parameters = {{"w", w}},
                 .input_names = {"x", "c"}};
  const GradcheckResult r = check_sample(s);
  BOOST_CHECK(!r.ok);
  BOOST_CHECK_EQUAL(r.label, "input x");
  BOOST_CHECK(r.index == std::vector<int64_t>{1});
  BOOST_CHECK_CLOSE(r.analytic - r.numeric, 1.0, 1.0);
  BOOST_CHECK_EQUAL(r.checked, 4);  // x and w, not the constant c
  // Parameters are labelled too, and the step scales with eps_scale: tanh's curvature at 1e-2
  // against 1e-6 is visible in the numeric value.
  Sample p{
      .name = "tanh(w)", .f = [w](const Inputs&) { return tanh(w); }, .parameters = {{"w", w}}};
  GradcheckOptions loose;
  loose.atol = 1e9;  // pass, to read the worst element
  const GradcheckResult wide = check_sample(p, loose);
  p.eps_scale = 1e-4;
  const GradcheckResult narrow = check_sample(p, loose);
  BOOST_CHECK_EQUAL(wide.label, "parameter w");
  BOOST_CHECK_NE(wide.numeric, narrow.numeric);
  // An input that requires grad must be a leaf, to be perturbed in place.
  const Sample bad{.name = "not a leaf",
                   .inputs = {param({2}, 5) * 2.0f},
                   .f = [](const Inputs& v) { return v[0] * 3.0f; }};
  BOOST_CHECK_THROW(check_sample(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(check_reference_catches_other_values_and_other_gradients) {
  const OpFn square = [](const Inputs& v) { return v[0] * v[0]; };
  Sample s{.name = "x * x", .inputs = {param({3}, 6)}, .f = square, .reference = square};
  BOOST_CHECK(check_reference(s).ok);
  // Values 1e-3 off.
  s.reference = [](const Inputs& v) { return v[0] * v[0] + 1e-3f; };
  ReferenceResult r = check_reference(s);
  BOOST_CHECK(!r.ok);
  BOOST_CHECK_MESSAGE(r.message.find("value element 0") != std::string::npos, r.message);
  // The same values, a wrong gradient at element 1.
  s.reference = [](const Inputs& v) { return wrong_square(v[0]); };
  r = check_reference(s);
  BOOST_CHECK(!r.ok);
  BOOST_CHECK_MESSAGE(r.message.find("gradient of input 0 element 1") != std::string::npos,
                      r.message);
  // The inputs are left without gradients.
  BOOST_CHECK(!s.inputs[0].grad().defined());
}

BOOST_AUTO_TEST_CASE(fixture_tensors_accessors) {
  const FixtureTensors t("case", {{"x", from_vector({1, 2})},
                                  {"opt.heads", full({}, 2.0f)},
                                  {"param.weight", from_vector({3})},
                                  {"param.layer.bias", from_vector({4})}});
  BOOST_CHECK(t.has("x") && !t.has("y"));
  Tensor leaf = t.leaf("x");
  BOOST_CHECK(leaf.requires_grad() && leaf.is_leaf());
  BOOST_CHECK(leaf.data() != t.get("x").data());  // a copy: the file's tensor stays as it was
  BOOST_CHECK(!t.optional("mask").defined());
  BOOST_CHECK_EQUAL(t.iopt("heads"), 2);
  const std::map<std::string, Tensor> state = t.state();
  BOOST_CHECK_EQUAL(state.size(), 2u);
  BOOST_CHECK(state.count("weight") && state.count("layer.bias"));
  try {
    t.get("y");
    BOOST_ERROR("no error for a missing tensor");
  } catch (const std::out_of_range& e) {
    BOOST_CHECK_MESSAGE(std::string(e.what()).find("case.y") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()
