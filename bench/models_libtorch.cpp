// B1-B3 (BENCHMARKS.md) on PyTorch's C++ frontend (libtorch, Debian's libtorch-dev 1.13): the
// models of bench/models_pytorch.py op for op, with the same sizes, data, loss, optimizer,
// timing protocol, command-line flags and JSON line per config ("side": "libtorch"). It is
// PyTorch without the Python interpreter: run.sh sets it beside models_pytorch.py and attend's
// bench_models, so the table tells the framework's own cost from Python's.
//
//   B1 seq2seq-lstm     nn::LSTM(128, 256) encoder, nn::LSTMCell(128, 256) decoder loop fed only
//                       embed(y_{t-1}) from the encoder's final (h, c), BOS 0; additive attention
//                       of size 256 (W_q with bias, W_k and v without, W_k e_i once);
//                       logits = W_o [h_t ; c_t] + b_o.
//   B2 transformer-tiny nn::Transformer(128, 4 heads, 2 + 2 layers, FF 512, dropout 0), post-LN,
//                       a final LayerNorm on each stack; embeddings * sqrt(128) + sinusoidal
//                       positions, additive -inf causal mask.
//   B3 gat-cora         the edge-list GAT of models_pytorch.py written with the same tensor ops
//                       (index, index_add_, leaky_relu, dropout 0.6 on both layers' inputs and
//                       on the coefficients), Xavier-uniform gain 1.414 on W, ELU between the
//                       layers, loss on nodes 0-139, Adam lr 0.005 with L2 weight decay 5e-4.
//                       Real Cora from planetoid_txt when present, else a random graph of the
//                       same sizes drawn with the same calls.
//
// Where the C++ frontend differs from Python's torch.nn (so the same model runs slightly
// different code on the two PyTorch sides):
//   - nn::Transformer has no batch_first: the [B, L, D] embeddings are transposed to [L, B, D]
//     before it and back after it. Python's batch_first=True transposes inside each attention
//     instead, so both sides move the same data; only where the transposes sit differs.
//   - nn::MultiheadAttention calls the C++ functional multi_head_attention_forward
//     (torch/nn/functional/activation.h), a port of an older Python version: it picks self- or
//     cross-attention packing by comparing query, key and value *by value* (torch::equal) on
//     every call, scales q before q k^T and adds the mask after the bmm (Python 1.13: q / sqrt(d)
//     then baddbmm), and the encoder layer asks it for head-averaged attention weights that no
//     one reads (Python passes need_weights=False). All of it is small next to the GEMMs.
//   - Optimizer::zero_grad() in libtorch 1.13 zeroes the gradients in place; Python's
//     zero_grad(set_to_none=True) drops them. Module::zero_grad(true) drops them here, as Python.
//   - The parameter initialisation and the random batches follow Python's calls in the same
//     order from the same seeds (torch::manual_seed(seed) for the parameters and dropout, a
//     CPUGeneratorImpl seeded with seed for the data, as torch.Generator().manual_seed(seed);
//     transformer_as_python undoes the extra draws of libtorch's Transformer), so both PyTorch
//     sides start from the same numbers; run.sh prints both step-0 losses.
//
// Threads: --threads sets at::set_num_threads (ATen's OpenMP pool), as torch.set_num_threads.
// OpenBLAS, which libtorch calls for float matmul (libblas.so.3 -> libopenblas.so.0, the same
// library this program links to read its core name), keeps its own pthread pool sized by
// OPENBLAS_NUM_THREADS from the environment; run.sh sets it explicitly.
//
// Timing: std::chrono::steady_clock around zero_grad + forward + backward + Adam step + reading
// the loss; median, min, max ms over --steps timed steps after --warmup untimed ones.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <cblas.h>  // OpenBLAS: openblas_get_corename, openblas_get_num_threads
#include <sys/resource.h>
#include <torch/nn.h>
#include <torch/optim/adam.h>
#include <torch/version.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bench/timing.h"

