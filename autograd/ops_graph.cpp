// Graph-attention ops over an edge list: edge softmax, neighbourhood aggregation and the GAT /
// GATv2 edge logits. Each is one pass (or three, for the softmax) over the edges with raw
// pointers; per-node scratch is [N, H], never [N, N]. Index tensors are read once per call into
// int32 vectors that the backward closure keeps (E * 4 bytes each).
//   E = edges, N = source nodes, M = destination nodes, H = heads, F = features per head
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "autograd/creation.h"
#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/sample_inputs.h"

namespace attend {

using Grads = std::vector<Tensor>;

namespace {

using Index = std::vector<int32_t>;

// Reads an edge index tensor (1-D, num_edges entries, whole numbers in [0, limit)) with an error
// that names the op, the tensor (src or dst), the edge and the offending value.
Index read_edge_index(const Tensor& index, int64_t num_edges, int64_t limit, const char* op,
                      const char* which) {
  if (!index.defined() || index.ndim() != 1 || index.numel() != num_edges)
    throw ShapeError(std::string(op) + ": " + which + " must be a 1-D index tensor of " +
                     std::to_string(num_edges) + " edges, got shape " +
                     (index.defined() ? index.shape().str() : std::string("undefined")));
  if (limit > std::numeric_limits<int32_t>::max())
    throw ShapeError(std::string(op) + ": " + std::to_string(limit) +
                     " nodes exceed the supported maximum of 2^31 - 1");
  Index out(static_cast<size_t>(num_edges));
  const float* p = index.data();
  const float lim = static_cast<float>(limit);
  // The conversion loop does not throw (it stays tight); a second pass finds the first bad id
  // only when there is one.
  bool bad = false;
  for (int64_t e = 0; e < num_edges; ++e) {
    const float v = p[e];
    const bool ok = v >= 0.0f && v < lim && v == std::floor(v);
    bad |= !ok;
    out[e] = static_cast<int32_t>(ok ? v : 0.0f);
  }
  if (bad)
    for (int64_t e = 0; e < num_edges; ++e) {
      const float v = p[e];
      if (!(v >= 0.0f && v < lim && v == std::floor(v)))
        throw ShapeError(std::string(op) + ": " + which + "[" + std::to_string(e) +
                         "] = " + std::to_string(v) + " is not a node id (a whole number in [0, " +
                         std::to_string(limit) + "))");
    }
  return out;
}

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw ShapeError(std::string(op) + ": " + what);
}

// The dimensions after the first (the "heads" part of [E, H] or [N, H]).
Shape tail(const Shape& s) {
  Shape t = s;
  t.erase(0);
  return t;
}

// Edge loops read rows of node tensors in edge order, i.e. at random: fetch the rows kAhead
// edges ahead so the loads overlap (one prefetch per 64-byte line).
constexpr int64_t kAhead = 16;
inline void prefetch_row(const float* p, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) __builtin_prefetch(p + i);
}

// out[h * F + f] = v[h]: a per-head value spread over the head's features, so the loops over
// heads * features that use it run flat (and vectorise) whatever F is.
inline void expand_heads(const float* v, int64_t H, int64_t F, float* out) {
  for (int64_t h = 0; h < H; ++h)
    for (int64_t f = 0; f < F; ++f) out[h * F + f] = v[h];
}

// Branch-free LeakyReLU and its derivative (1 for z > 0, else slope, as PyTorch): edge logits
// have random signs, so a branch would mispredict half the time.
inline float leaky(float z, float slope) {
  return std::max(z, 0.0f) + slope * std::min(z, 0.0f);
}
inline float leaky_grad(float z, float slope) {
  return slope + (1.0f - slope) * static_cast<float>(z > 0.0f);
}

using namespace sample_graph;  // kN, kSrc, kDst, kE, src_t(), dst_t()

}  // namespace

// --- edge_softmax ------------------------------------------------------------------------------

