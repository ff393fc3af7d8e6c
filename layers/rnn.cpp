#include "layers/rnn.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace attend {

namespace {

int64_t gate_count(RNNMode m) {
  return m == RNNMode::kLSTM ? 4 : m == RNNMode::kGRU ? 3 : 1;
}

// torch.nn.RNNBase.reset_parameters: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)).
Tensor init(const Shape& s, int64_t hidden, Generator& gen) {
  const float k = 1.0f / std::sqrt(static_cast<float>(hidden));
  return uniform(s, -k, k, gen);
}

// One step: the cell's pointwise math on gx = x W_ih^T + b_ih (precomputed) and h, c.
void step(RNNMode mode, const Tensor& gx, const Tensor& w_hh, const Tensor& b_hh, Tensor& h,
          Tensor& c) {
  Tensor gh = linear(h, w_hh, b_hh);  // [B, G*H]
  switch (mode) {
    case RNNMode::kLSTM: {
      auto hc = lstm_cell(gx, gh, c);
      h = hc[0];
      c = hc[1];
      break;
    }
    case RNNMode::kGRU:
      h = gru_cell(gx, gh, h);
      break;
    case RNNMode::kRNN:
      h = rnn_tanh_cell(gx, gh);
      break;
  }
}

const char* mode_name(RNNMode m) {
  return m == RNNMode::kLSTM ? "LSTM" : m == RNNMode::kGRU ? "GRU" : "RNN";
}

void check_step_input(const Tensor& x, const Tensor& h, int64_t in, int64_t hidden,
                      const char* who) {
  if (x.ndim() != 2 || x.size(1) != in || h.ndim() != 2 || h.size(1) != hidden ||
      h.size(0) != x.size(0))
    throw ShapeError(std::string(who) + ": input " + x.shape().str() + " and state " +
                     h.shape().str() + " must be [batch, " + std::to_string(in) + "] and [batch, " +
                     std::to_string(hidden) + "]");
}

}  // namespace

RNNCellBase::RNNCellBase(RNNMode m, int64_t in, int64_t hidden, Generator& gen, bool bias)
    : mode(m), input_size(in), hidden_size(hidden) {
  const int64_t G = gate_count(m) * hidden;
  weight_ih = register_parameter("weight_ih", init({G, in}, hidden, gen));
  weight_hh = register_parameter("weight_hh", init({G, hidden}, hidden, gen));
  if (bias) {
    bias_ih = register_parameter("bias_ih", init({G}, hidden, gen));
    bias_hh = register_parameter("bias_hh", init({G}, hidden, gen));
  }
}

std::string RNNCellBase::extra_repr() const {
  return std::to_string(input_size) + ", " + std::to_string(hidden_size) +
         (bias_ih.defined() ? "" : ", bias=False");
}

Tensor RNNCell::forward(const Tensor& x, const Tensor& h) const {
  check_step_input(x, h, input_size, hidden_size, "RNNCell");
  return rnn_tanh_cell(linear(x, weight_ih, bias_ih), linear(h, weight_hh, bias_hh));
}

std::pair<Tensor, Tensor> LSTMCell::forward(const Tensor& x, const Tensor& h,
                                            const Tensor& c) const {
  check_step_input(x, h, input_size, hidden_size, "LSTMCell");
  if (!(c.shape() == h.shape()))
    throw ShapeError("LSTMCell: cell state of shape " + c.shape().str() +
                     " must match the hidden state " + h.shape().str());
  auto hc = lstm_cell(linear(x, weight_ih, bias_ih), linear(h, weight_hh, bias_hh), c);
  return {hc[0], hc[1]};
}

Tensor GRUCell::forward(const Tensor& x, const Tensor& h) const {
  check_step_input(x, h, input_size, hidden_size, "GRUCell");
  return gru_cell(linear(x, weight_ih, bias_ih), linear(h, weight_hh, bias_hh), h);
}

RNNBase::RNNBase(RNNMode m, int64_t in, int64_t hidden, Generator& gen, const RNNOptions& opt,
                 std::shared_ptr<Generator> dropout_gen)
    : mode(m),
      input_size(in),
      hidden_size(hidden),
      options(opt),
      dropout_gen_(std::move(dropout_gen)) {
  if (opt.num_layers < 1)
    throw std::invalid_argument(std::string(mode_name(m)) + ": num_layers must be >= 1");
  if (opt.dropout > 0 && !dropout_gen_)
    throw std::invalid_argument(std::string(mode_name(m)) + ": dropout needs a generator");
  const int64_t G = gate_count(m) * hidden;
  const int dirs = opt.bidirectional ? 2 : 1;
  for (int64_t l = 0; l < opt.num_layers; ++l)
    for (int d = 0; d < dirs; ++d) {
      const std::string sfx = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      const int64_t layer_in = l == 0 ? in : hidden * dirs;
      Weights w;
      w.w_ih = register_parameter("weight_ih" + sfx, init({G, layer_in}, hidden, gen));
      w.w_hh = register_parameter("weight_hh" + sfx, init({G, hidden}, hidden, gen));
      if (opt.bias) {
        w.b_ih = register_parameter("bias_ih" + sfx, init({G}, hidden, gen));
        w.b_hh = register_parameter("bias_hh" + sfx, init({G}, hidden, gen));
      }
      weights_.push_back(w);
    }
}