namespace {

using torch::Tensor;
namespace nn = torch::nn;
namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;

// One benchmark: a model, its batch (captured by loss), an optimizer.
struct Bench {
  std::string config, name, sizes, data = "random tokens (fixed seed)";
  std::shared_ptr<nn::Module> model;
  std::function<Tensor()> loss;  // forward pass on the batch -> scalar loss
  std::unique_ptr<torch::optim::Optimizer> opt;
};

// Whole numbers in [0, n) from the data generator. torch::randint's C++ default dtype is float
// (Python's torch.randint defaults to int64), hence kLong.
Tensor randint(int64_t n, at::IntArrayRef shape, at::Generator& g) {
  return torch::randint(n, shape, g, torch::kLong);
}

// The target sequences of B1/B2: tgt_in = [BOS=0, y_0 .. y_{T-2}], tgt_out = y.
std::pair<Tensor, Tensor> shifted(const Tensor& y) {
  const int64_t T = y.size(1);
  return {torch::cat({torch::zeros_like(y.slice(1, 0, 1)), y.slice(1, 0, T - 1)}, 1), y};
}

// ---------------------------------------------------------------------------------------------
// B1: LSTM encoder-decoder with additive attention.
//   B = batch, S = source length, T = target length, E = embedding, H = hidden (= attention
//   size A), V = vocab (source and target)
struct AdditiveAttentionImpl : nn::Module {
  AdditiveAttentionImpl(int64_t q_dim, int64_t k_dim, int64_t a_dim)
      : query_proj(register_module("query_proj", nn::Linear(q_dim, a_dim))),
        key_proj(
            register_module("key_proj", nn::Linear(nn::LinearOptions(k_dim, a_dim).bias(false)))) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(a_dim));
    v = register_parameter("v", torch::empty({a_dim}).uniform_(-bound, bound));
  }

  // h [B, H], pkeys = W_k keys [B, S, A], keys [B, S, H] -> context [B, H]
  Tensor forward(const Tensor& h, const Tensor& pkeys, const Tensor& keys) {
    Tensor scores = torch::matmul(torch::tanh(query_proj(h).unsqueeze(1) + pkeys), v);  // [B, S]
    Tensor a = torch::softmax(scores, -1);
    return torch::bmm(a.unsqueeze(1), keys).squeeze(1);
  }

  nn::Linear query_proj, key_proj;
  Tensor v;  // [A]
};
TORCH_MODULE(AdditiveAttention);

struct Seq2SeqLSTMImpl : nn::Module {
  Seq2SeqLSTMImpl(int64_t V, int64_t E, int64_t H)
      : src_embed(register_module("src_embed", nn::Embedding(V, E))),
        tgt_embed(register_module("tgt_embed", nn::Embedding(V, E))),
        encoder(register_module("encoder", nn::LSTM(nn::LSTMOptions(E, H).batch_first(true)))),
        decoder(register_module("decoder", nn::LSTMCell(E, H))),
        attention(register_module("attention", AdditiveAttention(H, H, H))),
        out(register_module("out", nn::Linear(2 * H, V))) {}

  // src [B, S], tgt_in [B, T], tgt_out [B, T] -> mean cross-entropy
  Tensor forward(const Tensor& src, const Tensor& tgt_in, const Tensor& tgt_out) {
    auto [keys, hc] = encoder(src_embed(src));  // keys [B, S, H], hc = (h_n, c_n) [1, B, H]
    Tensor pkeys = attention->key_proj(keys);   // [B, S, A]
    Tensor h = std::get<0>(hc)[0], c = std::get<1>(hc)[0];
    Tensor ys = tgt_embed(tgt_in);  // [B, T, E]
    std::vector<Tensor> feats;
    for (int64_t t = 0; t < ys.size(1); ++t) {
      std::tie(h, c) = decoder(ys.select(1, t), std::make_tuple(h, c));
      feats.push_back(torch::cat({h, attention(h, pkeys, keys)}, 1));  // [B, 2H]
    }
    Tensor logits = out(torch::stack(feats, 1));  // [B, T, V]
    return F::cross_entropy(logits.reshape({-1, logits.size(-1)}), tgt_out.reshape(-1));
  }

