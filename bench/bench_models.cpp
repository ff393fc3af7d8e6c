// B1-B3 (BENCHMARKS.md): whole training steps (forward + backward + Adam update on one batch) of
// the canonical models, built from attend's own layers. The PyTorch side is
// bench/models_pytorch.py; bench/run.sh runs both alternately and prints one table.
//
//   B1 seq2seq-lstm     Embedding, LSTM encoder (layers/rnn.h), LSTMCell decoder loop fed
//                       embed(y_{t-1}) from the encoder's final (h, c), BOS 0, AdditiveAttention
//                       (layers/attention.h, attention size = hidden, W_k e_i once per batch),
//                       logits = W_o [h_t ; c_t] + b_o. Same arithmetic as PyTorch's per-step
//                       loop, scheduled differently: the decoder's input projections for all
//                       steps are one GEMM, and attention and the output layer (which do not
//                       feed back: no input feeding) run once over all T decoder states after
//                       the recurrence.
//   B2 transformer-tiny TransformerEncoder/Decoder (layers/transformer.h, post-LN, final
//                       LayerNorm on each stack as nn.Transformer), embeddings * sqrt(d) plus
//                       SinusoidalPositionalEncoding, additive causal mask, untied output.
//   B3 gat-cora         two GATLayer (layers/gat.h), Cora from /work/shared/datasets/cora
//                       (planetoid_txt, features row-normalised; override with --cora-dir) or a
//                       random graph of the same sizes; loss on nodes 0-139; Adam with L2 5e-4.
//
// Differences from the PyTorch reference that the layers impose (also in each JSON line,
// "differences"):
//   - B3: GATLayer is PyG's GATConv (one a_src / a_dst vector per head, edge softmax over the
//     in-neighbours, dropout on the normalised coefficients) rather than pyGAT's
//     exp(-LeakyReLU) + spmm; the PyTorch script uses the same formulation as attend, so both
//     sides do the same arithmetic. Glorot init with gain 1.414 on the projection weights as
//     pyGAT (GATLayer's own init is gain 1; the attention vectors keep gain 1). Self loops are
//     added once, outside the timed step, on both sides.
//   - Parameter initialisation follows each layer's PyTorch default, but the random streams
//     differ, so step-0 losses agree in value range, not bit for bit.
//
// Timing: std::chrono::steady_clock around zero_grad + forward + backward + step (+ reading the
// loss). Reported: median, min, max ms over --steps timed steps after --warmup untimed ones.
// FLOPs: matrix products only, forward + backward, counted from the shapes (flops_b1/b2/b3):
// B1 6.64 G, B2 4.99 G, B3 1.01 G per step, as BENCHMARKS.md.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/threading.h"
#include "bench/timing.h"
#include "datasets/load_planetoid.h"
#include "layers/attention.h"
#include "layers/embedding.h"
#include "layers/gat.h"
#include "layers/positional_encoding.h"
#include "layers/rnn.h"
#include "layers/transformer.h"
#include "trainers/optim.h"

namespace {

using namespace attend;
using Clock = std::chrono::steady_clock;

using bench::Stats;
using bench::summarize;

// Random whole numbers in [0, n) as a float index tensor.
Tensor random_ids(const Shape& shape, int64_t n, Generator& gen) {
  std::vector<int64_t> v(static_cast<size_t>(shape.numel()));
  for (int64_t& x : v) x = static_cast<int64_t>(gen.randint(static_cast<uint64_t>(n)));
  return from_indices(v, shape);
}

// One benchmark: a model, its batch (captured by loss), an optimizer.
struct Bench {
  std::string config, name, data = "random tokens (fixed seed)";
  std::string sizes;
  std::vector<std::string> differences;
  double flop = 0;  // matrix-product FLOPs of one training step, forward + backward
  std::shared_ptr<Module> model;
  std::function<Tensor()> loss;  // forward pass on the batch -> scalar loss
  std::unique_ptr<Optimizer> opt;
};

// ---------------------------------------------------------------------------------------------
// B1: LSTM encoder-decoder with additive attention.
//   B = batch, S = source length, T = target length, E = embedding, H = hidden (= attention
//   size A), V = vocab (source and target)
struct B1Sizes {
  int64_t V = 1000, E = 128, H = 256, B = 32, S = 24, T = 24;
};

class Seq2SeqLSTM : public Module {
 public:
  Seq2SeqLSTM(const B1Sizes& z, Generator& gen) : z_(z) {
    src_embed = register_module("src_embed", std::make_shared<Embedding>(z.V, z.E, gen));
    tgt_embed = register_module("tgt_embed", std::make_shared<Embedding>(z.V, z.E, gen));
    RNNOptions ro;
    ro.batch_first = true;
    encoder = register_module("encoder", std::make_shared<LSTM>(z.E, z.H, gen, ro));
    decoder = register_module("decoder", std::make_shared<LSTMCell>(z.E, z.H, gen));
    attention =
        register_module("attention", std::make_shared<AdditiveAttention>(z.H, z.H, z.H, gen));
    out = register_module("out", std::make_shared<Linear>(2 * z.H, z.V, gen));
  }
  std::string type_name() const override { return "Seq2SeqLSTM"; }

