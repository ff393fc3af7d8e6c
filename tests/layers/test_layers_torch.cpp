// attend's layers against PyTorch: each module is built with the options torch used, loaded with
// torch's parameters by torch's names (a strict load_state_dict, so a wrong, missing or extra name
// fails the test), run forward and backward, and compared on every output, every input gradient
// and every parameter gradient. The reference values come from tests/fixtures/layers.txt, written
// by tests/fixtures/gen_layer_fixtures.py (see that script for how each case is named).
//
// Every comparison logs its largest absolute difference (visible with --log_level=message, as
// CTest runs it), and each case logs its overall largest difference.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "layers/embedding.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/rnn.h"
#include "torch_cases.h"

using namespace attend;

namespace {

const attend::test::TorchCases& cases() {
  static const attend::test::TorchCases c("layers.txt", "tests/fixtures/gen_layer_fixtures.py");
  return c;
}

bool has_fixture(const std::string& name) {
  return cases().has(name);
}
int64_t iopt(const std::string& c, const std::string& key) {
  return cases().iopt(c, key);
}
using attend::test::Tol;
using Inputs = attend::test::TorchCases::Inputs;
using Outputs = attend::test::TorchCases::Outputs;
using Forward = attend::test::TorchCases::Forward;

// The comparison of one case (tests/torch_cases.h).
void run_case(const std::string& c, Module& m, const std::vector<std::string>& inputs,
              const std::vector<std::string>& constants, const Forward& forward, Tol fwd, Tol bwd) {
  cases().run_case(c, m, inputs, constants, forward, fwd, bwd, /*optional_constants=*/false);
}

RNNOptions rnn_options(const std::string& c) {
  RNNOptions o;
  o.num_layers = iopt(c, "num_layers");
  o.bidirectional = iopt(c, "bidirectional") != 0;
  o.batch_first = iopt(c, "batch_first") != 0;
  o.bias = iopt(c, "bias") != 0;
  return o;
}

// One sequence case: kind is "rnn", "lstm" or "gru"; h0/c0 are inputs when the fixture has them.
void run_sequence_case(const std::string& c, const std::string& kind, Tol fwd, Tol bwd) {
  Generator gen(7);  // the initial values are overwritten by torch's
  const int64_t I = iopt(c, "input_size"), H = iopt(c, "hidden_size");
  std::unique_ptr<RNNBase> m;
  if (kind == "rnn") m = std::make_unique<RNN>(I, H, gen, rnn_options(c));
  if (kind == "lstm") m = std::make_unique<LSTM>(I, H, gen, rnn_options(c));
  if (kind == "gru") m = std::make_unique<GRU>(I, H, gen, rnn_options(c));
  std::vector<std::string> inputs = {"x"};
  if (has_fixture(c + ".h0")) inputs.push_back("h0");
  if (has_fixture(c + ".c0")) inputs.push_back("c0");
  const bool lstm = kind == "lstm";
  run_case(
      c, *m, inputs, {},
      [&](const std::map<std::string, Tensor>& in) {
        auto get = [&in](const char* n) {
          auto it = in.find(n);
          return it == in.end() ? Tensor() : it->second;
        };
        RNNOutput r = m->forward(get("x"), get("h0"), get("c0"));
        Outputs o = {{"out", r.output}, {"h_n", r.h_n}};
        if (lstm) o.emplace_back("c_n", r.c_n);
        return o;
      },
      fwd, bwd);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_layers_torch)

// Linear [2, 3, 4] -> [2, 3, 5]: four-term dot products, so float32 rounding differs from torch's
// only in the last bit or two: atol 1e-6 (values are O(1)) + rtol 1e-5.
BOOST_AUTO_TEST_CASE(linear_3d_input_with_and_without_bias) {
  for (const std::string c : {"linear", "linear_nobias"}) {
    Generator gen(1);
    Linear m(iopt(c, "in_features"), iopt(c, "out_features"), gen, iopt(c, "bias") != 0);
    run_case(c, m, {"x"}, {},
             [&m](const std::map<std::string, Tensor>& in) {
               return Outputs{{"y", m.forward(in.at("x"))}};
             },
             {1e-6f, 1e-5f}, {1e-6f, 1e-5f});
  }
}

// Embedding: the forward is a copy, so exact (atol 0, rtol 0); the weight gradient sums repeated
// ids (at most 3 terms) and must be exactly zero on the padding row: atol 1e-6, rtol 1e-6.
BOOST_AUTO_TEST_CASE(embedding_padding_idx_repeated_ids) {
  const std::string c = "embedding_pad";
  Generator gen(1);
  Embedding m(iopt(c, "num_embeddings"), iopt(c, "embedding_dim"), gen, iopt(c, "padding_idx"));
  run_case(c, m, {}, {"ids"},
           [&m](const std::map<std::string, Tensor>& in) {
             return Outputs{{"y", m.forward(in.at("ids"))}};
           },
           {0.0f, 0.0f}, {1e-6f, 1e-6f});
  // The padding row of the gradient is exactly zero (torch's is too; checked above), not absent.
  const int64_t pad = iopt(c, "padding_idx"), dim = iopt(c, "embedding_dim");
  for (int64_t j = 0; j < dim; ++j) BOOST_CHECK_EQUAL(m.weight.grad().data()[pad * dim + j], 0.0f);
}

// LayerNorm over 6 values: mean/variance in float32 on both sides; atol 1e-6 + rtol 1e-5 for the
// output (O(1) values) and 2e-6 + 1e-5 for gradients (their formula subtracts two sums, so the
// absolute error scales with |gy| * |x_hat| rather than with the result).
BOOST_AUTO_TEST_CASE(layer_norm_affine) {
  const std::string c = "layer_norm";
  LayerNorm m(iopt(c, "dim"));
  run_case(c, m, {"x"}, {},
           [&m](const std::map<std::string, Tensor>& in) {
             return Outputs{{"y", m.forward(in.at("x"))}};
           },
           {1e-6f, 1e-5f}, {2e-6f, 1e-5f});
}

// One cell step: a 4- and a 3-term dot product and a sigmoid/tanh; torch computes the same float32
// math (its CPU cells are not fused), so atol 1e-6 + rtol 1e-5 for values and gradients.
BOOST_AUTO_TEST_CASE(rnn_cell_lstm_cell_gru_cell) {
  const Tol tol{1e-6f, 1e-5f};
  {
    const std::string c = "rnn_cell";
    Generator gen(1);
    RNNCell m(iopt(c, "input_size"), iopt(c, "hidden_size"), gen);
    run_case(
        c, m, {"x", "h0"}, {},
        [&m](const std::map<std::string, Tensor>& in) {
          return Outputs{{"h", m.forward(in.at("x"), in.at("h0"))}};
        },
        tol, tol);
  }
  {
    const std::string c = "gru_cell";
    Generator gen(1);
    GRUCell m(iopt(c, "input_size"), iopt(c, "hidden_size"), gen);
    run_case(
        c, m, {"x", "h0"}, {},
        [&m](const std::map<std::string, Tensor>& in) {
          return Outputs{{"h", m.forward(in.at("x"), in.at("h0"))}};
        },
        tol, tol);
  }
  {
    const std::string c = "lstm_cell";
    Generator gen(1);
    LSTMCell m(iopt(c, "input_size"), iopt(c, "hidden_size"), gen);
    run_case(
        c, m, {"x", "h0", "c0"}, {},
        [&m](const std::map<std::string, Tensor>& in) {
          auto [h, cc] = m.forward(in.at("x"), in.at("h0"), in.at("c0"));
          return Outputs{{"h", h}, {"c", cc}};
        },
        tol, tol);
  }
}

// Sequence modules (T=5, B=3, I=4, H=3, 2 layers, bidirectional): the outputs are tanh/sigmoid
// bounded and stay within atol 1e-6 + rtol 1e-5 of torch. The gradients are sums over up to 5 time
// steps and 2 layers of products of O(1) terms (the weight gradients sum 15 outer products per
// direction), accumulated in a different order than torch's, so rounding grows to a few 1e-7
// absolute on O(1) sums and relative error is unbounded where a sum nearly cancels: atol 1e-5 +
// rtol 1e-5 for gradients.
BOOST_AUTO_TEST_CASE(rnn_two_layers_bidirectional) {
  run_sequence_case("rnn", "rnn", {1e-6f, 1e-5f}, {1e-5f, 1e-5f});
}

BOOST_AUTO_TEST_CASE(lstm_two_layers_bidirectional) {
  run_sequence_case("lstm", "lstm", {1e-6f, 1e-5f}, {1e-5f, 1e-5f});
}

BOOST_AUTO_TEST_CASE(gru_two_layers_bidirectional) {
  run_sequence_case("gru", "gru", {1e-6f, 1e-5f}, {1e-5f, 1e-5f});
}

// batch_first=True with given initial states h0 (and c0), whose gradients are compared too.
BOOST_AUTO_TEST_CASE(batch_first_with_initial_states) {
  run_sequence_case("rnn_bf_h0", "rnn", {1e-6f, 1e-5f}, {1e-5f, 1e-5f});
  run_sequence_case("lstm_bf_h0", "lstm", {1e-6f, 1e-5f}, {1e-5f, 1e-5f});
  run_sequence_case("gru_bf_h0", "gru", {1e-6f, 1e-5f}, {1e-5f, 1e-5f});
}

// One layer, one direction, bias=False: only weight_ih_l0 and weight_hh_l0 exist on both sides.
BOOST_AUTO_TEST_CASE(gru_without_bias) {
  run_sequence_case("gru_nobias", "gru", {1e-6f, 1e-5f}, {1e-5f, 1e-5f});
}

BOOST_AUTO_TEST_SUITE_END()
