// Recurrent layers: shape errors, PyTorch's parameter names and counts, printing, and per-row
// lengths (packed-sequence semantics). Their gradients -- inputs, initial states and every
// parameter, against finite differences -- and their agreement with PyTorch are the layers'
// descriptors (layers/rnn.cpp), run by tests/study/test_descriptors.cpp.
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
using attend::test::expect_shape_error;
using attend::test::param;

namespace {

constexpr int64_t T = 3, B = 2, I = 3, H = 2;

RNNOptions two_layers_bidirectional(bool batch_first = false) {
  return {.num_layers = 2, .batch_first = batch_first, .bidirectional = true};
}

std::string printed(const Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_rnn)

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
// pack_padded_sequence semantics) and padded outputs are zero. (Gradients through lengths are
// the layers' samples.)
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
    }
  }
  Generator g(1);
  LSTM lstm(3, 4, g, o);
  BOOST_CHECK_THROW(lstm.forward(x, Tensor(), Tensor(), {1, 2}), ShapeError);
}

// forward_output: the fused path (one lstm_sequence per direction, reverse rows flipped within
// their lengths) gives forward()'s outputs and gradients, with and without padding, dropout
// between layers included (same draws in the same order).
BOOST_AUTO_TEST_CASE(forward_output_matches_forward_with_padding) {
  for (const std::vector<int64_t>& lengths :
       {std::vector<int64_t>{}, std::vector<int64_t>{5, 2, 4}, std::vector<int64_t>{5, 5, 5}}) {
    Generator g(7);
    RNNOptions o;
    o.num_layers = 2;
    o.bidirectional = true;
    o.batch_first = true;
    o.dropout = 0.3f;
    auto dg1 = std::make_shared<Generator>(11), dg2 = std::make_shared<Generator>(11);
    LSTM a(3, 4, g, o, dg1);
    Generator g2(7);
    LSTM b(3, 4, g2, o, dg2);
    Tensor x1 = param({3, 5, 3}, 8), x2 = param({3, 5, 3}, 8);
    Tensor y1 = a.forward(x1, Tensor(), Tensor(), lengths).output;
    Tensor y2 = b.forward_output(x2, lengths);
    attend::test::check_close(y2, y1, 1e-6f, 1e-5f);
    Tensor w = param({3, 5, 8}, 9).detach();
    sum(y1 * w).backward();
    sum(y2 * w).backward();
    attend::test::check_close(x2.grad(), x1.grad(), 1e-6f, 1e-5f);
    auto pa = a.named_parameters(), pb = b.named_parameters();
    for (size_t i = 0; i < pa.size(); ++i) {
      BOOST_TEST_CONTEXT(pa[i].first) {
        attend::test::check_close(pb[i].second.grad(), pa[i].second.grad(), 1e-5f, 1e-4f);
      }
    }
    if (!lengths.empty() && lengths[1] == 2)  // padded steps output zeros
      for (int64_t t = 2; t < 5; ++t) BOOST_CHECK_EQUAL(y2.at({1, t, 7}), 0.0f);
  }
  // Other cells take forward()'s path; bad lengths are refused the same way.
  Generator g(3);
  GRU gru(3, 4, g);
  Tensor x = param({5, 2, 3}, 4);
  attend::test::check_close(gru.forward_output(x, {5, 3}),
                            gru.forward(x, Tensor(), Tensor(), {5, 3}).output, 0, 0);
  LSTM lstm(3, 4, g);
  BOOST_CHECK_THROW(lstm.forward_output(x, {1, 2, 3}), ShapeError);
}

BOOST_AUTO_TEST_SUITE_END()