  // src [B, S], tgt_in [B, T] (BOS then y_0..y_{T-2}), tgt_out [B, T] -> mean cross-entropy
  Tensor loss(const Tensor& src, const Tensor& tgt_in, const Tensor& tgt_out) {
    const int64_t B = src.size(0), T = tgt_in.size(1), H = z_.H;
    RNNOutput enc = encoder->forward(src_embed->forward(src));  // output [B, S, H]
    Tensor keys = enc.output;
    Tensor pkeys = attention->precompute_keys(keys);  // W_k e_i once: [B, S, H]
    Tensor h = reshape(enc.h_n, {B, H}), c = reshape(enc.c_n, {B, H});
    // The decoder's input projections x_t W_ih^T + b_ih for all T steps in one GEMM
    // ([T*B, E] x [E, 4H]) instead of T small ones: its inputs embed(y_{t-1}) are all known
    // under teacher forcing. Only h W_hh^T stays inside the recurrence, which runs as one op
    // (the LSTMCell's weights, stepped over time; weight gradients over all steps in one GEMM).
    const LSTMCell& cell = *decoder;
    Tensor gx = linear(tgt_embed->forward(transpose(tgt_in, 0, 1)), cell.weight_ih,
                       cell.bias_ih);                                 // [T, B, 4H]
    auto hc = lstm_sequence(gx, cell.weight_hh, cell.bias_hh, h, c);  // h_1..h_T [T, B, H]
    // Attention and the output layer do not feed back into the recurrence (no input feeding),
    // so they run once over all T decoder states: W_q h_t for every t in one GEMM, the scores
    // v^T tanh(W_q h_t + W_k e_i) for every (t, i) pair in one fused op, and one output GEMM.
    Tensor states = transpose(hc[0], 0, 1);                                  // [B, T, H]
    AttentionResult r = attention->attend_precomputed(states, pkeys, keys);  // context [B, T, H]
    Tensor logits = out->forward(concat({states, r.context}, 2));            // [B, T, V]
    return cross_entropy(reshape(logits, {B * T, z_.V}), reshape(tgt_out, {B * T}));
  }

  std::shared_ptr<Embedding> src_embed, tgt_embed;
  std::shared_ptr<LSTM> encoder;
  std::shared_ptr<LSTMCell> decoder;
  std::shared_ptr<AdditiveAttention> attention;
  std::shared_ptr<Linear> out;

 private:
  B1Sizes z_;
};

// Forward matmul FLOPs, times 3 for forward + backward (every operand needs a gradient).
double flops_b1(const B1Sizes& z) {
  const double B = z.B, S = z.S, T = z.T, E = z.E, H = z.H, A = z.H, V = z.V;
  const double lstm_step = 2 * B * (E + H) * 4 * H;  // x W_ih^T + h W_hh^T
  const double fwd = (S + T) * lstm_step             // encoder and decoder
                     + 2 * B * S * H * A             // W_k e_i (once)
                     + 2 * B * T * H * A             // W_q h_t
                     + 2 * B * T * S * A             // v^T tanh(...)
                     + 2 * B * T * S * H             // c_t = sum_i a_i e_i
                     + 2 * B * T * 2 * H * V;        // W_o [h_t ; c_t]
  return 3 * fwd;
}

// The target sequences of B1/B2: tgt_in = [BOS=0, y_0 .. y_{T-2}], tgt_out = y.
std::pair<Tensor, Tensor> shifted_targets(const Tensor& y) {
  const int64_t B = y.size(0), T = y.size(1);
  Tensor in = zeros({B, T});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 1; t < T; ++t) in.data()[b * T + t] = y.data()[b * T + t - 1];
  return {in, y};
}