  nn::Embedding src_embed, tgt_embed;
  nn::LSTM encoder;
  nn::LSTMCell decoder;
  AdditiveAttention attention;
  nn::Linear out;
};
TORCH_MODULE(Seq2SeqLSTM);

Bench make_b1(bool smoke, at::Generator& g) {
  struct {
    int64_t V = 1000, E = 128, H = 256, B = 32, S = 24, T = 24;
  } z;
  if (smoke) z = {50, 16, 32, 4, 6, 6};
  Seq2SeqLSTM model(z.V, z.E, z.H);
  Tensor src = randint(z.V, {z.B, z.S}, g);
  Tensor tin, tout;  // not a structured binding: a C++17 lambda cannot capture one
  std::tie(tin, tout) = shifted(randint(z.V, {z.B, z.T}, g));
  std::ostringstream sizes;
  sizes << "vocab " << z.V << ", emb " << z.E << ", hidden " << z.H << ", batch " << z.B << ", src "
        << z.S << ", tgt " << z.T;
  Bench b;
  b.config = "b1";
  b.name = "seq2seq-lstm";
  b.sizes = sizes.str();
  b.model = model.ptr();
  b.loss = [model, src, tin, tout]() mutable { return model(src, tin, tout); };
  b.opt =
      std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(1e-3));
  return b;
}

// ---------------------------------------------------------------------------------------------
// B2: Transformer-tiny. B = batch, S/T = lengths, D = d_model, V = vocab.
Tensor sinusoid(int64_t max_len, int64_t d) {  // [max_len, d]
  Tensor pos = torch::arange(max_len, torch::kFloat32).unsqueeze(1);
  Tensor div = torch::exp(torch::arange(0, d, 2, torch::kFloat32) *
                          (-std::log(10000.0) / static_cast<double>(d)));
  Tensor pe = torch::zeros({max_len, d});
  pe.slice(1, 0, d, 2).copy_(torch::sin(pos * div));  // pe[:, 0::2]
  pe.slice(1, 1, d, 2).copy_(torch::cos(pos * div));  // pe[:, 1::2]
  return pe;
}

// nn::Transformer(o), initialised as Python's nn.Transformer initialises: the same random numbers
// drawn in the same order. libtorch's TransformerEncoder/Decoder copy their layer with
// Cloneable::clone(), which re-runs the layer's initialisation (drawing random numbers) before it
// copies the values over, where Python's copy.deepcopy draws none; every draw after that would
// differ. So: build it, rewind the generator to where the build began, and draw in Python's
// order: one encoder layer and one decoder layer (copied into every layer of their stack), then
// Xavier-uniform on every matrix (nn.Transformer._reset_parameters; reset_parameters here).
nn::Transformer transformer_as_python(const nn::TransformerOptions& o) {
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  const Tensor start = gen.get_state();
  nn::Transformer tr(o);
  gen.set_state(start);
  nn::TransformerEncoderLayer enc(nn::TransformerEncoderLayerOptions(o.d_model(), o.nhead())
                                      .dim_feedforward(o.dim_feedforward())
                                      .dropout(o.dropout()));
  nn::TransformerDecoderLayer dec(nn::TransformerDecoderLayerOptions(o.d_model(), o.nhead())
                                      .dim_feedforward(o.dim_feedforward())
                                      .dropout(o.dropout()));
  torch::NoGradGuard no_grad;
  for (auto& p : tr->named_parameters()) {  // "encoder.layers.K.NAME" <- enc's NAME, ...
    for (const auto& [prefix, layer] :
         {std::pair<std::string, nn::Module*>{"encoder.layers.", enc.get()},
          {"decoder.layers.", dec.get()}}) {
      if (p.key().rfind(prefix, 0) != 0) continue;
      const std::string name = p.key().substr(p.key().find('.', prefix.size()) + 1);
      p.value().copy_(layer->named_parameters()[name]);
    }
  }
  tr->reset_parameters();
  return tr;
}