// Scores [E, H] and [E]; no edges at all.
const OpInfo edge_softmax_op{
    .name = "edge_softmax", .samples = [] {
      const OpFn f = [d = dst_t()](const Inputs& x) { return edge_softmax(x[0], d, kN); };
      return std::vector<Sample>{
          {.name = "[E, 3]", .inputs = {make_input({kE, 3}, 13, -2.0f, 2.0f)}, .f = f},
          {.name = "[E]", .inputs = {make_input({kE}, 14, -2.0f, 2.0f)}, .f = f},
          {.name = "[E, 3], another draw",
           .inputs = {make_input({kE, 3}, 53, -2.0f, 2.0f)},
           .f = f},
          {.name = "no edges", .inputs = {make_input({0, 2}, 15)}, .f = [](const Inputs& x) {
             return edge_softmax(x[0], from_indices({}, {0}), kN);
           }}};
    }};

Tensor edge_softmax(const Tensor& scores, const Tensor& dst, int64_t num_nodes) {
  const char* op = edge_softmax_op.name;
  ProfileScope profile_scope(op);
  require(scores.defined() && scores.ndim() >= 1, op,
          "scores must be [E] or [E, heads], got " +
              (scores.defined() ? scores.shape().str() : std::string("undefined")));
  require(num_nodes >= 0, op, "num_nodes must be >= 0, got " + std::to_string(num_nodes));
  const int64_t E = scores.shape()[0];
  const int64_t H = E ? scores.numel() / E : tail(scores.shape()).numel();
  if (dst.defined() && dst.ndim() == 1 && dst.numel() != E)
    throw ShapeError(std::string(op) + ": scores of shape " + scores.shape().str() +
                     " need dst of shape [" + std::to_string(E) + "], got " + dst.shape().str());
  Index d = read_edge_index(dst, E, num_nodes, op, "dst");

  Tensor out = Tensor::empty(scores.shape());
  const float* ps = scores.data();
  float* po = out.data();
  const size_t NH = static_cast<size_t>(num_nodes * H);
  // 1. per-node, per-head maximum; 2. exponentials and their sums; 3. normalise.
  std::vector<float> mx(NH, -std::numeric_limits<float>::infinity());
  for (int64_t e = 0; e < E; ++e) {
    const float* s = ps + e * H;
    float* m = mx.data() + static_cast<int64_t>(d[e]) * H;
    for (int64_t h = 0; h < H; ++h) m[h] = std::max(m[h], s[h]);
  }
  // A node whose scores are all -inf keeps a finite shift (the result is 0/0 = NaN, as softmax).
  for (float& m : mx)
    if (m == -std::numeric_limits<float>::infinity()) m = 0.0f;
  std::vector<double> sums(NH, 0.0);
  for (int64_t e = 0; e < E; ++e) {
    const float* s = ps + e * H;
    float* o = po + e * H;
    const int64_t base = static_cast<int64_t>(d[e]) * H;
    for (int64_t h = 0; h < H; ++h) {
      o[h] = std::exp(s[h] - mx[base + h]);
      sums[base + h] += o[h];
    }
  }
  std::vector<float>& inv = mx;  // reuse the buffer
  for (size_t i = 0; i < NH; ++i) inv[i] = static_cast<float>(1.0 / sums[i]);
  for (int64_t e = 0; e < E; ++e) {
    float* o = po + e * H;
    const float* r = inv.data() + static_cast<int64_t>(d[e]) * H;
    for (int64_t h = 0; h < H; ++h) o[h] *= r[h];
  }

  // d scores[e] = alpha[e] * (g[e] - sum_{e' into dst[e]} g[e'] alpha[e'])
  return record(edge_softmax_op, out, {&scores},
                [alpha = out.detach(), d = std::move(d), E, H, NH](const Tensor& g) {
                  const float* pa = alpha.data();
                  const float* pg = g.data();
                  std::vector<double> dot(NH, 0.0);
                  for (int64_t e = 0; e < E; ++e) {
                    double* t = dot.data() + static_cast<int64_t>(d[e]) * H;
                    for (int64_t h = 0; h < H; ++h) t[h] += pg[e * H + h] * pa[e * H + h];
                  }
                  Tensor ds = Tensor::empty(alpha.shape());
                  float* pd = ds.data();
                  for (int64_t e = 0; e < E; ++e) {
                    const double* t = dot.data() + static_cast<int64_t>(d[e]) * H;
                    for (int64_t h = 0; h < H; ++h)
                      pd[e * H + h] = pa[e * H + h] * (pg[e * H + h] - static_cast<float>(t[h]));
                  }
                  return Grads{ds};
                });
}

