// Graph-attention ops: edge_softmax, edge_aggregate, gat_edge_score, gatv2_edge_score. Forward
// values against per-node loops written here (in double) on a small graph with repeated edges, a
// self loop, nodes with one in-edge, a node with no in-edges and a fully isolated node; the three
// ops chained as the GAT layer chains them against finite differences; errors for bad shapes and
// node ids; memory that stays O(E), never O(N^2). Each op's own finite-difference checks are its
// descriptor's samples (autograd/ops_graph.cpp), on the same graph.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "test_util.h"

using namespace attend;
using attend::test::expect_shape_error;
using attend::test::param;

namespace {

// The graph of the ops' samples (autograd/sample_inputs.h), src -> dst, N = 7: repeated edges
// (2 -> 1 twice), a self loop (3 -> 3), nodes with one in-edge (2, 6), a node without in-edges (4)
// and an isolated node (5).
using namespace attend::sample_graph;

double leaky(double z, double slope) {
  return z > 0 ? z : z * slope;
}

// Reference softmax over the in-edges of each node, in double.
std::vector<double> ref_edge_softmax(const Tensor& scores, int64_t H) {
  std::vector<double> out(kE * H);
  for (int64_t v = 0; v < kN; ++v)
    for (int64_t h = 0; h < H; ++h) {
      double m = -INFINITY, s = 0;
      for (int64_t e = 0; e < kE; ++e)
        if (kDst[e] == v) m = std::max<double>(m, scores.data()[e * H + h]);
      for (int64_t e = 0; e < kE; ++e)
        if (kDst[e] == v) s += std::exp(scores.data()[e * H + h] - m);
      for (int64_t e = 0; e < kE; ++e)
        if (kDst[e] == v) out[e * H + h] = std::exp(scores.data()[e * H + h] - m) / s;
    }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_graph)

// --- edge_softmax --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(edge_softmax_matches_per_node_softmax) {
  const int64_t H = 3;
  Tensor s = param({kE, H}, 11, -3.0f, 3.0f);
  Tensor a = edge_softmax(s, dst_t(), kN);
  BOOST_REQUIRE(a.shape() == (Shape{kE, H}));
  std::vector<double> ref = ref_edge_softmax(s, H);
  for (int64_t i = 0; i < kE * H; ++i) BOOST_CHECK_CLOSE(a.data()[i], ref[i], 1e-3);
  // Sums to one over every node's in-edges; the single in-edges of nodes 2 and 6 get weight 1.
  for (int64_t v : {0, 1, 2, 3, 6})
    for (int64_t h = 0; h < H; ++h) {
      double t = 0;
      for (int64_t e = 0; e < kE; ++e)
        if (kDst[e] == v) t += a.data()[e * H + h];
      BOOST_CHECK_CLOSE(t, 1.0, 1e-4);
    }
  BOOST_CHECK_EQUAL(a.data()[4 * H], 1.0f);
  BOOST_CHECK_EQUAL(a.data()[10 * H + 2], 1.0f);
}

BOOST_AUTO_TEST_CASE(edge_softmax_repeated_edges_count_twice) {
  // Node 1 has in-edges with scores (0, 0, 0, log 2) per head: the repeated edge 2 -> 1 is two
  // entries, so weights are 1/5, 1/5, 1/5, 2/5.
  Tensor s = zeros({kE, 1});
  s.data()[3] = std::log(2.0f);
  Tensor a = edge_softmax(s, dst_t(), kN);
  for (int e : {0, 1, 2}) BOOST_CHECK_CLOSE(a.data()[e], 0.2f, 1e-4);
  BOOST_CHECK_CLOSE(a.data()[3], 0.4f, 1e-4);
}

BOOST_AUTO_TEST_CASE(edge_softmax_is_stable_for_large_scores) {
  // Scores near +-1e4 overflow exp() without the per-node maximum; all results must stay finite.
  Tensor s = param({kE, 2}, 12, -1.0f, 1.0f);
  for (int64_t i = 0; i < s.numel(); ++i) s.data()[i] = s.data()[i] * 1e4f + (i % 2 ? 1e4f : -1e4f);
  Tensor a = edge_softmax(s.detach(), dst_t(), kN);
  std::vector<double> ref = ref_edge_softmax(s, 2);
  for (int64_t i = 0; i < a.numel(); ++i) {
    BOOST_REQUIRE(std::isfinite(a.data()[i]));
    BOOST_CHECK_SMALL(a.data()[i] - ref[i], 1e-5);
  }
}