struct TransformerTinyImpl : nn::Module {
  TransformerTinyImpl(int64_t V, int64_t D, int64_t heads, int64_t FF, int64_t L, int64_t T)
      : d(D),
        src_embed(register_module("src_embed", nn::Embedding(V, D))),
        tgt_embed(register_module("tgt_embed", nn::Embedding(V, D))),
        pe(register_buffer("pe", sinusoid(512, D))),
        transformer(
            register_module("transformer", transformer_as_python(nn::TransformerOptions(D, heads)
                                                                     .num_encoder_layers(L)
                                                                     .num_decoder_layers(L)
                                                                     .dim_feedforward(FF)
                                                                     .dropout(0.0)))),
        out(register_module("out", nn::Linear(D, V))),
        mask(register_buffer(
            "mask", torch::triu(torch::full({T, T}, -std::numeric_limits<float>::infinity()), 1))) {
  }

  Tensor forward(const Tensor& src, const Tensor& tgt_in, const Tensor& tgt_out) {
    const double scale = std::sqrt(static_cast<double>(d));
    Tensor s = src_embed(src) * scale + pe.slice(0, 0, src.size(1));        // [B, S, D]
    Tensor t = tgt_embed(tgt_in) * scale + pe.slice(0, 0, tgt_in.size(1));  // [B, T, D]
    // nn::Transformer is sequence-first in C++ (no batch_first): [L, B, D] in and out.
    Tensor y = transformer
                   ->forward(s.transpose(0, 1), t.transpose(0, 1), /*src_mask=*/Tensor(),
                             /*tgt_mask=*/mask)
                   .transpose(0, 1);  // [B, T, D]
    Tensor logits = out(y);           // [B, T, V]
    return F::cross_entropy(logits.reshape({-1, logits.size(-1)}), tgt_out.reshape(-1));
  }

  int64_t d;
  nn::Embedding src_embed, tgt_embed;
  Tensor pe;  // [512, D]
  nn::Transformer transformer;
  nn::Linear out;
  Tensor mask;  // [T, T]: 0 on and below the diagonal, -inf above
};
TORCH_MODULE(TransformerTiny);

Bench make_b2(bool smoke, at::Generator& g) {
  struct {
    int64_t V = 1000, D = 128, heads = 4, FF = 512, L = 2, B = 32, S = 24, T = 24;
  } z;
  if (smoke) z = {50, 32, 2, 64, 2, 4, 6, 6};
  TransformerTiny model(z.V, z.D, z.heads, z.FF, z.L, z.T);
  Tensor src = randint(z.V, {z.B, z.S}, g);
  Tensor tin, tout;  // not a structured binding: a C++17 lambda cannot capture one
  std::tie(tin, tout) = shifted(randint(z.V, {z.B, z.T}, g));
  std::ostringstream sizes;
  sizes << "d_model " << z.D << ", heads " << z.heads << ", ff " << z.FF << ", layers " << z.L
        << "+" << z.L << ", vocab " << z.V << ", batch " << z.B << ", src " << z.S << ", tgt "
        << z.T;
  Bench b;
  b.config = "b2";
  b.name = "transformer-tiny";
  b.sizes = sizes.str();
  b.model = model.ptr();
  b.loss = [model, src, tin, tout]() mutable { return model(src, tin, tout); };
  b.opt =
      std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(1e-3));
  return b;
}

// ---------------------------------------------------------------------------------------------
// B3: two-layer GAT, full batch. N = nodes, E = edges (with self loops), H = heads,
// F = features per head.
struct GATLayerImpl : nn::Module {
  GATLayerImpl(int64_t fin, int64_t fout, int64_t heads, bool concat)
      : heads(heads),
        fout(fout),
        concat(concat),
        W(register_parameter("W", torch::empty({fin, heads * fout}))),
        att_src(register_parameter("att_src", torch::empty({1, heads, fout}))),
        att_dst(register_parameter("att_dst", torch::empty({1, heads, fout}))) {
    nn::init::xavier_uniform_(W, 1.414);
    nn::init::xavier_uniform_(att_src);
    nn::init::xavier_uniform_(att_dst);
  }