// --- edge_aggregate ----------------------------------------------------------------------------

// alpha [E, H] with features [N, H, F], alpha [E] with [N, F], one input a constant, more
// destination nodes than sources (bipartite), no edges.
const OpInfo edge_aggregate_op{
    .name = "edge_aggregate", .samples = [] {
      const OpFn f = [s = src_t(), d = dst_t()](const Inputs& x) {
        return edge_aggregate(x[0], x[1], s, d);
      };
      return std::vector<Sample>{
          {.name = "[E, 2] with [N, 2, 3]",
           .inputs = {make_input({kE, 2}, 23), make_input({kN, 2, 3}, 24)},
           .f = f},
          {.name = "[E] with [N, 4]",
           .inputs = {make_input({kE}, 25), make_input({kN, 4}, 26)},
           .f = f},
          {.name = "constant [E, 2] with [N, 2, 3]",
           .inputs = {make_input({kE, 2}, 27).detach(), make_input({kN, 2, 3}, 28)},
           .f = f},
          {.name = "[E, 2] with [N, 2, 3], another draw",
           .inputs = {make_input({kE, 2}, 54), make_input({kN, 2, 3}, 55)},
           .f = f},
          {.name = "[E, 1] with [N, 1, 2] onto 9 nodes",
           .inputs = {make_input({kE, 1}, 31), make_input({kN, 1, 2}, 32)},
           .f = [s = src_t(),
                 d = dst_t()](const Inputs& x) { return edge_aggregate(x[0], x[1], s, d, 9); }},
          {.name = "no edges",
           .inputs = {make_input({0, 2}, 33), make_input({kN, 2, 3}, 81)},
           .f = [](const Inputs& x) {
             const Tensor none = from_indices({}, {0});
             return edge_aggregate(x[0], x[1], none, none);
           }}};
    }};

