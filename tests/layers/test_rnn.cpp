// Recurrent layers: gradients against finite differences (tiny sizes: T=3, B=2, I=3, H=2; the
// sequence modules with 2 layers, bidirectional), shape errors, PyTorch's parameter names and
// counts, and printing.
//
// Inputs and initial states go through gradcheck directly. Parameters cannot: gradcheck clones
// its inputs, and copying a clone into a module parameter (copy_, load_state_dict) copies data and
// loses the graph. So parameter gradients are checked with attend::gradcheck_parameters, which
// perturbs each element of each module parameter in place and compares with .grad().
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "layers/rnn.h"
#include "test_util.h"

using namespace attend;
using attend::test::param;

namespace {

constexpr int64_t T = 3, B = 2, I = 3, H = 2;

RNNOptions two_layers_bidirectional(bool batch_first = false) {
  RNNOptions o;
  o.num_layers = 2;
  o.bidirectional = true;
  o.batch_first = batch_first;
  return o;
}

// All outputs of a sequence module as one vector, so one cotangent covers them all.
Tensor flat_outputs(const RNNOutput& r) {
  std::vector<Tensor> parts = {flatten(r.output), flatten(r.h_n)};
  if (r.c_n.defined()) parts.push_back(flatten(r.c_n));
  return concat(parts, 0);
}

// Parameter gradients against central differences (tests/test_util.h); returns the number of
// parameter elements checked.
int64_t check_param_grads(Module& m, const std::function<Tensor()>& forward) {
  return attend::test::check_parameter_gradients(m, forward);
}

// Expects f() to throw ShapeError whose message contains every string in `parts`.
void expect_shape_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    BOOST_ERROR("no ShapeError thrown (expected one mentioning " << parts.front() << ")");
  } catch (const ShapeError& e) {
    const std::string msg = e.what();
    BOOST_TEST_MESSAGE("ShapeError: " << msg);
    for (const auto& p : parts)
      BOOST_CHECK_MESSAGE(msg.find(p) != std::string::npos,
                          "message '" << msg << "' does not mention '" << p << "'");
  }
}

std::string printed(const Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_rnn)

// --- cells: inputs and states by gradcheck, parameters by check_param_grads -------------------

BOOST_AUTO_TEST_CASE(rnn_cell_gradients) {
  Generator gen(1);
  RNNCell cell(I, H, gen);
  ATTEND_CHECK_GRAD([&](const std::vector<Tensor>& in) { return cell.forward(in[0], in[1]); },
                    (std::vector<Tensor>{param({B, I}, 1), param({B, H}, 2)}));
  const Tensor x = param({B, I}, 3), h = param({B, H}, 4);
  BOOST_CHECK_EQUAL(check_param_grads(cell, [&] { return cell.forward(x, h); }),
                    cell.num_parameters());
}

BOOST_AUTO_TEST_CASE(lstm_cell_gradients) {
  Generator gen(2);
  LSTMCell cell(I, H, gen);
  auto both = [&cell](const Tensor& x, const Tensor& h, const Tensor& c) {
    auto [h1, c1] = cell.forward(x, h, c);
    return concat({h1, c1}, 1);
  };
  ATTEND_CHECK_GRAD([&](const std::vector<Tensor>& in) { return both(in[0], in[1], in[2]); },
                    (std::vector<Tensor>{param({B, I}, 1), param({B, H}, 2), param({B, H}, 3)}));
  const Tensor x = param({B, I}, 4), h = param({B, H}, 5), c = param({B, H}, 6);
  BOOST_CHECK_EQUAL(check_param_grads(cell, [&] { return both(x, h, c); }), cell.num_parameters());
}

BOOST_AUTO_TEST_CASE(gru_cell_gradients) {
  Generator gen(3);
  GRUCell cell(I, H, gen);
  ATTEND_CHECK_GRAD([&](const std::vector<Tensor>& in) { return cell.forward(in[0], in[1]); },
                    (std::vector<Tensor>{param({B, I}, 1), param({B, H}, 2)}));
  const Tensor x = param({B, I}, 3), h = param({B, H}, 4);
  BOOST_CHECK_EQUAL(check_param_grads(cell, [&] { return cell.forward(x, h); }),
                    cell.num_parameters());
}

// --- sequence modules (2 layers, bidirectional): input, h0, c0 and every parameter -------------