  // x [N, fin], src/dst [E] (edge j: src[j] -> dst[j]) -> [N, H*F] (concat) or [N, F] (mean)
  Tensor forward(Tensor x, const Tensor& src, const Tensor& dst, double p) {
    const int64_t N = x.size(0);
    x = torch::dropout(x, p, is_training());
    Tensor wh = torch::matmul(x, W).view({N, heads, fout});  // [N, H, F]
    Tensor a_src = (wh * att_src).sum(-1);                   // [N, H]
    Tensor a_dst = (wh * att_dst).sum(-1);
    Tensor e = torch::leaky_relu(a_src.index({src}) + a_dst.index({dst}), 0.2);  // [E, H]
    e = torch::exp(e - std::get<0>(e.max(0, /*keepdim=*/true)));  // softmax over in-edges:
    Tensor denom = torch::zeros({N, heads}).index_add_(0, dst, e);
    Tensor alpha = torch::dropout(e / denom.index({dst}), p, is_training());
    Tensor out =
        torch::zeros({N, heads, fout}).index_add_(0, dst, alpha.unsqueeze(-1) * wh.index({src}));
    return concat ? out.reshape({N, -1}) : out.mean(1);
  }

  int64_t heads, fout;
  bool concat;
  Tensor W;                 // [fin, H*F]
  Tensor att_src, att_dst;  // [1, H, F]
};
TORCH_MODULE(GATLayer);

struct GATImpl : nn::Module {
  GATImpl(int64_t fin, int64_t hidden, int64_t heads, int64_t classes)
      : gat1(register_module("gat1", GATLayer(fin, hidden, heads, true))),
        gat2(register_module("gat2", GATLayer(heads * hidden, classes, 1, false))) {}

  Tensor forward(const Tensor& x, const Tensor& src, const Tensor& dst) {
    return gat2(torch::elu(gat1(x, src, dst, 0.6)), src, dst, 0.6);
  }

  GATLayer gat1, gat2;
};
TORCH_MODULE(GAT);

struct Graph {
  Tensor x, src, dst, labels;  // x [N, features] float; src, dst [E], labels [N] int64
  std::string data;
  int64_t classes;
};

// Whitespace-separated whole numbers of a planetoid_txt file.
std::vector<int64_t> read_ints(const std::filesystem::path& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path.string() + ": cannot open");
  std::vector<int64_t> v;
  for (int64_t i; f >> i;) v.push_back(i);
  if (!f.eof()) throw std::runtime_error(path.string() + ": not a list of whole numbers");
  return v;
}