Bench make_b1(bool smoke, Generator& gen) {
  B1Sizes z;
  if (smoke) z = {50, 16, 32, 4, 6, 6};
  auto model = std::make_shared<Seq2SeqLSTM>(z, gen);
  Tensor src = random_ids({z.B, z.S}, z.V, gen);
  auto [tin, tout] = shifted_targets(random_ids({z.B, z.T}, z.V, gen));
  Bench b;
  b.config = "b1";
  b.name = "seq2seq-lstm";
  b.sizes = "vocab " + std::to_string(z.V) + ", emb " + std::to_string(z.E) + ", hidden " +
            std::to_string(z.H) + ", batch " + std::to_string(z.B) + ", src " +
            std::to_string(z.S) + ", tgt " + std::to_string(z.T);
  b.flop = flops_b1(z);
  b.model = model;
  b.loss = [model, src, tin, tout] { return model->loss(src, tin, tout); };
  b.opt = std::make_unique<Adam>(model->parameters(), AdamOptions{});
  return b;
}

// ---------------------------------------------------------------------------------------------
// B2: nn.Transformer-tiny. B = batch, S/T = lengths, D = d_model, F = feed-forward, V = vocab.
struct B2Sizes {
  int64_t V = 1000, D = 128, heads = 4, F = 512, layers = 2, B = 32, S = 24, T = 24;
};

class TransformerTiny : public Module {
 public:
  TransformerTiny(const B2Sizes& z, Generator& gen) : z_(z) {
    TransformerLayerOptions lo;
    lo.d_model = z.D;
    lo.nhead = z.heads;
    lo.dim_feedforward = z.F;
    lo.dropout = 0.0f;
    src_embed = register_module("src_embed", std::make_shared<Embedding>(z.V, z.D, gen));
    tgt_embed = register_module("tgt_embed", std::make_shared<Embedding>(z.V, z.D, gen));
    pos = register_module("pos", std::make_shared<SinusoidalPositionalEncoding>(z.D));
    encoder = register_module("encoder", std::make_shared<TransformerEncoder>(lo, z.layers, gen));
    decoder = register_module("decoder", std::make_shared<TransformerDecoder>(lo, z.layers, gen));
    out = register_module("out", std::make_shared<Linear>(z.D, z.V, gen));
    mask_ = causal_mask(z.T);
  }
  std::string type_name() const override { return "TransformerTiny"; }

  Tensor loss(const Tensor& src, const Tensor& tgt_in, const Tensor& tgt_out) {
    const float scale = std::sqrt(static_cast<float>(z_.D));
    Tensor memory = encoder->forward(pos->forward(src_embed->forward(src) * scale));
    Tensor y = decoder->forward(pos->forward(tgt_embed->forward(tgt_in) * scale), memory, mask_);
    Tensor logits = out->forward(y);  // [B, T, V]
    const int64_t n = tgt_out.numel();
    return cross_entropy(reshape(logits, {n, z_.V}), reshape(tgt_out, {n}));
  }

  std::shared_ptr<Embedding> src_embed, tgt_embed;
  std::shared_ptr<SinusoidalPositionalEncoding> pos;
  std::shared_ptr<TransformerEncoder> encoder;
  std::shared_ptr<TransformerDecoder> decoder;
  std::shared_ptr<Linear> out;

 private:
  B2Sizes z_;
  Tensor mask_;  // [T, T] additive, -inf above the diagonal
};

double flops_b2(const B2Sizes& z) {
  const double B = z.B, S = z.S, T = z.T, D = z.D, F = z.F, V = z.V, L = z.layers;
  // attention over q queries and k keys (all heads together: q k^T and weights @ v)
  auto attn = [&](double q, double k) { return 2 * (2 * B * q * k * D); };
  const double ffn = 2 * 2 * D * F;  // per token: linear1 + linear2
  const double enc = 2 * B * S * D * 3 * D + attn(S, S) + 2 * B * S * D * D + B * S * ffn;
  const double dec = 2 * B * T * D * 3 * D + attn(T, T) + 2 * B * T * D * D  // self-attention
                     + 2 * B * T * D * D + 2 * B * S * D * 2 * D + attn(T, S) +
                     2 * B * T * D * D  // cross-attention: q, k v (of memory), out
                     + B * T * ffn;
  return 3 * (L * enc + L * dec + 2 * B * T * D * V);
}

