#include "layers/rnn.h"

#include <string>
#include <type_traits>
#include <utility>
#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"

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

Tensor RNNBase::time_major_input(const Tensor& input, const std::vector<int64_t>& lengths) const {
  const char* who = mode_name(mode);
  if (input.ndim() != 3 || input.size(2) != input_size)
    throw ShapeError(std::string(who) + ": input of shape " + input.shape().str() + " must be " +
                     (options.batch_first ? "[batch, time, " : "[time, batch, ") +
                     std::to_string(input_size) + "]");
  Tensor x = options.batch_first ? transpose(input, 0, 1) : input;  // [T, B, I]
  if (!lengths.empty() && static_cast<int64_t>(lengths.size()) != x.size(1))
    throw ShapeError(std::string(who) + ": " + std::to_string(lengths.size()) +
                     " lengths for a batch of " + std::to_string(x.size(1)));
  return x;
}

RNNOutput RNNBase::forward(const Tensor& input, const Tensor& h0, const Tensor& c0,
                           const std::vector<int64_t>& lengths) const {
  const char* who = mode_name(mode);
  Tensor x = time_major_input(input, lengths);  // [T, B, I]
  const int64_t B = x.size(1);
  const int dirs = options.bidirectional ? 2 : 1;
  const int64_t LD = options.num_layers * dirs;
  const Shape state_shape{LD, B, hidden_size};
  for (const Tensor* s : {&h0, &c0})
    if (s->defined() && !(s->shape() == state_shape))
      throw ShapeError(std::string(who) + ": initial state of shape " + s->shape().str() +
                       " must be " + state_shape.str());
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

Tensor RNNBase::forward_output(const Tensor& input, const std::vector<int64_t>& lengths) const {
  if (mode != RNNMode::kLSTM) return forward(input, Tensor(), Tensor(), lengths).output;
  Tensor x = time_major_input(input, lengths);  // [T, B, I]
  const int64_t T = x.size(0), B = x.size(1), H = hidden_size, G = 4 * H;
  if (T == 0) return forward(input, Tensor(), Tensor(), lengths).output;
  // reversed[t * B + b]: the row that step t of row b reads in the reverse direction, its own
  // steps backwards and its padding where it was (an involution: it also puts them back).
  std::vector<int64_t> reversed(static_cast<size_t>(T * B));
  std::vector<float> valid(static_cast<size_t>(T * B), 1.0f);  // [T, B, 1]
  bool padded = false;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = lengths.empty() ? T : std::clamp<int64_t>(lengths[b], 0, T);
    for (int64_t t = 0; t < T; ++t) {
      reversed[t * B + b] = (t < n ? n - 1 - t : t) * B + b;
      if (t >= n) valid[t * B + b] = 0.0f, padded = true;
    }
  }
  const Tensor order = from_indices(reversed, {T * B});
  const Tensor mask = padded ? from_vector(valid, {T, B, 1}) : Tensor();
  auto flip = [&](const Tensor& t, int64_t width) {
    return reshape(index_select(reshape(t, {T * B, width}), 0, order), {T, B, width});
  };
  const int dirs = options.bidirectional ? 2 : 1;
  const Tensor h0 = zeros({B, H}), c0 = zeros({B, H});
  for (int64_t l = 0; l < options.num_layers; ++l) {
    std::vector<Tensor> dir_out;
    for (int d = 0; d < dirs; ++d) {
      const Weights& w = weights_[static_cast<size_t>(l * dirs + d)];
      Tensor gx = linear(x, w.w_ih, w.b_ih);  // [T, B, 4H]
      if (d == 1) gx = flip(gx, G);
      Tensor h = lstm_sequence(gx, w.w_hh, w.b_hh, h0, c0)[0];  // [T, B, H]
      if (d == 1) h = flip(h, H);
      dir_out.push_back(mask.defined() ? mul(h, mask) : h);
    }
    x = dirs == 1 ? dir_out[0] : concat(dir_out, 2);  // [T, B, D*H]
    if (options.dropout > 0 && l + 1 < options.num_layers)
      x = dropout(x, options.dropout, is_training(), *dropout_gen_);
  }
  return options.batch_first ? transpose(x, 0, 1) : x;
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

// --- descriptors ---------------------------------------------------------------------------------
//   T = 3 steps, B = 2, I = 3 inputs, H = 2 hidden; the sequence modules with 2 layers,
//   bidirectional. Each sample checks the inputs, the initial states and every parameter.

namespace {

constexpr int64_t kT = 3, kB = 2, kI = 3, kH = 2;

RNNOptions two_layers_bidirectional(bool batch_first = false) {
  return {.num_layers = 2, .batch_first = batch_first, .bidirectional = true};
}

// Every output of a sequence module as one vector, so one cotangent covers them all.
Tensor flat_outputs(const RNNOutput& r) {
  std::vector<Tensor> parts = {r.output, r.h_n};
  if (r.c_n.defined()) parts.push_back(r.c_n);
  return cat_flat(parts);
}

// The sequence module of a mode.
std::shared_ptr<RNNBase> make_rnn(RNNMode mode, int64_t input, int64_t hidden, Generator& gen,
                                  const RNNOptions& o) {
  if (mode == RNNMode::kLSTM) return std::make_shared<LSTM>(input, hidden, gen, o);
  if (mode == RNNMode::kGRU) return std::make_shared<GRU>(input, hidden, gen, o);
  return std::make_shared<RNN>(input, hidden, gen, o);
}

// The samples of a sequence module, whose initial states are inputs too: x alone, and x with
// the states from two seeds, for weights drawn from `gen_seed`; x with the states for weights
// from `other_seed`; and per-row lengths (packed-sequence semantics: rows stop early, and their
// padded steps get no gradient) of 4, 2 and 3 steps in [B, T, I].
std::vector<Sample> sequence_samples(RNNMode mode, uint64_t gen_seed, uint64_t other_seed) {
  const bool lstm = mode == RNNMode::kLSTM;
  auto states = [lstm](uint64_t x, uint64_t h0) {
    std::vector<std::pair<std::string, Tensor>> in = {{"x", make_input({kT, kB, kI}, x)},
                                                      {"h0", make_input({4, kB, kH}, h0)}};
    if (lstm) in.emplace_back("c0", make_input({4, kB, kH}, h0 + 1));
    return in;
  };
  auto with_states = [](std::shared_ptr<RNNBase> m) {
    return [m](const Inputs& x) {
      return flat_outputs(m->forward(x[0], x[1], x.size() > 2 ? x[2] : Tensor()));
    };
  };
  Generator gen(gen_seed), other(other_seed), g(5);
  auto m = make_rnn(mode, kI, kH, gen, two_layers_bidirectional());
  auto n = make_rnn(mode, kI, kH, other, two_layers_bidirectional());
  auto packed = make_rnn(mode, 3, 4, g, two_layers_bidirectional(true));
  const uint64_t third = lstm ? 5 : 4;  // the seeds after those of x, h0 (and c0)
  return {layer_sample("x", m, {{"x", make_input({kT, kB, kI}, 1)}},
                       [m](const Inputs& x) { return flat_outputs(m->forward(x[0])); }),
          layer_sample("x and initial states", m, states(2, 3), with_states(m)),
          layer_sample("x and initial states, another draw", m, states(third, third + 1),
                       with_states(m)),
          layer_sample("x and initial states, other weights", n,
                       states(other_seed + 1, other_seed + 2), with_states(n)),
          layer_sample("lengths 4, 2, 3", packed, {{"x", make_input({3, 4, 3}, 12)}},
                       [packed](const Inputs& x) {
                         return flat_outputs(packed->forward(x[0], Tensor(), Tensor(), {4, 2, 3}));
                       })};
}

// An RNN or GRU cell's samples: x and h from x_seed and x_seed + 1, for weights drawn from
// gen_seed, for each pair (gen_seed, x_seed).
template <class Cell>
std::vector<Sample> cell_samples(std::vector<std::pair<uint64_t, uint64_t>> seeds) {
  std::vector<Sample> out;
  for (auto [gen_seed, x_seed] : seeds) {
    Generator gen(gen_seed);
    auto m = std::make_shared<Cell>(kI, kH, gen);
    out.push_back(
        layer_sample("B 2, I 3, H 2 from " + std::to_string(x_seed), m,
                     {{"x", make_input({kB, kI}, x_seed)}, {"h", make_input({kB, kH}, x_seed + 1)}},
                     [m](const Inputs& x) { return m->forward(x[0], x[1]); }));
  }
  return out;
}

// A fixture of a cell (layers.txt): inputs x and h0 (and c0), outputs h (and c). One step: a 4-
// and a 3-term dot product and a sigmoid/tanh; torch computes the same float32 math (its CPU cells
// are not fused), so atol 1e-6 + rtol 1e-5 for values and gradients.
template <class Cell>
FixtureCase cell_fixture(const char* key) {
  const Tolerance tol{1e-6f, 1e-5f};
  std::vector<std::string> inputs = {"x", "h0"};
  if constexpr (std::is_same_v<Cell, LSTMCell>) inputs.push_back("c0");
  return layer_fixture(
      "layers.txt", key,
      [](const FixtureTensors& t) {
        Generator gen(1);  // the initial values are overwritten by torch's
        return std::make_shared<Cell>(t.iopt("input_size"), t.iopt("hidden_size"), gen);
      },
      inputs, {},
      [](Module& m, const std::map<std::string, Tensor>& in) {
        std::vector<std::pair<std::string, Tensor>> out;
        if constexpr (std::is_same_v<Cell, LSTMCell>) {
          auto [h, c] = static_cast<Cell&>(m).forward(in.at("x"), in.at("h0"), in.at("c0"));
          out = {{"h", h}, {"c", c}};
        } else {
          out = {{"h", static_cast<Cell&>(m).forward(in.at("x"), in.at("h0"))}};
        }
        return out;
      },
      tol, tol);
}

// A fixture of a sequence module (layers.txt), its options from the case; the initial states are
// inputs when the case has them.
FixtureCase sequence_fixture(RNNMode mode, const char* key) {
  return layer_fixture(
      "layers.txt", key,
      [mode](const FixtureTensors& t) {
        RNNOptions o;
        o.num_layers = t.iopt("num_layers");
        o.bidirectional = t.iopt("bidirectional") != 0;
        o.batch_first = t.iopt("batch_first") != 0;
        o.bias = t.iopt("bias") != 0;
        Generator gen(7);
        return make_rnn(mode, t.iopt("input_size"), t.iopt("hidden_size"), gen, o);
      },
      {"x", "h0?", "c0?"}, {},
      [mode](Module& m, const std::map<std::string, Tensor>& in) {
        RNNOutput r = static_cast<RNNBase&>(m).forward(in.at("x"), in.at("h0"), in.at("c0"));
        std::vector<std::pair<std::string, Tensor>> out = {{"out", r.output}, {"h_n", r.h_n}};
        if (mode == RNNMode::kLSTM) out.emplace_back("c_n", r.c_n);
        return out;
      },
      {1e-6f, 1e-5f}, {1e-5f, 1e-5f});
}

}  // namespace

const LayerInfo rnn_cell_layer{
    .name = "RNNCell",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          return cell_samples<RNNCell>({{1, 1}, {1, 3}, {15, 16}});
        },
    .fixtures = [] { return std::vector<FixtureCase>{cell_fixture<RNNCell>("rnn_cell")}; }};