BOOST_AUTO_TEST_CASE(edge_softmax_backward_sums_to_zero_per_node) {
  // Softmax is invariant to adding a constant to a node's scores, so each node's gradient sums
  // to zero over its in-edges (a property the gradcheck's random cotangent checks only loosely).
  Tensor s = param({kE, 2}, 15);
  Tensor a = edge_softmax(s, dst_t(), kN);
  Generator g(3);
  a.backward(randn({kE, 2}, g));
  for (int64_t v : {0, 1, 3})
    for (int64_t h = 0; h < 2; ++h) {
      double t = 0;
      for (int64_t e = 0; e < kE; ++e)
        if (kDst[e] == v) t += s.grad().data()[e * 2 + h];
      BOOST_CHECK_SMALL(t, 1e-5);
    }
  // Single in-edges: weight is constantly 1, so no gradient.
  BOOST_CHECK_SMALL(s.grad().data()[4 * 2], 1e-7f);
}

// --- edge_aggregate ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(edge_aggregate_matches_loop) {
  const int64_t H = 2, F = 3;
  Tensor alpha = param({kE, H}, 21), x = param({kN, H, F}, 22);
  Tensor out = edge_aggregate(alpha, x, src_t(), dst_t());
  BOOST_REQUIRE(out.shape() == (Shape{kN, H, F}));
  for (int64_t v = 0; v < kN; ++v)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t f = 0; f < F; ++f) {
        double r = 0;
        for (int64_t e = 0; e < kE; ++e)
          if (kDst[e] == v)
            r += static_cast<double>(alpha.data()[e * H + h]) * x.data()[(kSrc[e] * H + h) * F + f];
        BOOST_CHECK_SMALL(out.data()[(v * H + h) * F + f] - r, 1e-5);
      }
  // Nodes 4 and 5 receive nothing.
  for (int64_t j = 0; j < H * F; ++j) {
    BOOST_CHECK_EQUAL(out.data()[4 * H * F + j], 0.0f);
    BOOST_CHECK_EQUAL(out.data()[5 * H * F + j], 0.0f);
  }
}

BOOST_AUTO_TEST_CASE(edge_aggregate_bipartite_num_nodes) {
  // 7 source nodes, 9 destination nodes: the output has 9 rows, rows without in-edges are zero.
  Tensor s = src_t(), d = dst_t();
  Tensor out = edge_aggregate(param({kE, 1}, 29), param({kN, 1, 2}, 30), s, d, 9);
  BOOST_CHECK(out.shape() == (Shape{9, 1, 2}));
  BOOST_CHECK_EQUAL(out.data()[8 * 2], 0.0f);
}

// --- gat_edge_score ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(gat_edge_score_matches_loop) {
  const int64_t H = 3;
  Tensor as = param({kN, H}, 41), ad = param({kN, H}, 42);
  Tensor e = gat_edge_score(as, ad, src_t(), dst_t(), 0.2f);
  BOOST_REQUIRE(e.shape() == (Shape{kE, H}));
  for (int64_t k = 0; k < kE; ++k)
    for (int64_t h = 0; h < H; ++h) {
      const double z = static_cast<double>(as.data()[kSrc[k] * H + h]) + ad.data()[kDst[k] * H + h];
      BOOST_CHECK_SMALL(e.data()[k * H + h] - leaky(z, 0.2), 1e-6);
    }
}