BOOST_AUTO_TEST_CASE(rnn_sequence_gradients) {
  Generator gen(4);
  RNN rnn(I, H, gen, two_layers_bidirectional());
  // without initial states, and with h0
  ATTEND_CHECK_GRAD([&](const std::vector<Tensor>& in) { return flat_outputs(rnn.forward(in[0])); },
                    (std::vector<Tensor>{param({T, B, I}, 1)}));
  ATTEND_CHECK_GRAD(
      [&](const std::vector<Tensor>& in) { return flat_outputs(rnn.forward(in[0], in[1])); },
      (std::vector<Tensor>{param({T, B, I}, 2), param({4, B, H}, 3)}));
  const Tensor x = param({T, B, I}, 4), h0 = param({4, B, H}, 5);
  BOOST_CHECK_EQUAL(check_param_grads(rnn, [&] { return flat_outputs(rnn.forward(x, h0)); }),
                    rnn.num_parameters());
}

BOOST_AUTO_TEST_CASE(lstm_sequence_gradients) {
  Generator gen(5);
  LSTM lstm(I, H, gen, two_layers_bidirectional());
  ATTEND_CHECK_GRAD(
      [&](const std::vector<Tensor>& in) { return flat_outputs(lstm.forward(in[0])); },
      (std::vector<Tensor>{param({T, B, I}, 1)}));
  ATTEND_CHECK_GRAD(
      [&](const std::vector<Tensor>& in) {
        return flat_outputs(lstm.forward(in[0], in[1], in[2]));
      },
      (std::vector<Tensor>{param({T, B, I}, 2), param({4, B, H}, 3), param({4, B, H}, 4)}));
  const Tensor x = param({T, B, I}, 5), h0 = param({4, B, H}, 6), c0 = param({4, B, H}, 7);
  BOOST_CHECK_EQUAL(check_param_grads(lstm, [&] { return flat_outputs(lstm.forward(x, h0, c0)); }),
                    lstm.num_parameters());
}

BOOST_AUTO_TEST_CASE(gru_sequence_gradients) {
  Generator gen(6);
  GRU gru(I, H, gen, two_layers_bidirectional());
  ATTEND_CHECK_GRAD([&](const std::vector<Tensor>& in) { return flat_outputs(gru.forward(in[0])); },
                    (std::vector<Tensor>{param({T, B, I}, 1)}));
  ATTEND_CHECK_GRAD(
      [&](const std::vector<Tensor>& in) { return flat_outputs(gru.forward(in[0], in[1])); },
      (std::vector<Tensor>{param({T, B, I}, 2), param({4, B, H}, 3)}));
  const Tensor x = param({T, B, I}, 4), h0 = param({4, B, H}, 5);
  BOOST_CHECK_EQUAL(check_param_grads(gru, [&] { return flat_outputs(gru.forward(x, h0)); }),
                    gru.num_parameters());
}

BOOST_AUTO_TEST_CASE(batch_first_lstm_gradients) {
  Generator gen(7);
  LSTM lstm(I, H, gen, two_layers_bidirectional(/*batch_first=*/true));
  ATTEND_CHECK_GRAD(
      [&](const std::vector<Tensor>& in) {
        return flat_outputs(lstm.forward(in[0], in[1], in[2]));
      },
      (std::vector<Tensor>{param({B, T, I}, 1), param({4, B, H}, 2), param({4, B, H}, 3)}));
  const Tensor x = param({B, T, I}, 4);
  BOOST_CHECK_EQUAL(check_param_grads(lstm, [&] { return flat_outputs(lstm.forward(x)); }),
                    lstm.num_parameters());
}

// --- shape errors name the layer and the shapes ------------------------------------------------

BOOST_AUTO_TEST_CASE(sequence_shape_errors_name_layer_and_shapes) {
  Generator gen(8);
  LSTM lstm(I, H, gen, two_layers_bidirectional());
  // wrong input size, and a 2-D input
  expect_shape_error([&] { lstm.forward(zeros({T, B, 4})); }, {"LSTM", "[3, 2, 4]", "3]"});
  expect_shape_error([&] { lstm.forward(zeros({T, I})); }, {"LSTM", "[3, 3]"});
  // initial states must be [L*D, B, H] = [4, 2, 2]
  expect_shape_error(
      [&] {
        lstm.forward(zeros({T, B, I}), zeros({2, B, H}));
      },
      {"LSTM", "[2, 2, 2]", "[4, 2, 2]"});
  expect_shape_error(
      [&] {
        lstm.forward(zeros({T, B, I}), zeros({4, B, H}), zeros({4, 3, H}));
      },
      {"LSTM", "[4, 3, 2]", "[4, 2, 2]"});
  GRU gru(I, H, gen, two_layers_bidirectional(/*batch_first=*/true));
  expect_shape_error([&] { gru.forward(zeros({B, T, 5})); }, {"GRU", "[2, 3, 5]", "[batch, time"});
  RNN rnn(I, H, gen);
  expect_shape_error(
      [&] {
        rnn.forward(zeros({T, B, I}), zeros({1, 3, H}));
      },
      {"RNN", "[1, 3, 2]", "[1, 2, 2]"});
}