// h and c as one vector.
const LayerInfo lstm_cell_layer{
    .name = "LSTMCell",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          std::vector<Sample> out;
          for (auto [gen_seed, x_seed] : {std::pair<uint64_t, uint64_t>{2, 1}, {2, 4}, {18, 19}}) {
            Generator gen(gen_seed);
            auto m = std::make_shared<LSTMCell>(kI, kH, gen);
            out.push_back(layer_sample("B 2, I 3, H 2 from " + std::to_string(x_seed), m,
                                       {{"x", make_input({kB, kI}, x_seed)},
                                        {"h", make_input({kB, kH}, x_seed + 1)},
                                        {"c", make_input({kB, kH}, x_seed + 2)}},
                                       [m](const Inputs& x) {
                                         auto [h, c] = m->forward(x[0], x[1], x[2]);
                                         return concat({h, c}, 1);
                                       }));
          }
          return out;
        },
    .fixtures = [] { return std::vector<FixtureCase>{cell_fixture<LSTMCell>("lstm_cell")}; }};

const LayerInfo gru_cell_layer{
    .name = "GRUCell",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          return cell_samples<GRUCell>({{3, 1}, {3, 3}, {22, 23}});
        },
    .fixtures = [] { return std::vector<FixtureCase>{cell_fixture<GRUCell>("gru_cell")}; }};

