// GATLayer (GAT and GATv2, concat and mean heads) against a dense reference written here from
// basic attend ops — an N x N score matrix per head, -inf where there is no edge, softmax over
// each row — on a small graph: outputs and every parameter's gradient must agree. Also: gradcheck
// with respect to the input, parameter names/shapes/initialisation, attention coefficients,
// dropout (seeded, train only), errors, and a 50,000-node, 500,000-edge graph forward and
// backward within 2 GiB. Its checks against finite differences are the layer's samples
// (layers/gat.cpp).
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "layers/gat.h"
#include "test_util.h"

using namespace attend;
using attend::test::check_close;

namespace {

// Small graph for the dense comparison, src -> dst, N = 6. No repeated edges (a dense adjacency
// cannot hold them); one self loop (3 -> 3) that the layer replaces by its own; node 5 has no
// in-edges but its self loop; node 2 has one in-edge.
constexpr int64_t kN = 6;
const std::vector<int64_t> kSrc = {0, 2, 3, 1, 0, 4, 3, 2, 1, 5, 4};
const std::vector<int64_t> kDst = {1, 1, 1, 2, 3, 3, 3, 0, 0, 4, 0};
const int64_t kE = static_cast<int64_t>(kSrc.size());

Tensor src_t() {
  return from_indices(kSrc, {kE});
}
Tensor dst_t() {
  return from_indices(kDst, {kE});
}

// Additive mask [N, N]: 0 where node i receives from node j (an edge j -> i, or i == j when
// self_loops), -inf elsewhere.
Tensor dense_mask(bool self_loops) {
  Tensor m = full({kN, kN}, -std::numeric_limits<float>::infinity());
  for (int64_t e = 0; e < kE; ++e)
    if (kSrc[e] != kDst[e] || !self_loops) m.data()[kDst[e] * kN + kSrc[e]] = 0.0f;
  if (self_loops)
    for (int64_t i = 0; i < kN; ++i) m.data()[i * kN + i] = 0.0f;
  return m;
}

// Fresh leaves with the layer's parameter values, by name.
std::map<std::string, Tensor> copy_params(const Module& m) {
  std::map<std::string, Tensor> p;
  for (auto& [name, t] : m.named_parameters()) {
    Tensor c = t.detach().clone();
    c.requires_grad_();
    p[name] = c;
  }
  return p;
}

// The dense GAT / GATv2 layer: [H, N, N] scores, masked softmax over j, matmul with messages.
Tensor dense_gat(const Tensor& x, std::map<std::string, Tensor>& p, const GATOptions& o,
                 const Tensor& mask) {
  const int64_t N = x.size(0), H = o.heads, F = o.out_features;
  Tensor msg;     // [N, H, F]: what each source sends
  Tensor scores;  // [H, N(dst i), N(src j)]
  if (!o.v2) {
    msg = reshape(linear(x, p.at("lin.weight")), {N, H, F});
    Tensor a_s = transpose(sum(msg * p.at("att_src"), -1), 0, 1);  // [H, N]
    Tensor a_d = transpose(sum(msg * p.at("att_dst"), -1), 0, 1);
    scores = leaky_relu(unsqueeze(a_d, 2) + unsqueeze(a_s, 1), o.negative_slope);
  } else {
    auto get = [&p](const std::string& n) { return p.count(n) ? p.at(n) : Tensor(); };
    msg = reshape(linear(x, p.at("lin_src.weight"), get("lin_src.bias")), {N, H, F});
    Tensor tgt = reshape(linear(x, p.at("lin_dst.weight"), get("lin_dst.bias")), {N, H, F});
    // z[i, j] = W_t h_i + W_s h_j : [N, N, H, F]
    Tensor z = leaky_relu(unsqueeze(tgt, 1) + unsqueeze(msg, 0), o.negative_slope);
    scores = permute(sum(z * p.at("att"), -1), {2, 0, 1});  // [N, N, H] -> [H, N, N]
  }
  Tensor alpha = softmax(scores + mask, -1);            // [H, N, N]
  Tensor out = matmul(alpha, permute(msg, {1, 0, 2}));  // [H, N, F]
  out = permute(out, {1, 0, 2});                        // [N, H, F]
  out = o.concat ? reshape(out, {N, H * F}) : mean(out, 1);
  return p.count("bias") ? out + p.at("bias") : out;
}

struct Case {
  bool v2, concat, self_loops, bias;
};

std::string name_of(const Case& c) {
  return std::string(c.v2 ? "GATv2" : "GAT") + (c.concat ? " concat" : " mean") +
         (c.self_loops ? " self-loops" : " no-self-loops") + (c.bias ? "" : " no-bias");
}

// Every node must have an in-edge for the dense softmax when self loops are off: adds 2 -> 5.
void edges_for(const Case& c, Tensor& src, Tensor& dst) {
  std::vector<int64_t> s = kSrc, d = kDst;
  if (!c.self_loops) {
    s.push_back(2);
    d.push_back(5);
  }
  src = from_indices(s, {static_cast<int64_t>(s.size())});
  dst = from_indices(d, {static_cast<int64_t>(d.size())});
}

Tensor dense_mask_for(const Case& c) {
  Tensor m = dense_mask(c.self_loops);
  if (!c.self_loops) m.data()[5 * kN + 2] = 0.0f;
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_gat)

BOOST_AUTO_TEST_CASE(matches_dense_reference_outputs_and_gradients) {
  // Tolerances: outputs atol 1e-5 + rtol 1e-4; gradients atol 1e-4 + rtol 1e-3 (float32, sums of
  // a few dozen terms taken in different orders).
  const std::vector<Case> cases = {{false, true, true, true},  {false, false, true, true},
                                   {true, true, true, true},   {true, false, true, true},
                                   {false, true, false, true}, {true, false, false, false}};
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(name_of(c)) {
      GATOptions o{.in_features = 5,
                   .out_features = 3,
                   .heads = 4,
                   .concat = c.concat,
                   .add_self_loops = c.self_loops,
                   .bias = c.bias,
                   .v2 = c.v2};
      Generator gen(7);
      GATLayer layer(o, gen);
      // Non-zero biases so their gradients and broadcasting are exercised.
      for (auto& [n, t] : layer.named_parameters())
        if (n.find("bias") != std::string::npos) {
          Generator bg(n.size());
          Tensor v = uniform(t.shape(), -0.5f, 0.5f, bg);
          copy_(t, v);
        }
      Generator xg(8);
      Tensor x = randn({kN, 5}, xg).requires_grad_();
      Tensor xd = x.detach().clone().requires_grad_();
      auto p = copy_params(layer);
      Tensor src, dst;
      edges_for(c, src, dst);

      Tensor out = layer.forward(x, src, dst);
      Tensor ref = dense_gat(xd, p, o, dense_mask_for(c));
      BOOST_REQUIRE(out.shape() == (Shape{kN, c.concat ? 12 : 3}));
      check_close(out, ref, 1e-5f, 1e-4f);

      Generator rg(9);
      Tensor r = randn(out.shape(), rg);
      sum(out * r).backward();
      sum(ref * r).backward();
      check_close(x.grad(), xd.grad(), 1e-4f, 1e-3f);
      int checked = 0;
      for (auto& [n, t] : layer.named_parameters()) {
        BOOST_TEST_CONTEXT("parameter " << n) {
          BOOST_REQUIRE(t.grad().defined());
          check_close(t.grad(), p.at(n).grad(), 1e-4f, 1e-3f);
          ++checked;
        }
      }
      BOOST_CHECK_EQUAL(checked, static_cast<int>(p.size()));
    }
  }
}

