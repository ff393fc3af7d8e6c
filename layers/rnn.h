// Recurrent layers with PyTorch's parameter names, gate orders and initialisation, so weights can
// be exchanged with torch.nn.RNN / LSTM / GRU and their *Cell versions.
//   T = time steps, B = batch, I = input size, H = hidden size, L = layers, D = directions (1 or 2)
#pragma once

#include <memory>

#include "layers/module.h"

namespace attend {

enum class RNNMode { kRNN, kLSTM, kGRU };

// One step of a cell. Parameters: weight_ih [G*H, I], weight_hh [G*H, H], bias_ih, bias_hh [G*H]
// with G = 1 (RNN, tanh), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n).
class RNNCellBase : public Module {
 public:
  RNNCellBase(RNNMode mode, int64_t input_size, int64_t hidden_size, Generator& gen,
              bool bias = true);
  std::string extra_repr() const override;

  RNNMode mode;
  int64_t input_size, hidden_size;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;
};

class RNNCell : public RNNCellBase {
 public:
  RNNCell(int64_t input_size, int64_t hidden_size, Generator& gen, bool bias = true)
      : RNNCellBase(RNNMode::kRNN, input_size, hidden_size, gen, bias) {}
  Tensor forward(const Tensor& x, const Tensor& h) const;  // x [B, I], h [B, H] -> h' [B, H]
  std::string type_name() const override { return "RNNCell"; }
};

class LSTMCell : public RNNCellBase {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, Generator& gen, bool bias = true)
      : RNNCellBase(RNNMode::kLSTM, input_size, hidden_size, gen, bias) {}
  // x [B, I], h and c [B, H] -> {h', c'}
  std::pair<Tensor, Tensor> forward(const Tensor& x, const Tensor& h, const Tensor& c) const;
  std::string type_name() const override { return "LSTMCell"; }
};

class GRUCell : public RNNCellBase {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, Generator& gen, bool bias = true)
      : RNNCellBase(RNNMode::kGRU, input_size, hidden_size, gen, bias) {}
  Tensor forward(const Tensor& x, const Tensor& h) const;  // x [B, I], h [B, H] -> h' [B, H]
  std::string type_name() const override { return "GRUCell"; }
};

struct RNNOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;  // input/output [B, T, *] instead of [T, B, *]
  float dropout = 0.0f;      // on the outputs of every layer but the last, in training
  bool bidirectional = false;
};

struct RNNOutput {
  Tensor output;  // [T, B, D*H] (or [B, T, D*H] if batch_first): the last layer's h at every step
  Tensor h_n;     // [L*D, B, H]: final hidden state of each layer and direction
  Tensor c_n;     // [L*D, B, H]: final cell state (LSTM only)
};

// A multi-layer, optionally bidirectional recurrent network over a whole sequence. Parameters are
// named weight_ih_l{k}[_reverse] etc. as in PyTorch. The input projection x W_ih^T is computed for
// all time steps in one matrix product per layer and direction.
class RNNBase : public Module {
 public:
  RNNBase(RNNMode mode, int64_t input_size, int64_t hidden_size, Generator& gen,
          const RNNOptions& opt = {}, std::shared_ptr<Generator> dropout_gen = nullptr);
  // h0, c0 [L*D, B, H] may be undefined (zeros). lengths (one per batch row, or empty = all T)
  // gives PyTorch's packed-sequence semantics for right-padded batches: a row's state stops
  // changing after its last token (so h_n is the state at its own end, and the reverse direction
  // starts there), and its outputs at padded steps are zero, as pad_packed_sequence returns them.
  RNNOutput forward(const Tensor& input, const Tensor& h0 = Tensor(), const Tensor& c0 = Tensor(),
                    const std::vector<int64_t>& lengths = {}) const;
  // forward(input, {}, {}, lengths).output alone, faster for LSTMs: every direction of every
  // layer runs as one lstm_sequence op even with padding, the reverse direction over each row's
  // steps reversed within its length (so padding comes after the real steps in both directions),
  // and outputs at padded steps are zeroed. Same values as forward() (up to the order of float
  // sums); no final states. Other cells go through forward().
  Tensor forward_output(const Tensor& input, const std::vector<int64_t>& lengths = {}) const;
  std::string extra_repr() const override;

  RNNMode mode;
  int64_t input_size, hidden_size;
  RNNOptions options;

 private:
  struct Weights {
    Tensor w_ih, w_hh, b_ih, b_hh;
  };
  // Checks input [T, B, I] (or batch-first) and lengths; returns the input as [T, B, I].
  Tensor time_major_input(const Tensor& input, const std::vector<int64_t>& lengths) const;
  // One direction of one layer over the sequence x [T, B, in]; returns h of every step [T, B, H]
  // and leaves the final state in h (and c). valid[t] is [B, 1] with 1 for rows still inside
  // their sequence at step t, or undefined when every row is.
  Tensor run_direction(const Tensor& x, const Weights& w, bool reverse,
                       const std::vector<Tensor>& valid, Tensor& h, Tensor& c) const;

  std::vector<Weights> weights_;  // index layer * D + direction
  std::shared_ptr<Generator> dropout_gen_;
};

class RNN : public RNNBase {
 public:
  RNN(int64_t input_size, int64_t hidden_size, Generator& gen, const RNNOptions& opt = {},
      std::shared_ptr<Generator> dropout_gen = nullptr)
      : RNNBase(RNNMode::kRNN, input_size, hidden_size, gen, opt, std::move(dropout_gen)) {}
  std::string type_name() const override { return "RNN"; }
};

class LSTM : public RNNBase {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, Generator& gen, const RNNOptions& opt = {},
       std::shared_ptr<Generator> dropout_gen = nullptr)
      : RNNBase(RNNMode::kLSTM, input_size, hidden_size, gen, opt, std::move(dropout_gen)) {}
  std::string type_name() const override { return "LSTM"; }
};

class GRU : public RNNBase {
 public:
  GRU(int64_t input_size, int64_t hidden_size, Generator& gen, const RNNOptions& opt = {},
      std::shared_ptr<Generator> dropout_gen = nullptr)
      : RNNBase(RNNMode::kGRU, input_size, hidden_size, gen, opt, std::move(dropout_gen)) {}
  std::string type_name() const override { return "GRU"; }
};

}  // namespace attend