Bench make_b2(bool smoke, Generator& gen) {
  B2Sizes z;
  if (smoke) z = {50, 32, 2, 64, 2, 4, 6, 6};
  auto model = std::make_shared<TransformerTiny>(z, gen);
  Tensor src = random_ids({z.B, z.S}, z.V, gen);
  auto [tin, tout] = shifted_targets(random_ids({z.B, z.T}, z.V, gen));
  Bench b;
  b.config = "b2";
  b.name = "transformer-tiny";
  b.sizes = "d_model " + std::to_string(z.D) + ", heads " + std::to_string(z.heads) + ", ff " +
            std::to_string(z.F) + ", layers " + std::to_string(z.layers) + "+" +
            std::to_string(z.layers) + ", vocab " + std::to_string(z.V) + ", batch " +
            std::to_string(z.B) + ", src " + std::to_string(z.S) + ", tgt " + std::to_string(z.T);
  b.flop = flops_b2(z);
  b.model = model;
  b.loss = [model, src, tin, tout] { return model->loss(src, tin, tout); };
  b.opt = std::make_unique<Adam>(model->parameters(), AdamOptions{});
  return b;
}

// ---------------------------------------------------------------------------------------------
// B3: two-layer GAT, full batch. N nodes, F features, E directed edges (self loops added), C
// classes; layer 1 heads1 x hidden, layer 2 one head of C.
struct B3Sizes {
  int64_t N = 2708, F = 1433, E = 10556, C = 7, heads = 8, hidden = 8, train = 140;
  int64_t nnz = 49216;  // nonzero features of the random stand-in (Cora's count)
};

class GAT : public Module {
 public:
  GAT(const B3Sizes& z, Generator& gen, std::shared_ptr<Generator> dropout_gen) {
    GATOptions o1;
    o1.in_features = z.F;
    o1.out_features = z.hidden;
    o1.heads = z.heads;
    o1.dropout = 0.6f;
    o1.input_dropout = 0.6f;
    o1.add_self_loops = false;  // added once to the edge list, outside the step
    o1.bias = false;
    GATOptions o2 = o1;
    o2.in_features = z.heads * z.hidden;
    o2.out_features = z.C;
    o2.heads = 1;
    o2.concat = false;
    gat1 = register_module("gat1", std::make_shared<GATLayer>(o1, gen, dropout_gen));
    gat2 = register_module("gat2", std::make_shared<GATLayer>(o2, gen, dropout_gen));
    // pyGAT's xavier_uniform_(gain=1.414) on W; GATLayer's glorot has gain 1.
    mul_(gat1->lin->weight, 1.414f);
    mul_(gat2->lin->weight, 1.414f);
  }
  std::string type_name() const override { return "GAT"; }
  Tensor forward(const Tensor& x, const Tensor& src, const Tensor& dst) {
    return gat2->forward(elu(gat1->forward(x, src, dst)), src, dst);  // [N, C]
  }
  std::shared_ptr<GATLayer> gat1, gat2;
};

double flops_b3(const B3Sizes& z, int64_t edges_with_loops) {
  const double N = z.N, F = z.F, HF = z.heads * z.hidden, C = z.C, E = edges_with_loops;
  // layer 1's x W: forward and the weight gradient only (x needs no gradient)
  const double proj1 = 2 * (2 * N * F * HF);
  // per layer: a_src, a_dst scores (2 * N * width each), aggregation over the edges
  auto rest = [&](double width) { return 2 * 2 * N * width + 2 * E * width; };
  return proj1 + 3 * (rest(HF) + 2 * N * HF * C + rest(C));
}

// Cora's Planetoid files, or a random graph with Cora's sizes; features row-normalised.
struct Graph {
  Tensor x, src, dst, labels;  // x [N, F]; src, dst [E] (no self loops); labels [N]
  std::string data;
};