Graph load_graph(bool smoke, const std::string& cora_dir, at::Generator& g) {
  const std::filesystem::path dir(cora_dir);
  if (!smoke && std::filesystem::exists(dir / "cora.features.txt")) {
    // cora.features.txt: "# N FEATURES NONZEROS", then one "row column value" line per nonzero
    const std::filesystem::path fpath = dir / "cora.features.txt";
    std::ifstream f(fpath);
    std::string hash;
    int64_t n = 0, nf = 0, nnz = 0;
    if (!(f >> hash >> n >> nf >> nnz) || hash != "#" || n < 1 || nf < 1)
      throw std::runtime_error(fpath.string() + ": the first line is not '# N FEATURES NONZEROS'");
    Tensor x = torch::zeros({n, nf});
    auto xa = x.accessor<float, 2>();
    int64_t r = 0, c = 0;
    double v = 0;
    while (f >> r >> c >> v) {
      if (r < 0 || r >= n || c < 0 || c >= nf)
        throw std::runtime_error(fpath.string() + ": entry (" + std::to_string(r) + ", " +
                                 std::to_string(c) + ") outside " + std::to_string(n) + " x " +
                                 std::to_string(nf));
      xa[r][c] = static_cast<float>(v);
    }
    if (!f.eof()) throw std::runtime_error(fpath.string() + ": a line is not 'row column value'");
    std::vector<int64_t> labels = read_ints(dir / "cora.labels.txt");
    std::vector<int64_t> edges = read_ints(dir / "cora.edges.txt");
    if (static_cast<int64_t>(labels.size()) != n || edges.size() % 2)
      throw std::runtime_error(cora_dir + ": " + std::to_string(labels.size()) + " labels for " +
                               std::to_string(n) + " nodes, or an odd count of edge ends");
    Tensor e = torch::tensor(edges).view({-1, 2});
    e = e.index({e.select(1, 0) != e.select(1, 1)});  // no self loops: added once below
    std::ostringstream data;
    data << "Cora (" << cora_dir << "), " << n << " nodes, " << e.size(0) << " directed edges";
    return {x, e.select(1, 0).clone(), e.select(1, 1).clone(), torch::tensor(labels), data.str(),
            7};
  }
  struct {
    int64_t N = 2708, nf = 1433, E = 10556, C = 7, nnz = 49216;
  } z;
  if (smoke) z = {60, 40, 200, 3, 300};
  Tensor x = torch::zeros({z.N, z.nf});
  Tensor rows = randint(z.N, {z.nnz}, g);  // drawn in Python's order: rows, columns, ...
  Tensor cols = randint(z.nf, {z.nnz}, g);
  x.index_put_({rows, cols}, 1.0);
  Tensor s = randint(z.N, {2 * z.E}, g);
  Tensor d = randint(z.N, {2 * z.E}, g);
  Tensor keep = (s != d).nonzero().squeeze(1).slice(0, 0, z.E);
  std::ostringstream data;
  data << "random graph with Cora's sizes (" << z.N << " nodes, " << z.E << " directed edges, "
       << z.nnz << " nonzero features)";
  Tensor src = s.index({keep}), dst = d.index({keep});
  return {x, src, dst, randint(z.C, {z.N}, g), data.str(), z.C};
}

Bench make_b3(bool smoke, const std::string& cora_dir, at::Generator& g) {
  Graph gr = load_graph(smoke, cora_dir, g);
  const int64_t N = gr.x.size(0);
  Tensor x = gr.x / gr.x.sum(1, /*keepdim=*/true).clamp_min(1e-30);  // zero rows stay zero
  Tensor loops = torch::arange(N, torch::kLong);
  Tensor src = torch::cat({gr.src, loops}), dst = torch::cat({gr.dst, loops});
  const int64_t heads = smoke ? 2 : 8, hidden = smoke ? 4 : 8, n_train = smoke ? 20 : 140;
  GAT model(x.size(1), hidden, heads, gr.classes);
  Tensor train = torch::arange(n_train, torch::kLong);
  Tensor target = gr.labels.index({train});
  std::ostringstream sizes;
  sizes << "nodes " << N << ", features " << x.size(1) << ", edges " << src.numel() - N << " + "
        << N << " self loops, heads " << heads << "x" << hidden << ", classes " << gr.classes
        << ", train nodes 0-" << n_train - 1;
  Bench b;
  b.config = "b3";
  b.name = "gat-cora";
  b.sizes = sizes.str();
  b.data = gr.data;
  b.model = model.ptr();
  b.loss = [model, x, src, dst, train, target]() mutable {
    return F::cross_entropy(model(x, src, dst).index({train}), target);
  };
  b.opt = std::make_unique<torch::optim::Adam>(model->parameters(),
                                               torch::optim::AdamOptions(0.005).weight_decay(5e-4));
  return b;
}

// ---------------------------------------------------------------------------------------------
double eval_loss(Bench& b) {
  const bool was = b.model->is_training();
  b.model->eval();
  double v = 0;
  {
    torch::NoGradGuard no_grad;
    v = b.loss().item<double>();
  }
  b.model->train(was);
  return v;
}

