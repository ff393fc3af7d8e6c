// GATLayer: projection (one GEMM), per-node attention terms, then the fused edge ops of
// autograd/ops_graph.h: edge logits, edge softmax, attention dropout, neighbourhood aggregation.
#include "layers/gat.h"

#include <string>
#include <vector>
#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"

#include <cmath>
#include <sstream>
#include <tuple>

namespace attend {

namespace {

// PyG's glorot(): U(-a, a), a = sqrt(6 / (size(-2) + size(-1))).
Tensor glorot(const Shape& s, Generator& gen) {
  const int64_t fan = s.ndim() >= 2 ? s.dim(-2) + s.dim(-1) : s.numel();
  const float a = fan > 0 ? std::sqrt(6.0f / static_cast<float>(fan)) : 0.0f;
  return uniform(s, -a, a, gen);
}

// A Linear of the given size whose weight is Glorot uniform from gen (and bias zero). The
// Linear's own initialisation draws from a scratch generator so gen sees only the Glorot draws.
std::shared_ptr<Linear> glorot_linear(int64_t in, int64_t out, bool bias, Generator& gen) {
  Generator scratch(0);
  auto l = std::make_shared<Linear>(in, out, scratch, bias);
  copy_(l->weight, glorot(l->weight.shape(), gen));
  if (bias) fill_(l->bias, 0.0f);
  return l;
}

// Checks an edge list: src and dst 1-D of equal length, ids whole numbers in [0, n).
void check_edges(const Tensor& src, const Tensor& dst, int64_t n) {
  if (!src.defined() || !dst.defined() || src.ndim() != 1 || dst.ndim() != 1 ||
      src.numel() != dst.numel())
    throw ShapeError("GATLayer: src and dst must be 1-D index tensors of equal length, got " +
                     (src.defined() ? src.shape().str() : std::string("undefined")) + " and " +
                     (dst.defined() ? dst.shape().str() : std::string("undefined")));
  const float lim = static_cast<float>(n);
  for (const Tensor* t : {&src, &dst}) {
    const float* p = t->data();
    for (int64_t e = 0; e < t->numel(); ++e)
      if (!(p[e] >= 0.0f) || !(p[e] < lim) || p[e] != std::floor(p[e]))
        throw ShapeError(std::string("GATLayer: ") + (t == &src ? "src" : "dst") + "[" +
                         std::to_string(e) + "] = " + std::to_string(p[e]) +
                         " is not a node id (a whole number in [0, " + std::to_string(n) +
                         ")) for x with " + std::to_string(n) + " nodes");
  }
}

}  // namespace

GATLayer::GATLayer(const GATOptions& opt, Generator& gen, std::shared_ptr<Generator> dropout_gen)
    : options(opt), dropout_gen_(std::move(dropout_gen)) {
  if (opt.in_features < 1 || opt.out_features < 1 || opt.heads < 1)
    throw std::invalid_argument("GATLayer: in_features, out_features and heads must be >= 1, got " +
                                std::to_string(opt.in_features) + ", " +
                                std::to_string(opt.out_features) + ", " +
                                std::to_string(opt.heads));
  for (float p : {opt.dropout, opt.input_dropout, opt.value_dropout})
    if (!(p >= 0.0f && p <= 1.0f))
      throw std::invalid_argument("GATLayer: dropout must be in [0, 1], got " + std::to_string(p));
  if ((opt.dropout > 0 || opt.input_dropout > 0 || opt.value_dropout > 0) && !dropout_gen_)
    throw std::invalid_argument("GATLayer: dropout needs a generator (dropout_gen)");
  const int64_t H = opt.heads, F = opt.out_features, D = opt.in_features;
  if (!opt.v2) {
    lin = register_module("lin", glorot_linear(D, H * F, /*bias=*/false, gen));
    att_src = register_parameter("att_src", glorot({1, H, F}, gen));
    att_dst = register_parameter("att_dst", glorot({1, H, F}, gen));
  } else {
    lin_src = register_module("lin_src", glorot_linear(D, H * F, opt.bias, gen));
    lin_dst = register_module("lin_dst", glorot_linear(D, H * F, opt.bias, gen));
    att = register_parameter("att", glorot({1, H, F}, gen));
  }
  if (opt.bias) bias = register_parameter("bias", zeros({opt.concat ? H * F : F}));
}

std::pair<Tensor, Tensor> GATLayer::with_self_loops(const Tensor& src, const Tensor& dst,
                                                    int64_t n) {
  check_edges(src, dst, n);
  const int64_t E = src.numel();
  const float* ps = src.data();
  const float* pd = dst.data();
  int64_t kept = 0;
  for (int64_t e = 0; e < E; ++e) kept += ps[e] != pd[e];
  Tensor s = Tensor::empty({kept + n}), d = Tensor::empty({kept + n});
  float* os = s.data();
  float* od = d.data();
  int64_t k = 0;
  for (int64_t e = 0; e < E; ++e)
    if (ps[e] != pd[e]) {
      os[k] = ps[e];
      od[k++] = pd[e];
    }
  for (int64_t i = 0; i < n; ++i) {
    os[k] = od[k] = static_cast<float>(i);
    ++k;
  }
  return {s, d};
}

Tensor GATLayer::forward(const Tensor& x, const Tensor& edge_index) {
  if (!edge_index.defined() || edge_index.ndim() != 2 || edge_index.size(0) != 2)
    throw ShapeError("GATLayer: edge_index must be [2, E] (row 0 src, row 1 dst), got " +
                     (edge_index.defined() ? edge_index.shape().str() : std::string("undefined")));
  auto rows = unbind(edge_index.detach(), 0);
  return forward(x, rows[0], rows[1]);
}

GATLayer::Output GATLayer::forward_with_attention(const Tensor& x, const Tensor& src,
                                                  const Tensor& dst) {
  const GATOptions& o = options;
  if (!x.defined() || x.ndim() != 2 || x.size(1) != o.in_features)
    throw ShapeError("GATLayer: x must be [N, " + std::to_string(o.in_features) + "], got " +
                     (x.defined() ? x.shape().str() : std::string("undefined")));
  const int64_t N = x.size(0), H = o.heads, F = o.out_features;
  Output out;
  if (o.add_self_loops) {
    std::tie(out.src, out.dst) = with_self_loops(src, dst, N);
  } else {
    check_edges(src, dst, N);
    out.src = src.detach();
    out.dst = dst.detach();
  }
  const bool training = is_training();
  Tensor xin = o.input_dropout > 0 ? dropout(x, o.input_dropout, training, *dropout_gen_) : x;

  Tensor features, scores;  // [N, H, F] messages, [E', H] logits
  if (!o.v2) {
    features = reshape(lin->forward(xin), {N, H, F});
    Tensor a_src = sum(features * att_src, -1);  // [N, H]
    Tensor a_dst = sum(features * att_dst, -1);
    scores = gat_edge_score(a_src, a_dst, out.src, out.dst, o.negative_slope);
  } else {
    features = reshape(lin_src->forward(xin), {N, H, F});
    Tensor target = reshape(lin_dst->forward(xin), {N, H, F});
    scores = gatv2_edge_score(features, target, att, out.src, out.dst, o.negative_slope);
  }
  out.attention = edge_softmax(scores, out.dst, N);
  Tensor alpha =
      o.dropout > 0 ? dropout(out.attention, o.dropout, training, *dropout_gen_) : out.attention;
  Tensor values = o.value_dropout > 0 ? dropout(features, o.value_dropout, training, *dropout_gen_)
                                      : features;                 // [N, H, F]
  Tensor h = edge_aggregate(alpha, values, out.src, out.dst, N);  // [N, H, F]
  h = o.concat ? reshape(h, {N, H * F}) : mean(h, 1);
  out.output = bias.defined() ? h + bias : h;
  return out;
}

std::string GATLayer::extra_repr() const {
  std::ostringstream os;
  os << "in_features=" << options.in_features << ", out_features=" << options.out_features
     << ", heads=" << options.heads << ", concat=" << (options.concat ? "True" : "False")
     << ", negative_slope=" << options.negative_slope << ", dropout=" << options.dropout;
  if (options.input_dropout > 0) os << ", input_dropout=" << options.input_dropout;
  if (options.value_dropout > 0) os << ", value_dropout=" << options.value_dropout;
  os << ", add_self_loops=" << (options.add_self_loops ? "True" : "False")
     << ", bias=" << (options.bias ? "True" : "False")
     << ", v2=" << (options.v2 ? "True" : "False");
  return os.str();
}

// --- descriptor ----------------------------------------------------------------------------------

// GAT and GATv2, heads concatenated or averaged, on a small graph (src -> dst, N = 6) with one self
// loop, a node without in-edges but its loop, and a repeated edge (1 -> 0 twice: repeated edges
// count once per occurrence); the input, and every parameter where the biases are nonzero.
const LayerInfo gat_layer{
    .name = "GATLayer", .kind = OpKind::kLayer, .samples = [] {
      const std::vector<int64_t> src = {0, 2, 3, 1, 0, 4, 3, 2, 1, 5, 4, 1};
      const std::vector<int64_t> dst = {1, 1, 1, 2, 3, 3, 3, 0, 0, 4, 0, 0};
      const int64_t N = 6, E = static_cast<int64_t>(src.size());
      const Tensor s = from_indices(src, {E}), d = from_indices(dst, {E});
      std::vector<Sample> out;
      auto add = [&](const std::string& name, GATOptions o, uint64_t gen_seed, uint64_t bias_seed,
                     uint64_t x_seed, bool parameters) {
        Generator gen(gen_seed);
        auto m = std::make_shared<GATLayer>(o, gen);
        if (bias_seed) randomise_biases(*m, bias_seed);
        Sample sample = layer_sample(name, m, {{"x", make_input({N, o.in_features}, x_seed)}},
                                     [m, s, d](const Inputs& x) { return m->forward(x[0], s, d); });
        if (!parameters) sample.parameters.clear();
        out.push_back(std::move(sample));
      };
      for (bool v2 : {false, true})
        for (bool concat : {true, false}) {
          const GATOptions o{
              .in_features = 4, .out_features = 3, .heads = 2, .concat = concat, .v2 = v2};
          const std::string name =
              std::string(v2 ? "GATv2" : "GAT") + (concat ? " concat" : " mean");
          // With zero biases some GATv2 edge sums sit within a step of the LeakyReLU kink when a
          // parameter moves: the input only (tests/layers/test_gat.cpp compares every
          // parameter's gradient with a dense reference instead).
          add(name + ", the input", o, 21, 0, 22, false);
          if (concat) add(name + ", nonzero biases", o, 21, 97, 22, true);
        }
      add("GAT mean over 3 heads, nonzero biases",
          {.in_features = 3, .out_features = 2, .heads = 3, .concat = false}, 98, 99, 100, true);
      // Training with every dropout, the generator re-seeded before each forward (the same masks
      // for every finite difference): the scores see W h, the aggregation its dropped copy. With
      // inputs dropped, some edge scores sit within the default step of the LeakyReLU's kink: a
      // tenth of it.
      {
        Generator gen(23);
        auto dgen = std::make_shared<Generator>(5);
        auto m = std::make_shared<GATLayer>(GATOptions{.in_features = 4,
                                                       .out_features = 3,
                                                       .heads = 2,
                                                       .dropout = 0.3f,
                                                       .input_dropout = 0.2f,
                                                       .value_dropout = 0.4f},
                                            gen, dgen);
        randomise_biases(*m, 24);
        out.push_back(layer_sample(
            "GAT concat, every dropout", m, {{"x", make_input({N, 4}, 25)}},
            [m, s, d, dgen](const Inputs& x) {
              dgen->manual_seed(5);
              return m->forward(x[0], s, d);
            },
            0.1));
      }
      return out;
    }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> gat_layer_infos() {
  return {&gat_layer};
}

}  // namespace attend