BOOST_AUTO_TEST_CASE(edge_index_overload_is_the_same) {
  Generator gen(1);
  GATLayer layer({.in_features = 5, .out_features = 3, .heads = 2}, gen);
  Generator xg(2);
  Tensor x = randn({kN, 5}, xg);
  Tensor ei = from_indices(
      [] {
        std::vector<int64_t> v = kSrc;
        v.insert(v.end(), kDst.begin(), kDst.end());
        return v;
      }(),
      {2, kE});
  check_close(layer.forward(x, ei), layer.forward(x, src_t(), dst_t()), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(parameter_names_shapes_and_glorot_init) {
  Generator gen(3);
  GATLayer v1({.in_features = 10, .out_features = 4, .heads = 3}, gen);
  std::vector<std::string> names;
  for (auto& [n, t] : v1.named_parameters()) names.push_back(n);
  std::vector<std::string> expect = {"att_src", "att_dst", "bias", "lin.weight"};
  BOOST_CHECK_EQUAL_COLLECTIONS(names.begin(), names.end(), expect.begin(), expect.end());
  auto sd = v1.state_dict();
  BOOST_CHECK(sd.at("lin.weight").shape() == (Shape{12, 10}));
  BOOST_CHECK(sd.at("att_src").shape() == (Shape{1, 3, 4}));
  BOOST_CHECK(sd.at("att_dst").shape() == (Shape{1, 3, 4}));
  BOOST_CHECK(sd.at("bias").shape() == (Shape{12}));
  // Glorot bounds sqrt(6 / (fan_in + fan_out)); the values fill most of the range.
  auto check_bound = [](const Tensor& t, float a) {
    float mx = 0;
    for (int64_t i = 0; i < t.numel(); ++i) mx = std::max(mx, std::fabs(t.data()[i]));
    BOOST_CHECK_LE(mx, a);
    BOOST_CHECK_GT(mx, 0.7f * a);
  };
  check_bound(sd.at("lin.weight"), std::sqrt(6.0f / 22.0f));
  check_bound(sd.at("att_src"), std::sqrt(6.0f / 7.0f));
  for (int64_t i = 0; i < 12; ++i) BOOST_CHECK_EQUAL(sd.at("bias").data()[i], 0.0f);

  GATLayer v2({.in_features = 10, .out_features = 4, .heads = 3, .concat = false, .v2 = true}, gen);
  names.clear();
  for (auto& [n, t] : v2.named_parameters()) names.push_back(n);
  expect = {"att", "bias", "lin_src.weight", "lin_src.bias", "lin_dst.weight", "lin_dst.bias"};
  BOOST_CHECK_EQUAL_COLLECTIONS(names.begin(), names.end(), expect.begin(), expect.end());
  auto sd2 = v2.state_dict();
  BOOST_CHECK(sd2.at("bias").shape() == (Shape{4}));
  BOOST_CHECK(sd2.at("att").shape() == (Shape{1, 3, 4}));
  check_bound(sd2.at("lin_dst.weight"), std::sqrt(6.0f / 22.0f));

  GATLayer nb({.in_features = 2, .out_features = 2, .bias = false, .v2 = true}, gen);
  BOOST_CHECK_EQUAL(nb.named_parameters().size(), 3u);  // lin_src.weight, lin_dst.weight, att
  // Same seed, same parameters.
  Generator g1(5), g2(5);
  GATLayer a({.in_features = 3, .out_features = 2, .heads = 2}, g1),
      b({.in_features = 3, .out_features = 2, .heads = 2}, g2);
  check_close(a.lin->weight, b.lin->weight, 0.0f, 0.0f);
  BOOST_TEST_MESSAGE(v1);
}

BOOST_AUTO_TEST_CASE(attention_coefficients_cover_edges_and_self_loops) {
  Generator gen(4);
  GATLayer layer({.in_features = 5, .out_features = 2, .heads = 3}, gen);
  Generator xg(5);
  auto res = layer.forward_with_attention(randn({kN, 5}, xg), src_t(), dst_t());
  const int64_t Ep = kE - 1 + kN;  // the input's self loop 3 -> 3 is replaced
  BOOST_REQUIRE(res.attention.shape() == (Shape{Ep, 3}));
  BOOST_REQUIRE(res.src.shape() == (Shape{Ep}) && res.dst.shape() == (Shape{Ep}));
  // Loops last, in node order; the other edges keep their order.
  for (int64_t i = 0; i < kN; ++i) {
    BOOST_CHECK_EQUAL(res.src.data()[kE - 1 + i], static_cast<float>(i));
    BOOST_CHECK_EQUAL(res.dst.data()[kE - 1 + i], static_cast<float>(i));
  }
  BOOST_CHECK_EQUAL(res.src.data()[6], 2.0f);  // edge 7 (2 -> 0) after dropping edge 6 (3 -> 3)
  // Each node's coefficients sum to one per head; node 5 (only its loop) gets exactly 1.
  for (int64_t v = 0; v < kN; ++v)
    for (int64_t h = 0; h < 3; ++h) {
      double t = 0;
      for (int64_t e = 0; e < Ep; ++e)
        if (res.dst.data()[e] == static_cast<float>(v)) t += res.attention.data()[e * 3 + h];
      BOOST_CHECK_CLOSE(t, 1.0, 1e-4);
    }
  BOOST_CHECK_EQUAL(res.attention.data()[(Ep - 1) * 3], 1.0f);

  // with_self_loops on its own, and without self loops the edge list is the input's.
  auto [s2, d2] =
      GATLayer::with_self_loops(from_indices({1, 1}, {2}), from_indices({1, 0}, {2}), 3);
  check_close(s2, from_vector({1, 0, 1, 2}), 0.0f, 0.0f);
  check_close(d2, from_vector({0, 0, 1, 2}), 0.0f, 0.0f);
  GATLayer plain({.in_features = 5, .out_features = 2, .add_self_loops = false}, gen);
  Generator xg2(5);
  BOOST_CHECK(
      plain.forward_with_attention(randn({kN, 5}, xg2), src_t(), dst_t()).attention.shape() ==
      (Shape{kE, 1}));
}

namespace {

// 2 heads of 3 features over 5 inputs, with input and attention dropout: the dropout tests' layer.
GATOptions with_dropout(bool v2) {
  return {.in_features = 5,
          .out_features = 3,
          .heads = 2,
          .dropout = 0.5f,
          .input_dropout = 0.3f,
          .v2 = v2};
}

}  // namespace

BOOST_AUTO_TEST_CASE(dropout_is_seeded_and_off_in_eval) {
  for (bool v2 : {false, true}) {
    BOOST_TEST_CONTEXT((v2 ? "GATv2" : "GAT")) {
      const GATOptions o = with_dropout(v2);
      auto make = [&](uint64_t dropout_seed) {
        Generator gen(11);
        return std::make_shared<GATLayer>(o, gen, std::make_shared<Generator>(dropout_seed));
      };
      GATOptions o_nodrop = o;
      o_nodrop.dropout = o_nodrop.input_dropout = 0.0f;
      Generator gen(11);
      GATLayer reference(o_nodrop, gen);  // same parameters, no dropout
      Generator xg(12);
      Tensor x = randn({kN, 5}, xg);
      auto a = make(100), b = make(100), c = make(200);
      Tensor ya = a->forward(x, src_t(), dst_t()), yb = b->forward(x, src_t(), dst_t());
      check_close(ya, yb, 0.0f, 0.0f);  // same seed: bit-identical
      Tensor yc = c->forward(x, src_t(), dst_t());
      Tensor y_ref = reference.forward(x, src_t(), dst_t());
      double diff_seed = 0, diff_ref = 0;
      for (int64_t i = 0; i < ya.numel(); ++i) {
        diff_seed += std::fabs(ya.data()[i] - yc.data()[i]);
        diff_ref += std::fabs(ya.data()[i] - y_ref.data()[i]);
      }
      BOOST_CHECK_GT(diff_seed, 1e-3);  // another seed, other masks
      BOOST_CHECK_GT(diff_ref, 1e-3);   // dropout is on in train()
      // A second call draws new masks.
      Tensor ya2 = a->forward(x, src_t(), dst_t());
      double diff_call = 0;
      for (int64_t i = 0; i < ya.numel(); ++i) diff_call += std::fabs(ya.data()[i] - ya2.data()[i]);
      BOOST_CHECK_GT(diff_call, 1e-3);
      // eval(): the dropout-free layer's output, every call.
      a->eval();
      check_close(a->forward(x, src_t(), dst_t()), y_ref, 0.0f, 0.0f);
      check_close(a->forward(x, src_t(), dst_t()), y_ref, 0.0f, 0.0f);
      // Gradients flow through the dropped coefficients in train().
      a->train();
      Tensor xg_in = x.detach().clone().requires_grad_();
      sum(a->forward(xg_in, src_t(), dst_t())).backward();
      BOOST_CHECK(xg_in.grad().defined());
    }
  }
  // Attention dropout alone: the coefficients returned are those before dropout (rows sum to 1)
  // while the output changes.
  Generator gen(13);
  GATLayer l({.in_features = 5, .out_features = 3, .heads = 2, .dropout = 0.6f}, gen,
             std::make_shared<Generator>(1));
  Generator xg(14);
  auto res = l.forward_with_attention(randn({kN, 5}, xg), src_t(), dst_t());
  double t = 0;
  for (int64_t e = 0; e < res.attention.size(0); ++e)
    if (res.dst.data()[e] == 1.0f) t += res.attention.data()[e * 2];
  BOOST_CHECK_CLOSE(t, 1.0, 1e-4);
}

// value_dropout (the released GAT code's dropout of W h before aggregation) changes what is
// aggregated, not the scores: with the same input and attention masks the coefficients agree
// exactly, the outputs do not, and eval() turns it off.
BOOST_AUTO_TEST_CASE(value_dropout_drops_the_aggregated_features_not_the_scores) {
  for (bool v2 : {false, true}) {
    BOOST_TEST_CONTEXT((v2 ? "GATv2" : "GAT")) {
      const GATOptions o = with_dropout(v2);
      GATOptions ov = o;
      ov.value_dropout = 0.6f;
      Generator g1(15), g2(15);
      GATLayer plain(o, g1, std::make_shared<Generator>(3));
      GATLayer dropped(ov, g2, std::make_shared<Generator>(3));
      Generator xg(16);
      const Tensor x = randn({kN, 5}, xg);
      // The value masks are drawn after the input and attention masks: both layers' first draws
      // are the same.
      auto a = plain.forward_with_attention(x, src_t(), dst_t());
      auto b = dropped.forward_with_attention(x, src_t(), dst_t());
      check_close(b.attention, a.attention, 0.0f, 0.0f);
      BOOST_CHECK_GT(max(abs(b.output - a.output)).item(), 1e-3f);
      plain.eval();
      dropped.eval();
      check_close(dropped.forward(x, src_t(), dst_t()), plain.forward(x, src_t(), dst_t()), 0.0f,
                  0.0f);
    }
  }
}

BOOST_AUTO_TEST_CASE(errors_name_the_problem) {
  Generator gen(1);
  BOOST_CHECK_THROW(GATLayer({.in_features = 0, .out_features = 2}, gen), std::invalid_argument);
  BOOST_CHECK_THROW(GATLayer({.in_features = 2, .out_features = 2, .dropout = 0.5f}, gen),
                    std::invalid_argument);  // no generator
  BOOST_CHECK_THROW(GATLayer({.in_features = 2, .out_features = 2, .dropout = 1.5f}, gen,
                             std::make_shared<Generator>(0)),
                    std::invalid_argument);
  GATLayer layer({.in_features = 5, .out_features = 2}, gen);
  Generator xg(2);
  Tensor x = randn({kN, 5}, xg);
  auto expect = [](const std::function<void()>& f, const std::string& part) {
    try {
      f();
      BOOST_ERROR("no exception (expected one mentioning '" << part << "')");
    } catch (const ShapeError& e) {
      BOOST_CHECK_MESSAGE(std::string(e.what()).find(part) != std::string::npos,
                          "message lacks '" << part << "': " << e.what());
    }
  };
  expect([&] { layer.forward(randn({kN, 4}, xg), src_t(), dst_t()); }, "[6, 4]");
  Tensor bad = dst_t().detach().clone();
  bad.data()[3] = 6.0f;
  expect([&] { layer.forward(x, src_t(), bad); }, "dst[3]");
  expect([&] { layer.forward(x, from_indices({0, 1}, {2}), dst_t()); }, "equal length");
  expect([&] { layer.forward(x, from_indices({0, 1, 2}, {3})); }, "[2, E]");
}

BOOST_AUTO_TEST_CASE(large_graph_fits_in_memory) {
  // 50,000 nodes, 500,000 random edges (+ 50,000 self loops): a dense [heads, N, N] score matrix
  // would take 20 GB; the edge-list layer must run forward and backward within 2 GiB.
  const int64_t N = 50000, E = 500000, D = 16;
  Generator g(17);
  std::vector<int64_t> s(E), d(E);
  for (int64_t e = 0; e < E; ++e) {
    s[e] = static_cast<int64_t>(g.randint(N));
    d[e] = static_cast<int64_t>(g.randint(N));
  }
  Tensor src = from_indices(s, {E}), dst = from_indices(d, {E});
  Tensor x = randn({N, D}, g);
  for (bool v2 : {false, true}) {
    Generator gen(18);
    GATLayer layer({.in_features = D, .out_features = 8, .heads = 2, .dropout = 0.1f, .v2 = v2},
                   gen, std::make_shared<Generator>(19));
    reset_peak_memory();
    const auto t0 = std::chrono::steady_clock::now();
    Tensor out = layer.forward(x, src, dst);
    const auto t1 = std::chrono::steady_clock::now();
    sum(out).backward();
    const auto t2 = std::chrono::steady_clock::now();
    const int64_t peak = memory_stats().peak_bytes;
    auto ms = [](auto a, auto b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };
    BOOST_TEST_MESSAGE((v2 ? "GATv2" : "GAT")
                       << " N=" << N << " E=" << E << " in=" << D << " heads=2 F=8: forward "
                       << ms(t0, t1) << " ms, backward " << ms(t1, t2) << " ms, peak "
                       << peak / (1024.0 * 1024.0) << " MiB");
    BOOST_CHECK(out.shape() == (Shape{N, 16}));
    BOOST_CHECK_LT(peak, 2ll << 30);
    for (auto& [n, t] : layer.named_parameters()) {
      BOOST_REQUIRE_MESSAGE(t.grad().defined(), n << " has no gradient");
      for (int64_t i = 0; i < t.grad().numel(); ++i)
        BOOST_REQUIRE_MESSAGE(std::isfinite(t.grad().data()[i]), n << " has a non-finite gradient");
    }
  }
}

BOOST_AUTO_TEST_CASE(cora_sized_step_timing) {
  // Cora's shape (2,708 nodes, 10,556 directed edges, 1,433 features) through an 8-head layer:
  // prints the time of one forward + backward; checks only that it runs and is finite.
  const int64_t N = 2708, E = 10556, D = 1433;
  Generator g(23);
  std::vector<int64_t> s(E), d(E);
  for (int64_t e = 0; e < E; ++e) {
    s[e] = static_cast<int64_t>(g.randint(N));
    d[e] = static_cast<int64_t>(g.randint(N));
  }
  Tensor src = from_indices(s, {E}), dst = from_indices(d, {E});
  Tensor x = rand({N, D}, g);
  Generator gen(24);
  GATLayer layer(
      {.in_features = D, .out_features = 8, .heads = 8, .dropout = 0.6f, .input_dropout = 0.6f},
      gen, std::make_shared<Generator>(25));
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    layer.zero_grad();
    const auto t0 = std::chrono::steady_clock::now();
    Tensor out = layer.forward(x, src, dst);
    sum(out).backward();
    best = std::min(
        best,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    BOOST_REQUIRE(std::isfinite(sum(out).item()));
  }
  BOOST_TEST_MESSAGE("Cora-sized GAT layer (8 heads x 8): forward + backward " << best << " ms");
}

BOOST_AUTO_TEST_SUITE_END()