Tensor edge_aggregate(const Tensor& alpha, const Tensor& features, const Tensor& src,
                      const Tensor& dst, int64_t num_nodes) {
  const char* op = edge_aggregate_op.name;
  ProfileScope profile_scope(op);
  require(alpha.defined() && features.defined(), op, "alpha and features must be defined");
  // alpha [E, *heads] and features [N, *heads, F].
  bool ok = alpha.ndim() >= 1 && features.ndim() == alpha.ndim() + 1;
  for (int i = 1; ok && i < alpha.ndim(); ++i) ok = alpha.shape()[i] == features.shape()[i];
  require(ok, op,
          "alpha of shape " + alpha.shape().str() + " and features of shape " +
              features.shape().str() + " must be [E, heads] and [N, heads, F] (or [E] and [N, F])");
  const int64_t E = alpha.shape()[0], N = features.shape()[0];
  const int64_t F = features.shape().back();
  const int64_t H = tail(alpha.shape()).numel();
  const int64_t M = num_nodes < 0 ? N : num_nodes;
  Index s = read_edge_index(src, E, N, op, "src");
  Index d = read_edge_index(dst, E, M, op, "dst");

  Shape os = features.shape();
  os[0] = M;
  Tensor out = zeros(os);
  const float* pa = alpha.data();
  const float* px = features.data();
  float* po = out.data();
  const int64_t HF = H * F;
  std::vector<float> scratch(HF);  // alpha[e] repeated over each head's F features
  float* __restrict aexp = scratch.data();
  for (int64_t e = 0; e < E; ++e) {
    if (e + kAhead < E) {
      prefetch_row(px + static_cast<int64_t>(s[e + kAhead]) * HF, HF);
      prefetch_row(po + static_cast<int64_t>(d[e + kAhead]) * HF, HF);
    }
    const float* x = px + static_cast<int64_t>(s[e]) * HF;
    float* __restrict o = po + static_cast<int64_t>(d[e]) * HF;
    expand_heads(pa + e * H, H, F, aexp);
    for (int64_t j = 0; j < HF; ++j) o[j] += aexp[j] * x[j];
  }

  // d alpha[e, h] = <g[dst[e], h, :], features[src[e], h, :]>
  // d features[src[e], h, :] += alpha[e, h] * g[dst[e], h, :]
  const bool ga = alpha.requires_grad(), gx = features.requires_grad();
  return record(
      edge_aggregate_op, out, {&alpha, &features},
      [ga, gx, sa = gx ? alpha.detach() : Tensor(), sx = ga ? features.detach() : Tensor(),
       ashape = alpha.shape(), xshape = features.shape(), s = std::move(s), d = std::move(d), E, H,
       F](const Tensor& g) {
        const int64_t HF = H * F;
        Tensor galpha = ga ? Tensor::empty(ashape) : Tensor();
        Tensor gfeat = gx ? zeros(xshape) : Tensor();
        const float* pg = g.data();
        const float* px = ga ? sx.data() : nullptr;
        const float* pa = gx ? sa.data() : nullptr;
        float* pga = ga ? galpha.data() : nullptr;
        float* pgx = gx ? gfeat.data() : nullptr;
        std::vector<float> scratch(2 * HF);
        float* __restrict aexp = scratch.data();  // alpha[e] repeated over features
        float* __restrict prod = aexp + HF;       // g * features, summed per head
        for (int64_t e = 0; e < E; ++e) {
          if (e + kAhead < E) {
            const int64_t s_next = static_cast<int64_t>(s[e + kAhead]) * HF;
            prefetch_row(pg + static_cast<int64_t>(d[e + kAhead]) * HF, HF);
            if (ga) prefetch_row(px + s_next, HF);
            if (gx) prefetch_row(pgx + s_next, HF);
          }
          const int64_t bs = static_cast<int64_t>(s[e]) * HF;
          const float* gr = pg + static_cast<int64_t>(d[e]) * HF;
          if (ga) {
            const float* x = px + bs;
            for (int64_t j = 0; j < HF; ++j) prod[j] = gr[j] * x[j];
            for (int64_t h = 0; h < H; ++h) {
              float acc = 0.0f;
              for (int64_t f = 0; f < F; ++f) acc += prod[h * F + f];
              pga[e * H + h] = acc;
            }
          }
          if (gx) {
            float* __restrict gxr = pgx + bs;
            expand_heads(pa + e * H, H, F, aexp);
            for (int64_t j = 0; j < HF; ++j) gxr[j] += aexp[j] * gr[j];
          }
        }
        return Grads{galpha, gfeat};
      });
}

// --- gat_edge_score ----------------------------------------------------------------------------

// Node terms whose edge sums stay clear of the LeakyReLU kink; slopes 0.2, 0 and 1.5; [N] terms.
const OpInfo gat_edge_score_op{
    .name = "gat_edge_score", .samples = [] {
      std::vector<Sample> out;
      auto [a_src, a_dst] = edge_terms_away_from_kink({kN, 3}, kSrc, kDst, 0.05f, 5000);
      for (float slope : {0.2f, 0.0f, 1.5f})
        out.push_back({.name = "[N, 3], slope " + format_g(slope),
                       .inputs = {a_src, a_dst},
                       .f = [slope, s = src_t(), d = dst_t()](const Inputs& x) {
                         return gat_edge_score(x[0], x[1], s, d, slope);
                       }});
      auto [b_src, b_dst] = edge_terms_away_from_kink({kN}, kSrc, kDst, 0.05f, 5000);
      out.push_back({.name = "[N], default slope",
                     .inputs = {b_src, b_dst},
                     .f = [s = src_t(), d = dst_t()](const Inputs& x) {
                       return gat_edge_score(x[0], x[1], s, d);
                     }});
      return out;
    }};