Graph load_graph(const B3Sizes& z, bool smoke, const std::string& cora_dir, Generator& gen) {
  Graph g;
  if (!smoke && std::filesystem::exists(cora_dir + "/cora.features.txt")) {
    GraphData d = load_planetoid_txt(cora_dir, "cora");
    g.x = d.features;
    g.src = d.edge_src;
    g.dst = d.edge_dst;
    g.labels = d.labels;
    g.data = "Cora (" + cora_dir + "), " + std::to_string(d.num_nodes()) + " nodes, " +
             std::to_string(d.num_edges()) + " directed edges";
  } else {
    g.x = zeros({z.N, z.F});
    for (int64_t k = 0; k < z.nnz; ++k)
      g.x.data()[gen.randint(static_cast<uint64_t>(z.N)) * z.F +
                 gen.randint(static_cast<uint64_t>(z.F))] = 1.0f;
    std::vector<int64_t> s, d;
    while (static_cast<int64_t>(s.size()) < z.E) {
      const auto i = static_cast<int64_t>(gen.randint(static_cast<uint64_t>(z.N)));
      const auto j = static_cast<int64_t>(gen.randint(static_cast<uint64_t>(z.N)));
      if (i == j) continue;
      s.push_back(i);
      d.push_back(j);
    }
    g.src = from_indices(s, {z.E});
    g.dst = from_indices(d, {z.E});
    g.labels = random_ids({z.N}, z.C, gen);
    g.data = "random graph with Cora's sizes (" + std::to_string(z.N) + " nodes, " +
             std::to_string(z.E) + " directed edges, " + std::to_string(z.nnz) +
             " nonzero features)";
  }
  const int64_t N = g.x.size(0), F = g.x.size(1);
  for (int64_t i = 0; i < N; ++i) {  // row-normalise (an all-zero row stays zero)
    float* row = g.x.data() + i * F;
    double s = 0;
    for (int64_t j = 0; j < F; ++j) s += row[j];
    if (s != 0)
      for (int64_t j = 0; j < F; ++j) row[j] = static_cast<float>(row[j] / s);
  }
  return g;
}

Bench make_b3(bool smoke, const std::string& cora_dir, Generator& gen) {
  B3Sizes z;
  if (smoke) z = {60, 40, 200, 3, 2, 4, 20, 300};
  Graph g = load_graph(z, smoke, cora_dir, gen);
  z.N = g.x.size(0);
  z.F = g.x.size(1);
  z.E = g.src.numel();
  auto [src, dst] = GATLayer::with_self_loops(g.src, g.dst, z.N);
  auto dropout_gen = std::make_shared<Generator>(gen.next_u64());
  auto model = std::make_shared<GAT>(z, gen, dropout_gen);
  std::vector<int64_t> train_nodes(static_cast<size_t>(z.train));
  for (int64_t i = 0; i < z.train; ++i) train_nodes[static_cast<size_t>(i)] = i;
  Tensor train = from_indices(train_nodes, {z.train});
  Tensor target = index_select(g.labels, 0, train);
  Tensor x = g.x;
  Bench b;
  b.config = "b3";
  b.name = "gat-cora";
  b.data = g.data;
  b.sizes = "nodes " + std::to_string(z.N) + ", features " + std::to_string(z.F) + ", edges " +
            std::to_string(z.E) + " + " + std::to_string(z.N) + " self loops, heads " +
            std::to_string(z.heads) + "x" + std::to_string(z.hidden) + ", classes " +
            std::to_string(z.C) + ", train nodes 0-" + std::to_string(z.train - 1);
  b.differences = {
      "GATLayer = PyG GATConv formulation (a_src/a_dst per head, edge softmax, dropout on the "
      "normalised coefficients), not pyGAT's exp(-LeakyReLU)+spmm; models_pytorch.py does the "
      "same",
      "attention vectors Glorot gain 1 (projection weights gain 1.414 as pyGAT)"};
  b.flop = flops_b3(z, src.numel());
  b.model = model;
  b.loss = [model, x, src, dst, train, target] {
    return cross_entropy(index_select(model->forward(x, src, dst), 0, train), target);
  };
  AdamOptions ao;
  ao.lr = 0.005f;
  ao.weight_decay = 5e-4f;  // L2 added to the gradient (torch.optim.Adam), not AdamW
  b.opt = std::make_unique<Adam>(model->parameters(), ao);
  return b;
}

// ---------------------------------------------------------------------------------------------

float eval_loss(Bench& b) {
  NoGradGuard no_grad;
  const bool was = b.model->is_training();
  b.model->eval();
  const float l = b.loss().item();
  b.model->train(was);
  return l;
}