Tensor RNNBase::run_direction(const Tensor& x, const Weights& w, bool reverse,
                              const std::vector<Tensor>& valid, Tensor& h, Tensor& c) const {
  const int64_t T = x.size(0);
  // All time steps' input projections in one GEMM: [T, B, in] -> [T, B, G*H].
  Tensor gx_all = linear(x, w.w_ih, w.b_ih);
  const bool every_row_valid =
      std::all_of(valid.begin(), valid.end(), [](const Tensor& v) { return !v.defined(); });
  if (mode == RNNMode::kLSTM && !reverse && every_row_valid && T > 0) {
    // The whole recurrence as one op: its weight gradient is one GEMM over all steps.
    auto hc = lstm_sequence(gx_all, w.w_hh, w.b_hh, h, c);            // [T, B, H], c_T
    h = reshape(narrow(hc[0], 0, T - 1, 1), {h.size(0), h.size(1)});  // h_T
    c = hc[1];
    return hc[0];
  }
  std::vector<Tensor> gx = unbind(gx_all, 0);  // T x [B, G*H]
  std::vector<Tensor> hs(T);
  for (int64_t k = 0; k < T; ++k) {
    const int64_t t = reverse ? T - 1 - k : k;
    if (!valid[t].defined()) {
      step(mode, gx[t], w.w_hh, w.b_hh, h, c);
      hs[t] = h;
      continue;
    }
    // Rows past their end keep the previous state and output zeros.
    Tensor h_prev = h, c_prev = c;
    step(mode, gx[t], w.w_hh, w.b_hh, h, c);
    h = where(valid[t], h, h_prev);
    if (c.defined()) c = where(valid[t], c, c_prev);
    hs[t] = mul(h, valid[t]);
  }
  return stack(hs, 0);
}

RNNOutput RNNBase::forward(const Tensor& input, const Tensor& h0, const Tensor& c0,
                           const std::vector<int64_t>& lengths) const {
  const char* who = mode_name(mode);
  if (input.ndim() != 3 || input.size(2) != input_size)
    throw ShapeError(std::string(who) + ": input of shape " + input.shape().str() + " must be " +
                     (options.batch_first ? "[batch, time, " : "[time, batch, ") +
                     std::to_string(input_size) + "]");
  Tensor x = options.batch_first ? transpose(input, 0, 1) : input;  // [T, B, I]
  const int64_t B = x.size(1);
  const int dirs = options.bidirectional ? 2 : 1;
  const int64_t LD = options.num_layers * dirs;
  const Shape state_shape{LD, B, hidden_size};
  for (const Tensor* s : {&h0, &c0})
    if (s->defined() && !(s->shape() == state_shape))
      throw ShapeError(std::string(who) + ": initial state of shape " + s->shape().str() +
                       " must be " + state_shape.str());
  if (!lengths.empty() && static_cast<int64_t>(lengths.size()) != B)
    throw ShapeError(std::string(who) + ": " + std::to_string(lengths.size()) +
                     " lengths for a batch of " + std::to_string(B));
  std::vector<Tensor> valid(static_cast<size_t>(x.size(0)));  // [B, 1] where some row has ended
  for (int64_t t = 0; t < x.size(0) && !lengths.empty(); ++t) {
    std::vector<float> v(static_cast<size_t>(B));
    bool all = true;
    for (int64_t b = 0; b < B; ++b) {
      v[b] = t < lengths[b] ? 1.0f : 0.0f;
      all = all && v[b] != 0.0f;
    }
    if (!all) valid[t] = from_vector(v, {B, 1});
  }
  std::vector<Tensor> h_init = h0.defined() ? unbind(h0, 0) : std::vector<Tensor>();
  std::vector<Tensor> c_init = c0.defined() ? unbind(c0, 0) : std::vector<Tensor>();
  std::vector<Tensor> h_n, c_n;
  for (int64_t l = 0; l < options.num_layers; ++l) {
    std::vector<Tensor> dir_out;
    for (int d = 0; d < dirs; ++d) {
      const size_t k = static_cast<size_t>(l * dirs + d);
      Tensor h = h_init.empty() ? zeros({B, hidden_size}) : h_init[k];
      Tensor c;
      if (mode == RNNMode::kLSTM) c = c_init.empty() ? zeros({B, hidden_size}) : c_init[k];
      dir_out.push_back(run_direction(x, weights_[k], d == 1, valid, h, c));  // [T, B, H]
      h_n.push_back(h);
      if (mode == RNNMode::kLSTM) c_n.push_back(c);
    }
    x = dirs == 1 ? dir_out[0] : concat(dir_out, 2);  // [T, B, D*H]
    if (options.dropout > 0 && l + 1 < options.num_layers)
      x = dropout(x, options.dropout, is_training(), *dropout_gen_);
  }
  RNNOutput out;
  out.output = options.batch_first ? transpose(x, 0, 1) : x;
  out.h_n = stack(h_n, 0);
  if (mode == RNNMode::kLSTM) out.c_n = stack(c_n, 0);
  return out;
}

std::string RNNBase::extra_repr() const {
  std::string s = std::to_string(input_size) + ", " + std::to_string(hidden_size);
  if (options.num_layers != 1) s += ", num_layers=" + std::to_string(options.num_layers);
  if (!options.bias) s += ", bias=False";
  if (options.batch_first) s += ", batch_first=True";
  if (options.dropout > 0) {
    std::ostringstream os;  // 0.5, not to_string's 0.500000, as Python prints floats
    os << options.dropout;
    s += ", dropout=" + os.str();
  }
  if (options.bidirectional) s += ", bidirectional=True";
  return s;
}

}  // namespace attend