Tensor gat_edge_score(const Tensor& a_src, const Tensor& a_dst, const Tensor& src,
                      const Tensor& dst, float negative_slope) {
  const char* op = gat_edge_score_op.name;
  ProfileScope profile_scope(op);
  require(a_src.defined() && a_dst.defined(), op, "a_src and a_dst must be defined");
  require(a_src.ndim() >= 1 && a_dst.ndim() == a_src.ndim() &&
              tail(a_src.shape()) == tail(a_dst.shape()),
          op,
          "a_src of shape " + a_src.shape().str() + " and a_dst of shape " + a_dst.shape().str() +
              " must be [N, heads] and [M, heads]");
  const int64_t E = src.defined() ? src.numel() : 0;
  const int64_t H = tail(a_src.shape()).numel();
  Index s = read_edge_index(src, E, a_src.shape()[0], op, "src");
  Index d = read_edge_index(dst, E, a_dst.shape()[0], op, "dst");

  Shape os = a_src.shape();
  os[0] = E;
  Tensor out = Tensor::empty(os);
  const float* ps = a_src.data();
  const float* pd = a_dst.data();
  float* po = out.data();
  for (int64_t e = 0; e < E; ++e) {
    const float* xs = ps + static_cast<int64_t>(s[e]) * H;
    const float* xd = pd + static_cast<int64_t>(d[e]) * H;
    for (int64_t h = 0; h < H; ++h) po[e * H + h] = leaky(xs[h] + xd[h], negative_slope);
  }

  // z = a_src[src] + a_dst[dst] is recomputed (cheaper than saving it); d z = g * leaky'(z),
  // scattered back to both endpoints.
  const bool gs = a_src.requires_grad(), gd = a_dst.requires_grad();
  return record(gat_edge_score_op, out, {&a_src, &a_dst},
                [gs, gd, xs_t = a_src.detach(), xd_t = a_dst.detach(), s = std::move(s),
                 d = std::move(d), E, H, negative_slope](const Tensor& g) {
                  // A local copy: stores through float* cannot alias it, so it stays in a register.
                  const float slope = negative_slope;
                  // Both gradients are [N, H]-sized: computing the unneeded one costs less than
                  // branching per element.
                  Tensor gsrc = zeros(xs_t.shape()), gdst = zeros(xd_t.shape());
                  const float* pg = g.data();
                  const float* pxs = xs_t.data();
                  const float* pxd = xd_t.data();
                  float* ws = gsrc.data();
                  float* wd = gdst.data();
                  // Blocks of edges: gather z, then d z in one flat loop (vectorised, so the
                  // sign test is a blend, not a branch that mispredicts half the time), then
                  // scatter.
                  constexpr int64_t kBlock = 256;
                  std::vector<float> buf(kBlock * H);
                  float* __restrict dz = buf.data();
                  for (int64_t e0 = 0; e0 < E; e0 += kBlock) {
                    const int64_t n = std::min(kBlock, E - e0);
                    for (int64_t i = 0; i < n; ++i) {
                      const int64_t bs = static_cast<int64_t>(s[e0 + i]) * H;
                      const int64_t bd = static_cast<int64_t>(d[e0 + i]) * H;
                      for (int64_t h = 0; h < H; ++h) dz[i * H + h] = pxs[bs + h] + pxd[bd + h];
                    }
                    const float* gb = pg + e0 * H;
                    for (int64_t k = 0; k < n * H; ++k) dz[k] = gb[k] * leaky_grad(dz[k], slope);
                    for (int64_t i = 0; i < n; ++i) {
                      const int64_t bs = static_cast<int64_t>(s[e0 + i]) * H;
                      const int64_t bd = static_cast<int64_t>(d[e0 + i]) * H;
                      for (int64_t h = 0; h < H; ++h) {
                        ws[bs + h] += dz[i * H + h];
                        wd[bd + h] += dz[i * H + h];
                      }
                    }
                  }
                  return Grads{gs ? gsrc : Tensor(), gd ? gdst : Tensor()};
                });
}