nlohmann::json run(Bench& b, int warmup, int steps, bool profile) {
  b.model->train();
  const float eval_before = eval_loss(b);
  std::vector<double> losses, ms;
  for (int i = 0; i < warmup + steps; ++i) {
    if (profile && i == warmup) Profiler::enable();  // the timed steps only
    const auto t0 = Clock::now();
    b.opt->zero_grad();
    Tensor loss = b.loss();
    loss.backward();
    b.opt->step();
    const float l = loss.item();
    const auto t1 = Clock::now();
    losses.push_back(l);
    if (i >= warmup) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  if (profile) {
    Profiler::disable();
    std::fprintf(stderr, "%s: profile of %d timed steps (self time per op)\n", b.config.c_str(),
                 steps);
    Profiler::print(stderr, 25);
    Profiler::reset();
  }
  const float eval_after = eval_loss(b);
  const Stats s = summarize(ms);
  nlohmann::json j;
  j["config"] = b.config;
  j["name"] = b.name;
  j["sizes"] = b.sizes;
  j["data"] = b.data;
  j["median_ms"] = s.median_ms;
  j["min_ms"] = s.min_ms;
  j["max_ms"] = s.max_ms;
  j["gflop_per_step"] = b.flop / 1e9;
  j["gflops"] = b.flop / (s.median_ms * 1e6);
  j["parameters"] = b.model->num_parameters();
  j["loss_first"] = losses.front();
  j["loss_last"] = losses.back();
  j["eval_loss_before"] = eval_before;  // dropout off, before the first step
  j["eval_loss_after"] = eval_after;    // dropout off, after the last
  j["losses"] = losses;
  j["differences"] = b.differences;
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  attend::choose_openmp_wait_policy(argv);  // as the attend command line does
  CLI::App app{"B1-B3: training steps of the canonical models (BENCHMARKS.md) on attend"};
  int threads = 1, steps = 50, warmup = 10;
  unsigned seed = 0;
  bool smoke = false, flops_only = false, profile = false, keep_denormals = false;
  std::vector<std::string> configs;
  std::string cora_dir = "/work/shared/datasets/cora/planetoid_txt";
  app.add_option("--config", configs, "Which benchmarks (default: all)")
      ->check(CLI::IsMember({"b1", "b2", "b3"}));
  app.add_option("--threads", threads, "OpenBLAS (= attend) threads")->check(CLI::Range(1, 256));
  app.add_option("--steps", steps, "Timed training steps")->check(CLI::Range(1, 1000000));
  app.add_option("--warmup", warmup, "Untimed warm-up steps")->check(CLI::Range(0, 1000000));
  app.add_option("--seed", seed, "Seed of the parameters, the batch and the dropout masks");
  app.add_option("--cora-dir", cora_dir,
                 "Cora's planetoid_txt folder for B3 (a random graph of Cora's sizes if absent)");
  app.add_flag("--smoke", smoke, "Tiny sizes, for a quick test that everything runs and learns");
  app.add_flag("--flops-only", flops_only,
               "Print each config's FLOPs per step at the full BENCHMARKS.md sizes (B3: Cora's "
               "10556 edges) and exit");
  app.add_flag("--keep-denormals", keep_denormals,
               "Compute with subnormal floats instead of flushing them to zero (attend's default)");
  app.add_flag("--profile", profile,
               "Print attend's op profile of the timed steps to stderr (times include the "
               "profiler's own cost)");
  CLI11_PARSE(app, argc, argv);
  if (configs.empty()) configs = {"b1", "b2", "b3"};
  if (flops_only) {
    const B3Sizes z3;
    for (const std::string& c : configs)
      std::cout << nlohmann::json{{"config", c},
                                  {"gflop_per_step", (c == "b1"   ? flops_b1({})
                                                      : c == "b2" ? flops_b2({})
                                                                  : flops_b3(z3, z3.E + z3.N)) /
                                                         1e9}}
                       .dump()
                << "\n";
    return 0;
  }

  try {
    set_num_threads(threads);
    set_flush_denormal(!keep_denormals);  // as the attend command line does
    const char* coretype_env = std::getenv("OPENBLAS_CORETYPE");
    for (const std::string& c : configs) {
      Generator gen(seed);
      Bench b = c == "b1"   ? make_b1(smoke, gen)
                : c == "b2" ? make_b2(smoke, gen)
                            : make_b3(smoke, cora_dir, gen);
      nlohmann::json j = run(b, warmup, steps, profile);
      j["side"] = "attend";
      j["threads"] = threads;
      j["blas_threads"] = num_threads();
      j["os_threads"] = bench::os_threads();
      j["core"] = blas_core_name();
      j["flush_denormal"] = flush_denormal();
      j["openblas_coretype_env"] = coretype_env ? nlohmann::json(coretype_env) : nlohmann::json();
      j["steps"] = steps;
      j["warmup"] = warmup;
      j["smoke"] = smoke;
      j["peak_rss_mib"] = bench::peak_rss_mib();  // of the process so far: one config per process
      std::cout << j.dump() << std::endl;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