BOOST_AUTO_TEST_CASE(cell_shape_errors_name_layer_and_shapes) {
  Generator gen(9);
  RNNCell rnn(I, H, gen);
  LSTMCell lstm(I, H, gen);
  GRUCell gru(I, H, gen);
  expect_shape_error([&] { rnn.forward(zeros({B, 4}), zeros({B, H})); }, {"RNNCell", "[2, 4]"});
  expect_shape_error(
      [&] {
        gru.forward(zeros({B, I}), zeros({3, H}));
      },
      {"GRUCell", "[2, 3]", "[3, 2]"});
  expect_shape_error(
      [&] {
        lstm.forward(zeros({B, I}), zeros({B, 3}), zeros({B, H}));
      },
      {"LSTMCell", "[2, 3]"});
  // The cell state is an input too: a wrong c must be reported like a wrong x or h, naming the
  // layer and c's shape (PyTorch: "LSTMCell: Expected hx[1].size(1) to be equal to ...").
  expect_shape_error(
      [&] {
        lstm.forward(zeros({B, I}), zeros({B, H}), zeros({B, 3}));
      },
      {"LSTMCell", "[2, 3]"});
}

// --- PyTorch's parameter names, order and count -------------------------------------------------

BOOST_AUTO_TEST_CASE(lstm_parameter_names_and_count_match_pytorch) {
  Generator gen(10);
  LSTM lstm(I, H, gen, two_layers_bidirectional());
  // [n for n, _ in torch.nn.LSTM(3, 2, num_layers=2, bidirectional=True).named_parameters()]
  const std::vector<std::string> expected = {
      "weight_ih_l0",         "weight_hh_l0",         "bias_ih_l0",         "bias_hh_l0",
      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
      "weight_ih_l1",         "weight_hh_l1",         "bias_ih_l1",         "bias_hh_l1",
      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"};
  std::vector<std::string> names;
  for (const auto& [n, p] : lstm.named_parameters()) names.push_back(n);
  BOOST_CHECK_EQUAL_COLLECTIONS(names.begin(), names.end(), expected.begin(), expected.end());
  // sum(p.numel() for p in that module.parameters()) == 240
  BOOST_CHECK_EQUAL(lstm.num_parameters(), 240);
  // shapes: layer 1 reads both directions of layer 0 (4H x 2H)
  auto sd = lstm.state_dict();
  BOOST_CHECK(sd.at("weight_ih_l0").shape() == Shape({8, 3}));
  BOOST_CHECK(sd.at("weight_ih_l1_reverse").shape() == Shape({8, 4}));
  BOOST_CHECK(sd.at("weight_hh_l1").shape() == Shape({8, 2}));
  BOOST_CHECK(sd.at("bias_hh_l1_reverse").shape() == Shape({8}));
  // torch: GRU(3, 2, num_layers=2, bidirectional=True) has 180, RNN 60, LSTMCell(3, 2) 56
  BOOST_CHECK_EQUAL(GRU(I, H, gen, two_layers_bidirectional()).num_parameters(), 180);
  BOOST_CHECK_EQUAL(RNN(I, H, gen, two_layers_bidirectional()).num_parameters(), 60);
  BOOST_CHECK_EQUAL(LSTMCell(I, H, gen).num_parameters(), 56);
  // bias=False drops both biases, as torch
  RNNOptions nb;
  nb.bias = false;
  std::vector<std::string> nb_names;
  for (const auto& [n, p] : GRU(I, H, gen, nb).named_parameters()) nb_names.push_back(n);
  const std::vector<std::string> nb_expected = {"weight_ih_l0", "weight_hh_l0"};
  BOOST_CHECK_EQUAL_COLLECTIONS(nb_names.begin(), nb_names.end(), nb_expected.begin(),
                                nb_expected.end());
}

// --- printing, as torch's repr ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(printing_matches_pytorch) {
  Generator gen(11);
  BOOST_CHECK_EQUAL(printed(LSTM(I, H, gen, two_layers_bidirectional())),
                    "LSTM(3, 2, num_layers=2, bidirectional=True)");
  RNNOptions bf;
  bf.batch_first = true;
  BOOST_CHECK_EQUAL(printed(GRU(I, H, gen, bf)), "GRU(3, 2, batch_first=True)");
  RNNOptions nb;
  nb.bias = false;
  BOOST_CHECK_EQUAL(printed(RNN(I, H, gen, nb)), "RNN(3, 2, bias=False)");
  BOOST_CHECK_EQUAL(printed(RNNCell(I, H, gen)), "RNNCell(3, 2)");
  BOOST_CHECK_EQUAL(printed(LSTMCell(I, H, gen)), "LSTMCell(3, 2)");
  BOOST_CHECK_EQUAL(printed(GRUCell(I, H, gen, /*bias=*/false)), "GRUCell(3, 2, bias=False)");
}