// --- gatv2_edge_score --------------------------------------------------------------------------

// Projections whose per-edge sums stay clear of the kink; att [1, H, F] and [H, F].
const OpInfo gatv2_edge_score_op{
    .name = "gatv2_edge_score", .samples = [] {
      std::vector<Sample> out;
      auto [x_src, x_dst] = edge_terms_away_from_kink({kN, 2, 3}, kSrc, kDst, 0.03f, 9000);
      const OpFn f = [s = src_t(), d = dst_t()](const Inputs& x) {
        return gatv2_edge_score(x[0], x[1], x[2], s, d, 0.2f);
      };
      out.push_back({.name = "[N, 2, 3], att [1, 2, 3]",
                     .inputs = {x_src, x_dst, make_input({1, 2, 3}, 54)},
                     .f = f});
      out.push_back({.name = "[N, 2, 3], att [2, 3]",
                     .inputs = {x_src, x_dst, make_input({2, 3}, 54)},
                     .f = f});
      out.push_back({.name = "[N, 2, 3], att [1, 2, 3], another draw",
                     .inputs = {x_src, x_dst, make_input({1, 2, 3}, 56)},
                     .f = f});
      return out;
    }};

Tensor gatv2_edge_score(const Tensor& x_src, const Tensor& x_dst, const Tensor& att,
                        const Tensor& src, const Tensor& dst, float negative_slope) {
  const char* op = gatv2_edge_score_op.name;
  ProfileScope profile_scope(op);
  require(x_src.defined() && x_dst.defined() && att.defined(), op,
          "x_src, x_dst and att must be defined");
  require(x_src.ndim() == 3 && x_dst.ndim() == 3 && tail(x_src.shape()) == tail(x_dst.shape()), op,
          "x_src of shape " + x_src.shape().str() + " and x_dst of shape " + x_dst.shape().str() +
              " must be [N, heads, F] and [M, heads, F]");
  const int64_t H = x_src.shape()[1], F = x_src.shape()[2];
  require(att.shape() == Shape{H, F} || att.shape() == Shape{1, H, F}, op,
          "att of shape " + att.shape().str() + " must be [heads, F] or [1, heads, F] = " +
              Shape{1, H, F}.str() + " for x_src of shape " + x_src.shape().str());
  const int64_t E = src.defined() ? src.numel() : 0;
  Index s = read_edge_index(src, E, x_src.shape()[0], op, "src");
  Index d = read_edge_index(dst, E, x_dst.shape()[0], op, "dst");

  const int64_t HF = H * F;
  Tensor out = Tensor::empty({E, H});
  const float* pxs = x_src.data();
  const float* pxd = x_dst.data();
  const float* pa = att.data();
  float* po = out.data();
  std::vector<float> term(HF);  // att * leaky(z) for one edge, then summed per head
  float* __restrict t = term.data();
  const float slope = negative_slope;
  for (int64_t e = 0; e < E; ++e) {
    if (e + kAhead < E) {
      prefetch_row(pxs + static_cast<int64_t>(s[e + kAhead]) * HF, HF);
      prefetch_row(pxd + static_cast<int64_t>(d[e + kAhead]) * HF, HF);
    }
    const float* xs = pxs + static_cast<int64_t>(s[e]) * HF;
    const float* xd = pxd + static_cast<int64_t>(d[e]) * HF;
    for (int64_t j = 0; j < HF; ++j) t[j] = pa[j] * leaky(xs[j] + xd[j], slope);
    for (int64_t h = 0; h < H; ++h) {
      float acc = 0.0f;
      for (int64_t f = 0; f < F; ++f) acc += t[h * F + f];
      po[e * H + h] = acc;
    }
  }

  // z = x_src[src] + x_dst[dst] per edge (recomputed, never stored):
  //   d att[h, f] = sum_e g[e, h] * leaky(z[e, h, f])
  //   d z[e, h, f] = g[e, h] * att[h, f] * leaky'(z[e, h, f]), scattered to both endpoints.
  const bool gs = x_src.requires_grad(), gd = x_dst.requires_grad(), ga = att.requires_grad();
  return record(gatv2_edge_score_op, out, {&x_src, &x_dst, &att},
                [gs, gd, ga, xs_t = x_src.detach(), xd_t = x_dst.detach(), att_t = att.detach(),
                 s = std::move(s), d = std::move(d), E, H, F, negative_slope](const Tensor& g) {
                  // A local copy: stores through float* cannot alias it, so it stays in a register.
                  const float slope = negative_slope;
                  const int64_t HF = H * F;
                  // All three gradients are node- or parameter-sized; computing an unneeded one
                  // costs less than branching per element.
                  Tensor gsrc = zeros(xs_t.shape()), gdst = zeros(xd_t.shape());
                  // Per-edge scratch: the gradient broadcast over features, and d z. d att is
                  // summed in float over blocks of edges, then into double totals.
                  constexpr int64_t kBlock = 256;
                  std::vector<float> scratch(3 * HF, 0.0f);
                  float* __restrict gexp = scratch.data();
                  float* __restrict dz = gexp + HF;
                  float* __restrict part = dz + HF;
                  std::vector<double> total(HF, 0.0);
                  const float* pg = g.data();
                  const float* pa = att_t.data();
                  const float* pxs = xs_t.data();
                  const float* pxd = xd_t.data();
                  float* ws = gsrc.data();
                  float* wd = gdst.data();
                  for (int64_t e = 0; e < E; ++e) {
                    if (e + kAhead < E) {
                      prefetch_row(pxs + static_cast<int64_t>(s[e + kAhead]) * HF, HF);
                      prefetch_row(pxd + static_cast<int64_t>(d[e + kAhead]) * HF, HF);
                    }
                    const int64_t bs = static_cast<int64_t>(s[e]) * HF;
                    const int64_t bd = static_cast<int64_t>(d[e]) * HF;
                    const float* xs = pxs + bs;
                    const float* xd = pxd + bd;
                    expand_heads(pg + e * H, H, F, gexp);
                    for (int64_t j = 0; j < HF; ++j) {
                      const float z = xs[j] + xd[j];
                      part[j] += gexp[j] * leaky(z, slope);
                      dz[j] = gexp[j] * pa[j] * leaky_grad(z, slope);
                    }
                    float* __restrict os = ws + bs;
                    for (int64_t j = 0; j < HF; ++j) os[j] += dz[j];
                    float* __restrict od = wd + bd;
                    for (int64_t j = 0; j < HF; ++j) od[j] += dz[j];
                    if ((e + 1) % kBlock == 0 || e + 1 == E)
                      for (int64_t j = 0; j < HF; ++j) {
                        total[j] += part[j];
                        part[j] = 0.0f;
                      }
                  }
                  Tensor gatt = Tensor::empty(att_t.shape());
                  for (int64_t j = 0; j < HF; ++j) gatt.data()[j] = static_cast<float>(total[j]);
                  return Grads{gs ? gsrc : Tensor(), gd ? gdst : Tensor(), ga ? gatt : Tensor()};
                });
}

// The descriptors above, for op_registry() (autograd/CMakeLists.txt generates the call).
std::vector<const OpInfo*> ops_graph_op_infos() {
  return {&edge_softmax_op, &edge_aggregate_op, &gat_edge_score_op, &gatv2_edge_score_op};
}

}  // namespace attend