nlohmann::json run(Bench& b, int warmup, int steps) {
  b.model->train();
  const double before = eval_loss(b);
  std::vector<double> losses, ms;
  for (int i = 0; i < warmup + steps; ++i) {
    const auto t0 = Clock::now();
    b.model->zero_grad(/*set_to_none=*/true);  // as Python's opt.zero_grad(set_to_none=True)
    Tensor l = b.loss();
    l.backward();
    b.opt->step();
    const double v = l.item<double>();
    const auto t1 = Clock::now();
    losses.push_back(v);
    if (i >= warmup) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  const double after = eval_loss(b);
  const attend::bench::Stats s = attend::bench::summarize(ms);
  int64_t parameters = 0;
  for (const Tensor& p : b.model->parameters()) parameters += p.numel();
  return {{"config", b.config},
          {"name", b.name},
          {"sizes", b.sizes},
          {"data", b.data},
          {"median_ms", s.median_ms},
          {"min_ms", s.min_ms},
          {"max_ms", s.max_ms},
          {"parameters", parameters},
          {"loss_first", losses.front()},
          {"loss_last", losses.back()},
          {"eval_loss_before", before},
          {"eval_loss_after", after},
          {"losses", losses}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"B1-B3 (BENCHMARKS.md), PyTorch C++ frontend side: the models of models_pytorch.py"};
  int threads = 1, steps = 50, warmup = 10;
  uint64_t seed = 0;
  bool smoke = false, flush_denormal = false;
  std::vector<std::string> configs;
  std::string cora_dir = "/work/shared/datasets/cora/planetoid_txt";
  app.add_option("--config", configs, "Benchmark to run (repeatable; default all)")
      ->check(CLI::IsMember({"b1", "b2", "b3"}));
  app.add_option("--threads", threads, "at::set_num_threads")->check(CLI::Range(1, 256));
  app.add_option("--steps", steps, "Timed training steps")->check(CLI::Range(1, 1000000));
  app.add_option("--warmup", warmup, "Untimed warm-up steps")->check(CLI::Range(0, 1000000));
  app.add_option("--seed", seed, "Seed of the parameters, the batch and the dropout masks");
  app.add_option("--cora-dir", cora_dir,
                 "Cora's planetoid_txt folder for B3 (a random graph of Cora's sizes if absent)");
  app.add_flag("--smoke", smoke, "Tiny sizes");
  app.add_flag(
      "--flush-denormal", flush_denormal,
      "at::globalContext().setFlushDenormal(true): subnormal floats read and written as 0");
  CLI11_PARSE(app, argc, argv);
  if (configs.empty()) configs = {"b1", "b2", "b3"};

  try {
    at::set_num_threads(threads);
    const bool flush = flush_denormal && at::globalContext().setFlushDenormal(true);
    const char* coretype_env = std::getenv("OPENBLAS_CORETYPE");
    for (const std::string& c : configs) {
      torch::manual_seed(seed);  // parameters and dropout masks, as torch.manual_seed
      at::Generator g = at::make_generator<at::CPUGeneratorImpl>(seed);  // the data
      Bench b = c == "b1"   ? make_b1(smoke, g)
                : c == "b2" ? make_b2(smoke, g)
                            : make_b3(smoke, cora_dir, g);
      nlohmann::json j = run(b, warmup, steps);
      j["side"] = "libtorch";
      j["torch_version"] = TORCH_VERSION;
      j["threads"] = threads;
      j["torch_threads"] = at::get_num_threads();
      j["flush_denormal"] = flush;
      j["blas_threads"] = openblas_get_num_threads();
      j["os_threads"] = attend::bench::os_threads();
      j["core"] = openblas_get_corename();
      j["openblas_coretype_env"] = coretype_env ? nlohmann::json(coretype_env) : nlohmann::json();
      j["steps"] = steps;
      j["warmup"] = warmup;
      j["smoke"] = smoke;
      j["peak_rss_mib"] =
          attend::bench::peak_rss_mib();  // the whole process, libtorch itself included
      std::cout << j.dump() << std::endl;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