BOOST_AUTO_TEST_CASE(printing_dropout_matches_pytorch) {
  // torch: repr(nn.LSTM(3, 2, num_layers=2, dropout=0.5)) == "LSTM(3, 2, num_layers=2,
  // dropout=0.5)" and with batch_first=True, dropout=0.25, bidirectional=True: "LSTM(3, 2,
  // num_layers=2, batch_first=True, dropout=0.25, bidirectional=True)"
  Generator gen(12);
  RNNOptions o;
  o.num_layers = 2;
  o.dropout = 0.5f;
  BOOST_CHECK_EQUAL(printed(LSTM(I, H, gen, o, std::make_shared<Generator>(1))),
                    "LSTM(3, 2, num_layers=2, dropout=0.5)");
  o.batch_first = true;
  o.dropout = 0.25f;
  o.bidirectional = true;
  BOOST_CHECK_EQUAL(printed(LSTM(I, H, gen, o, std::make_shared<Generator>(1))),
                    "LSTM(3, 2, num_layers=2, batch_first=True, dropout=0.25, bidirectional=True)");
}

// lengths: a padded batch gives each row exactly what it gets alone and unpadded (PyTorch's
// pack_padded_sequence semantics), padded outputs are zero, and gradients still check.
BOOST_AUTO_TEST_CASE(lengths_give_packed_sequence_semantics) {
  RNNOptions o;
  o.num_layers = 2;
  o.bidirectional = true;
  o.batch_first = true;
  const std::vector<int64_t> lengths = {4, 2, 3};
  Tensor x = param({3, 4, 3}, 11);  // [B, T, I], rows padded past their length
  for (RNNMode mode : {RNNMode::kRNN, RNNMode::kLSTM, RNNMode::kGRU}) {
    Generator g(5);
    std::shared_ptr<RNNBase> rnn;
    if (mode == RNNMode::kRNN) rnn = std::make_shared<RNN>(3, 4, g, o);
    if (mode == RNNMode::kLSTM) rnn = std::make_shared<LSTM>(3, 4, g, o);
    if (mode == RNNMode::kGRU) rnn = std::make_shared<GRU>(3, 4, g, o);
    BOOST_TEST_CONTEXT(rnn->type_name()) {
      RNNOutput packed = rnn->forward(x, Tensor(), Tensor(), lengths);
      for (int64_t b = 0; b < 3; ++b) {
        const int64_t n = lengths[b];
        RNNOutput alone = rnn->forward(narrow(narrow(x, 0, b, 1), 1, 0, n));
        test::check_close(narrow(narrow(packed.output, 0, b, 1), 1, 0, n), alone.output);
        test::check_close(narrow(packed.h_n, 1, b, 1), alone.h_n);
        if (mode == RNNMode::kLSTM) test::check_close(narrow(packed.c_n, 1, b, 1), alone.c_n);
        if (n < 4)
          test::check_close(narrow(narrow(packed.output, 0, b, 1), 1, n, 4 - n),
                            zeros({1, 4 - n, 8}));
      }
      ATTEND_CHECK_GRAD(
          [&](const std::vector<Tensor>& in) {
            return flat_outputs(rnn->forward(in[0], Tensor(), Tensor(), lengths));
          },
          (std::vector<Tensor>{param({3, 4, 3}, 12)}));
    }
  }
  Generator g(1);
  LSTM lstm(3, 4, g, o);
  BOOST_CHECK_THROW(lstm.forward(x, Tensor(), Tensor(), {1, 2}), ShapeError);
}

BOOST_AUTO_TEST_SUITE_END()