// Fixtures: 2 layers, bidirectional (T=5, B=3, I=4, H=3), batch_first with initial states, and
// (GRU) without bias. The outputs are tanh/sigmoid bounded and stay within atol 1e-6 + rtol 1e-5
// of torch. The gradients are sums over up to 5 time steps and 2 layers of products of O(1) terms
// (the weight gradients sum 15 outer products per direction), accumulated in a different order
// than torch's, so rounding grows to a few 1e-7 absolute on O(1) sums and relative error is
// unbounded where a sum nearly cancels: atol 1e-5 + rtol 1e-5 for gradients.
const LayerInfo rnn_layer{.name = "RNN",
                          .kind = OpKind::kLayer,
                          .samples = [] { return sequence_samples(RNNMode::kRNN, 4, 25); },
                          .fixtures =
                              [] {
                                return std::vector<FixtureCase>{
                                    sequence_fixture(RNNMode::kRNN, "rnn"),
                                    sequence_fixture(RNNMode::kRNN, "rnn_bf_h0")};
                              }};

const LayerInfo lstm_layer{
    .name = "LSTM",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          std::vector<Sample> out = sequence_samples(RNNMode::kLSTM, 5, 28);
          Generator gen(7);
          auto bf = std::make_shared<LSTM>(kI, kH, gen, two_layers_bidirectional(true));
          out.push_back(layer_sample(
              "batch_first, x and initial states", bf,
              {{"x", make_input({kB, kT, kI}, 1)},
               {"h0", make_input({4, kB, kH}, 2)},
               {"c0", make_input({4, kB, kH}, 3)}},
              [bf](const Inputs& x) { return flat_outputs(bf->forward(x[0], x[1], x[2])); }));
          out.push_back(
              layer_sample("batch_first, x", bf, {{"x", make_input({kB, kT, kI}, 4)}},
                           [bf](const Inputs& x) { return flat_outputs(bf->forward(x[0])); }));
          // One layer, bidirectional, batch_first; the second row stops after 2 of 3 steps.
          Generator g(32);
          RNNOptions o;
          o.batch_first = true;
          o.bidirectional = true;
          auto one = std::make_shared<LSTM>(kI, kH, g, o);
          out.push_back(
              layer_sample("one layer, lengths 3, 2", one, {{"x", make_input({kB, kT, kI}, 33)}},
                           [one](const Inputs& x) {
                             return flat_outputs(one->forward(x[0], Tensor(), Tensor(), {3, 2}));
                           }));
          return out;
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{sequence_fixture(RNNMode::kLSTM, "lstm"),
                                          sequence_fixture(RNNMode::kLSTM, "lstm_bf_h0")};
        }};

const LayerInfo gru_layer{.name = "GRU",
                          .kind = OpKind::kLayer,
                          .samples = [] { return sequence_samples(RNNMode::kGRU, 6, 34); },
                          .fixtures =
                              [] {
                                return std::vector<FixtureCase>{
                                    sequence_fixture(RNNMode::kGRU, "gru"),
                                    sequence_fixture(RNNMode::kGRU, "gru_bf_h0"),
                                    sequence_fixture(RNNMode::kGRU, "gru_nobias")};
                              }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> rnn_layer_infos() {
  return {&rnn_cell_layer, &lstm_cell_layer, &gru_cell_layer, &rnn_layer, &lstm_layer, &gru_layer};
}

}  // namespace attend