BOOST_AUTO_TEST_CASE(gatv2_edge_score_matches_loop) {
  const int64_t H = 2, F = 3;
  Tensor xs = param({kN, H, F}, 51), xd = param({kN, H, F}, 52), att = param({1, H, F}, 53);
  Tensor e = gatv2_edge_score(xs, xd, att, src_t(), dst_t(), 0.2f);
  BOOST_REQUIRE(e.shape() == (Shape{kE, H}));
  for (int64_t k = 0; k < kE; ++k)
    for (int64_t h = 0; h < H; ++h) {
      double r = 0;
      for (int64_t f = 0; f < F; ++f)
        r += att.data()[h * F + f] *
             leaky(static_cast<double>(xs.data()[(kSrc[k] * H + h) * F + f]) +
                       xd.data()[(kDst[k] * H + h) * F + f],
                   0.2);
      BOOST_CHECK_SMALL(e.data()[k * H + h] - r, 1e-5);
    }
  // att given as [H, F] is the same.
  Tensor e2 = gatv2_edge_score(xs, xd, reshape(att, {H, F}), src_t(), dst_t(), 0.2f);
  attend::test::check_close(e2, e, 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(gat_pipeline_gradcheck) {
  // score -> softmax -> aggregate, as the layer chains them; features also feed the scores.
  Tensor s = src_t(), d = dst_t();
  auto [as, ad] = edge_terms_away_from_kink({kN, 2}, kSrc, kDst, 0.05f, 5000);
  ATTEND_CHECK_GRAD(([s, d](const std::vector<Tensor>& in) {
                      Tensor alpha = edge_softmax(gat_edge_score(in[0], in[1], s, d), d, kN);
                      return edge_aggregate(alpha, in[2], s, d);
                    }),
                    (std::vector<Tensor>{as, ad, param({kN, 2, 3}, 61)}));
}

BOOST_AUTO_TEST_CASE(no_graph_under_no_grad_and_without_grad_inputs) {
  Tensor x = param({kN, 2, 3}, 71), alpha = param({kE, 2}, 72);
  {
    NoGradGuard ng;
    BOOST_CHECK(!edge_aggregate(alpha, x, src_t(), dst_t()).requires_grad());
    BOOST_CHECK(!edge_softmax(alpha, dst_t(), kN).requires_grad());
  }
  BOOST_CHECK(!edge_softmax(alpha.detach(), dst_t(), kN).requires_grad());
  BOOST_CHECK(edge_softmax(alpha, dst_t(), kN).requires_grad());
}

BOOST_AUTO_TEST_CASE(empty_edge_list) {
  Tensor none = from_indices({}, {0});
  Tensor out = edge_aggregate(zeros({0, 2}), param({kN, 2, 3}, 81), none, none);
  BOOST_CHECK(out.shape() == (Shape{kN, 2, 3}));
  for (int64_t i = 0; i < out.numel(); ++i) BOOST_CHECK_EQUAL(out.data()[i], 0.0f);
  BOOST_CHECK(edge_softmax(zeros({0, 2}), none, kN).shape() == (Shape{0, 2}));
}

// --- errors --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(bad_node_ids_are_rejected) {
  Tensor x = param({kN, 2, 3}, 91), alpha = param({kE, 2}, 92), as = param({kN, 2}, 93);
  for (auto [v, what] : std::vector<std::pair<float, std::string>>{{7.0f, "id == N"},
                                                                   {12.0f, "id > N"},
                                                                   {-1.0f, "negative id"},
                                                                   {2.5f, "non-integer id"},
                                                                   {NAN, "NaN id"}}) {
    Tensor bad = dst_t().detach().clone();
    bad.data()[5] = v;
    expect_shape_error([&] { edge_softmax(alpha, bad, kN); }, {"edge_softmax", "dst[5]", "[0, 7)"},
                       "edge_softmax, " + what);
    expect_shape_error([&] { edge_aggregate(alpha, x, src_t(), bad); },
                       {"edge_aggregate", "dst[5]"}, "edge_aggregate dst, " + what);
    expect_shape_error([&] { edge_aggregate(alpha, x, bad, dst_t()); },
                       {"edge_aggregate", "src[5]"}, "edge_aggregate src, " + what);
    expect_shape_error([&] { gat_edge_score(as, as, bad, dst_t()); }, {"gat_edge_score", "src[5]"},
                       "gat_edge_score, " + what);
    expect_shape_error(
        [&] {
          gatv2_edge_score(x, x, param({2, 3}, 1), src_t(), bad);
        },
        {"gatv2_edge_score", "dst[5]"}, "gatv2_edge_score, " + what);
  }
  // Destination ids are checked against num_nodes, not the features' rows.
  expect_shape_error([&] { edge_aggregate(alpha, x, src_t(), dst_t(), 5); },
                     {"edge_aggregate", "dst[", "[0, 5)"}, "edge_aggregate num_nodes 5");
  expect_shape_error([&] { edge_softmax(alpha, dst_t(), 6); }, {"edge_softmax", "dst[10]"},
                     "edge_softmax num_nodes 6");
}

BOOST_AUTO_TEST_CASE(bad_shapes_are_rejected) {
  Tensor x = param({kN, 2, 3}, 101), alpha = param({kE, 2}, 102), as = param({kN, 2}, 103);
  Tensor short_dst = from_indices({0, 1, 2}, {3});
  expect_shape_error([&] { edge_softmax(alpha, short_dst, kN); },
                     {"edge_softmax", "[11, 2]", "[3]"}, "edge_softmax short dst");
  expect_shape_error(
      [&] {
        edge_softmax(alpha, reshape(dst_t(), {11, 1}), kN);
      },
      {"edge_softmax", "[11, 1]"}, "edge_softmax 2-D dst");
  expect_shape_error(
      [&] {
        edge_aggregate(param({kE, 3}, 1), x, src_t(), dst_t());
      },
      {"edge_aggregate", "[11, 3]", "[7, 2, 3]"}, "edge_aggregate head mismatch");
  expect_shape_error(
      [&] {
        edge_aggregate(alpha, param({kN, 6}, 1), src_t(), dst_t());
      },
      {"edge_aggregate", "[11, 2]", "[7, 6]"}, "edge_aggregate rank mismatch");
  expect_shape_error([&] { edge_aggregate(alpha, x, short_dst, dst_t()); },
                     {"edge_aggregate", "src", "[3]"}, "edge_aggregate short src");
  expect_shape_error(
      [&] {
        gat_edge_score(as, param({kN, 3}, 1), src_t(), dst_t());
      },
      {"gat_edge_score", "[7, 2]", "[7, 3]"}, "gat_edge_score head mismatch");
  expect_shape_error([&] { gat_edge_score(as, as, src_t(), short_dst); },
                     {"gat_edge_score", "dst", "[3]"}, "gat_edge_score short dst");
  expect_shape_error(
      [&] {
        gatv2_edge_score(x, x, param({3, 2}, 1), src_t(), dst_t());
      },
      {"gatv2_edge_score", "[3, 2]", "[1, 2, 3]"}, "gatv2_edge_score att shape");
  expect_shape_error(
      [&] {
        gatv2_edge_score(x, param({kN, 2, 4}, 1), param({2, 3}, 1), src_t(), dst_t());
      },
      {"gatv2_edge_score", "[7, 2, 3]", "[7, 2, 4]"}, "gatv2_edge_score x mismatch");
  expect_shape_error(
      [&] {
        gatv2_edge_score(as, as, param({2, 3}, 1), src_t(), dst_t());
      },
      {"gatv2_edge_score", "[7, 2]"}, "gatv2_edge_score 2-D x");
}

// --- memory --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(memory_is_linear_in_edges) {
  // 40,000 nodes: an N x N float matrix would be 6.4 GB. Forward and backward of the whole
  // pipeline must stay within a small multiple of the E x H x F-sized tensors (a few MB).
  const int64_t N = 40000, E = 200000, H = 4, F = 4;
  Generator g(5);
  std::vector<int64_t> s(E), d(E);
  for (int64_t e = 0; e < E; ++e) {
    s[e] = static_cast<int64_t>(g.randint(N));
    d[e] = static_cast<int64_t>(g.randint(N));
  }
  Tensor src = from_indices(s, {E}), dst = from_indices(d, {E});
  Tensor as = param({N, H}, 111), ad = param({N, H}, 112), x = param({N, H, F}, 113);
  reset_peak_memory();
  const int64_t before = memory_stats().live_bytes;
  Tensor out = edge_aggregate(edge_softmax(gat_edge_score(as, ad, src, dst), dst, N), x, src, dst);
  sum(out).backward();
  const int64_t peak = memory_stats().peak_bytes - before;
  BOOST_TEST_MESSAGE("edge ops, N=" << N << " E=" << E << ": peak " << peak / 1e6 << " MB");
  BOOST_CHECK_LT(peak, 64ll << 20);
  BOOST_CHECK(as.grad().defined() && ad.grad().defined() && x.grad().defined());
}

BOOST_AUTO_TEST_SUITE_END()
