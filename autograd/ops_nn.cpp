// Fused neural-network functions: one forward loop and one backward loop each, instead of a chain
// of pointwise ops (fewer passes over memory, fewer graph nodes, better numerics).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "autograd/kernels.h"
#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"
#include "autograd/sample_inputs.h"
#include "autograd/vec_math.h"

namespace attend {

using Grads = std::vector<Tensor>;
using kernels::split_at;

namespace {

// Applies f(line pointer, stride, n) to each 1-D line along dim of [outer, n, inner].
template <class F>
void for_each_line(float* base, const kernels::DimSplit& sp, F f) {
  for (int64_t o = 0; o < sp.outer; ++o)
    for (int64_t i = 0; i < sp.inner; ++i) f(base + o * sp.n * sp.inner + i, sp.inner, sp.n);
}

// In place: line <- softmax(line) (log_space: log_softmax).
// The same along a strided line: gathered into a contiguous buffer and scattered back.
void softmax_line(float* p, int64_t stride, int64_t n, bool log_space) {
  if (stride == 1) return kernels::softmax_row(p, n, log_space);
  std::vector<float> buf(n);
  for (int64_t j = 0; j < n; ++j) buf[j] = p[j * stride];
  kernels::softmax_row(buf.data(), n, log_space);
  for (int64_t j = 0; j < n; ++j) p[j * stride] = buf[j];
}

// Class indices of a target tensor; ignore_index entries become -1.
std::vector<int64_t> read_targets(const Tensor& target, int64_t classes, int64_t ignore_index,
                                  const char* op) {
  std::vector<int64_t> t(target.numel());
  for (int64_t i = 0; i < target.numel(); ++i) {
    float v = target.data()[i];
    t[i] = v == static_cast<float>(ignore_index) ? -1 : kernels::checked_index(v, classes, op);
  }
  return t;
}

void check_class_shapes(const Tensor& scores, const Tensor& target, const char* op) {
  Shape expect = scores.shape();
  if (expect.ndim() >= 1) expect.erase(expect.ndim() - 1);
  if (scores.ndim() < 1 || !(target.shape() == expect))
    throw ShapeError(std::string(op) + ": input of shape " + scores.shape().str() +
                     " [..., classes] needs target of shape " + expect.str() + ", got " +
                     target.shape().str());
}

// Logits for the loss samples: [2, 3, 5], classes last.
Tensor loss_logits(uint64_t seed) {
  return make_input({2, 3, 5}, seed, -2.0f, 2.0f);
}

// The loss options the samples cover: plain, label smoothing, an ignore_index that is a valid
// class (2), and both smoothing and ignored targets (-1); each with every reduction.
struct LossOptions {
  int64_t ignore_index;
  float smoothing;
  Reduction reduction;
  std::string str() const {
    const char* r = reduction == Reduction::kMean  ? "mean"
                    : reduction == Reduction::kSum ? "sum"
                                                   : "none";
    return "ignore_index " + std::to_string(ignore_index) + ", label_smoothing " +
           format_g(smoothing) + ", " + r;
  }
};

std::vector<LossOptions> loss_options() {
  std::vector<LossOptions> out;
  for (Reduction r : {Reduction::kMean, Reduction::kSum, Reduction::kNone})
    for (auto [ignore, smoothing] :
         {std::pair<int64_t, float>{-100, 0.0f}, {-100, 0.1f}, {2, 0.0f}, {-1, 0.1f}})
      out.push_back({ignore, smoothing, r});
  return out;
}

// Targets [2, 3] for [2, 3, 5] logits: class 2 twice, and -1 once unless -1 is not ignored.
Tensor loss_targets(int64_t ignore_index) {
  std::vector<int64_t> t = {2, 0, 4, -1, 2, 1};
  if (ignore_index != -1) t[3] = 3;
  return from_indices(t, {2, 3});
}

using AlongDim = Tensor (*)(const Tensor&, int);

// softmax or log_softmax along every dimension of [3, 4, 5] (inputs from seed + dim), then along
// `more` of the loss logits [2, 3, 5] in [-2, 2].
std::vector<Sample> along_every_dim(AlongDim op, uint64_t seed, std::vector<int> more) {
  std::vector<Sample> out;
  for (int dim : {0, 1, 2, -1})
    out.push_back(
        {.name = "[3, 4, 5] along " + std::to_string(dim),
         .inputs = {make_input({3, 4, 5}, static_cast<uint64_t>(static_cast<int64_t>(seed) + dim))},
         .f = [op, dim](const Inputs& x) { return op(x[0], dim); }});
  for (int dim : more)
    out.push_back({.name = "[2, 3, 5] in [-2, 2] along " + std::to_string(dim),
                   .inputs = {loss_logits(33)},
                   .f = [op, dim](const Inputs& x) { return op(x[0], dim); }});
  return out;
}

// autograd.txt's cases NAME_d0, NAME_d1 and NAME_dm1: op along 0, 1 and -1 of a [3, 4, 5] input.
std::vector<FixtureCase> fixtures_along_dims(const std::string& name, AlongDim op) {
  std::vector<FixtureCase> out;
  for (auto [dim, tag] : {std::pair<int, const char*>{0, "0"}, {1, "1"}, {-1, "m1"}})
    out.push_back(autograd_fixture(
        name + "_d" + tag, {"x"},
        [op, dim = dim](const Inputs& x, const FixtureTensors&) { return op(x[0], dim); }));
  return out;
}

Reduction reduction_named(const std::string& name) {
  return name == "mean" ? Reduction::kMean : name == "sum" ? Reduction::kSum : Reduction::kNone;
}

}  // namespace

// Along every dimension of [3, 4, 5] (and of [2, 3, 5] in [-2, 2]); fixtures along 0, 1 and -1.
const OpInfo softmax_op{
    .name = "softmax",
    .samples =
        [] {
          return along_every_dim([](const Tensor& x, int dim) { return softmax(x, dim); }, 10,
                                 {-1, 0});
        },
    .fixtures =
        [] {
          return fixtures_along_dims("softmax",
                                     [](const Tensor& x, int dim) { return softmax(x, dim); });
        }};

Tensor softmax(const Tensor& x, int dim) {
  ProfileScope profile_scope(softmax_op.name);
  dim = normalize_dim(dim, x.ndim(), softmax_op.name);
  auto sp = split_at(x.shape(), dim);
  Tensor out;
  if (sp.inner == 1) {  // over the last axis: contiguous rows, x read once, no copy
    out = Tensor::empty(x.shape());
    kernels::softmax_rows(x.data(), out.data(), sp.outer, sp.n);
  } else {
    out = kernels::copy_of(x);
    for_each_line(out.data(), sp,
                  [](float* p, int64_t st, int64_t n) { softmax_line(p, st, n, false); });
  }
  Tensor y = out.detach();
  // dx = y * (g - sum_j g_j y_j) along dim
  return record(softmax_op, out, {&x}, [y, sp](const Tensor& g) {
    const float* py = y.data();
    if (sp.inner == 1) {  // the usual case, softmax over the last axis: contiguous rows
      Tensor dx = Tensor::empty(g.shape());
      const float* pg = g.data();
      float* pd = dx.data();
      parallel_for(sp.outer, rows_grain(sp.n, 2), [&](int64_t o0, int64_t o1) {
        for (int64_t o = o0; o < o1; ++o)
          kernels::softmax_backward_row(py + o * sp.n, pg + o * sp.n, pd + o * sp.n, sp.n);
      });
      return Grads{dx};
    }
    Tensor dx = kernels::copy_of(g);
    for_each_line(dx.data(), sp, [&](float* p, int64_t st, int64_t n) {
      const float* yl = py + (p - dx.data());
      float dot = 0;
#pragma omp simd reduction(+ : dot)
      for (int64_t j = 0; j < n; ++j) dot += p[j * st] * yl[j * st];
      for (int64_t j = 0; j < n; ++j) p[j * st] = yl[j * st] * (p[j * st] - dot);
    });
    return Grads{dx};
  });
}

// Along every dimension of [3, 4, 5], and one against log(softmax(x)); fixtures along 0, 1 and -1.
const OpInfo log_softmax_op{
    .name = "log_softmax",
    .samples =
        [] {
          std::vector<Sample> out =
              along_every_dim([](const Tensor& x, int dim) { return log_softmax(x, dim); }, 20, {});
          out.push_back({.name = "[2, 3, 5] in [-2, 2] along 1, against log(softmax)",
                         .inputs = {loss_logits(33)},
                         .f = [](const Inputs& x) { return log_softmax(x[0], 1); },
                         .reference = [](const Inputs& x) { return log(softmax(x[0], 1)); },
                         .reference_tolerance = {1e-5f, 1e-5f}});
          return out;
        },
    .fixtures =
        [] {
          return fixtures_along_dims("log_softmax",
                                     [](const Tensor& x, int dim) { return log_softmax(x, dim); });
        }};

Tensor log_softmax(const Tensor& x, int dim) {
  ProfileScope profile_scope(log_softmax_op.name);
  dim = normalize_dim(dim, x.ndim(), log_softmax_op.name);
  auto sp = split_at(x.shape(), dim);
  Tensor out = kernels::copy_of(x);
  for_each_line(out.data(), sp,
                [](float* p, int64_t st, int64_t n) { softmax_line(p, st, n, true); });
  Tensor y = out.detach();
  // dx = g - exp(y) * sum_j g_j
  return record(log_softmax_op, out, {&x}, [y, sp](const Tensor& g) {
    Tensor dx = kernels::copy_of(g);
    const float* py = y.data();
    for_each_line(dx.data(), sp, [&](float* p, int64_t st, int64_t n) {
      const float* yl = py + (p - dx.data());
      float s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t j = 0; j < n; ++j) s += p[j * st];
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) p[j * st] -= vec::exp(yl[j * st]) * s;
    });
    return Grads{dx};
  });
}

// Every option and reduction; an unbatched input; against nll_loss(log_softmax) (the values and
// gradients of the composition). Fixtures: three target sets (none ignored, the default -100
// ignored, ignore_index 2) x smoothing 0 and 0.1 x every reduction, and classes last on [2, 3, 5].
const OpInfo cross_entropy_op{
    .name = "cross_entropy",
    .samples =
        [] {
          std::vector<Sample> out;
          uint64_t seed = 50;
          for (const LossOptions& o : loss_options())
            out.push_back({.name = "[2, 3, 5], " + o.str(),
                           .inputs = {loss_logits(seed++)},
                           .f = [o, t = loss_targets(o.ignore_index)](const Inputs& x) {
                             return cross_entropy(x[0], t, o.ignore_index, o.smoothing,
                                                  o.reduction);
                           }});
          const Tensor targets = from_indices({0, 2, 4, 1, 2, 3}, {2, 3});
          out.push_back(
              {.name = "[2, 3, 5], ignore_index 2, label_smoothing 0.1, another draw",
               .inputs = {loss_logits(33)},
               .f = [targets](const Inputs& x) { return cross_entropy(x[0], targets, 2, 0.1f); }});
          out.push_back({.name = "[2, 3, 5], none, another draw",
                         .inputs = {loss_logits(33)},
                         .f = [targets](const Inputs& x) {
                           return cross_entropy(x[0], targets, -100, 0.0f, Reduction::kNone);
                         }});
          out.push_back({.name = "unbatched [4], label_smoothing 0.1",
                         .inputs = {make_input({4}, 62)},
                         .f = [t = from_indices({2}, Shape{})](const Inputs& x) {
                           return cross_entropy(x[0], t, -100, 0.1f);
                         }});
          out.push_back(
              {.name = "[6, 4] against nll_loss(log_softmax)",
               .inputs = {make_input({6, 4}, 41)},
               .f = [t = from_indices({3, 0, 0, 2, 1, 3}, {6})](
                        const Inputs& x) { return cross_entropy(x[0], t); },
               .reference = [t = from_indices({3, 0, 0, 2, 1, 3}, {6})](
                                const Inputs& x) { return nll_loss(log_softmax(x[0], -1), t); }});
          return out;
        },
    .fixtures =
        [] {
          std::vector<FixtureCase> out;
          for (auto [targets, ignore_index] :
               {std::pair<const char*, int64_t>{"plain", -100}, {"ign", -100}, {"ign2", 2}})
            for (auto [stag, smoothing] :
                 {std::pair<const char*, float>{"ls0", 0.0f}, {"ls01", 0.1f}})
              for (const char* r : {"mean", "sum", "none"})
                out.push_back(
                    autograd_fixture(std::string("ce_") + targets + "_" + stag + "_" + r, {"x"},
                                     [ii = ignore_index, ls = smoothing, red = reduction_named(r)](
                                         const Inputs& x, const FixtureTensors& t) {
                                       return cross_entropy(x[0], t.get("target"), ii, ls, red);
                                     }));
          // logits [2, 3, 5] with classes last and targets [2, 3]; torch got them as [2, 5, 3].
          out.push_back(autograd_fixture("ce_3d_ls01_mean", {"x"},
                                         [](const Inputs& x, const FixtureTensors& t) {
                                           return cross_entropy(x[0], t.get("target"), -100, 0.1f);
                                         }));
          return out;
        }};

Tensor cross_entropy(const Tensor& logits, const Tensor& target, int64_t ignore_index,
                     float label_smoothing, Reduction reduction) {
  ProfileScope profile_scope(cross_entropy_op.name);
  check_class_shapes(logits, target, cross_entropy_op.name);
  if (label_smoothing < 0.0f || label_smoothing > 1.0f)
    throw std::invalid_argument("cross_entropy: label_smoothing must be in [0, 1], got " +
                                std::to_string(label_smoothing));
  const int64_t C = logits.shape().back();
  const int64_t rows = target.numel();
  std::vector<int64_t> t = read_targets(target, C, ignore_index, cross_entropy_op.name);
  // probs [rows, C], kept for the backward: one exp per logit. The loss needs only log p at the
  // target (and, smoothed, the row's mean log p): x - lse, with lse = max + log(sum exp(x - max)).
  Tensor probs = Tensor::empty(logits.shape());
  std::vector<float> row_loss(rows, 0.0f);
  const float eps = label_smoothing;
  const int64_t count = std::count_if(t.begin(), t.end(), [](int64_t v) { return v >= 0; });
  parallel_for(rows, rows_grain(C, 8), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* __restrict x = logits.data() + r * C;
      float* __restrict p = probs.data() + r * C;
      float m = kernels::row_max(x, C);
      if (m == -std::numeric_limits<float>::infinity()) m = 0.0f;  // all -inf: NaN, not -inf - -inf
      float s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t c = 0; c < C; ++c) {
        p[c] = vec::exp(x[c] - m);
        s += p[c];
      }
      const float lse = m + std::log(s);
      if (t[r] >= 0) {
        double smooth = 0;  // sum of log p over the classes
        if (eps > 0)
          for (int64_t c = 0; c < C; ++c) smooth += x[c] - lse;
        row_loss[r] = -(1.0f - eps) * (x[t[r]] - lse) - eps * static_cast<float>(smooth / C);
      }
      const float inv = 1.0f / s;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) p[c] *= inv;
    }
  });
  Tensor out;
  if (reduction == Reduction::kNone) {
    out = Tensor::empty(target.shape());
    std::copy(row_loss.begin(), row_loss.end(), out.data());
  } else {
    double s = 0;
    for (float v : row_loss) s += v;
    // Mean over zero targets is 0/0 = NaN, as in PyTorch.
    out = full(Shape{}, static_cast<float>(
                            reduction == Reduction::kMean ? s / static_cast<double>(count) : s));
  }
  // dlogits[r, c] = scale_r * (softmax[r, c] - (1-eps)*[c == t_r] - eps/C)
  return record(cross_entropy_op, out, {&logits},
                [probs, t = std::move(t), rows, C, eps, count, reduction,
                 shape = logits.shape()](const Tensor& g) {
                  Tensor dx = Tensor::empty(shape);
                  const float total_scale = reduction == Reduction::kNone ? 0.0f
                                            : reduction == Reduction::kMean
                                                ? g.item() / static_cast<float>(count)
                                                : g.item();
                  parallel_for(rows, rows_grain(C, 2), [&](int64_t r0, int64_t r1) {
                    for (int64_t r = r0; r < r1; ++r) {
                      float* d = dx.data() + r * C;
                      if (t[r] < 0) {
                        std::fill_n(d, C, 0.0f);
                        continue;
                      }
                      const float scale = reduction == Reduction::kNone ? g.data()[r] : total_scale;
                      const float* p = probs.data() + r * C;
                      const float off = eps / static_cast<float>(C);
                      for (int64_t c = 0; c < C; ++c) d[c] = scale * (p[c] - off);
                      d[t[r]] -= scale * (1.0f - eps);
                    }
                  });
                  return Grads{dx};
                });
}

// Every option nll_loss has (no smoothing), on any values and through log_softmax as cross_entropy
// composes it; fixtures through log_softmax.
const OpInfo nll_loss_op{
    .name = "nll_loss",
    .samples =
        [] {
          std::vector<Sample> out;
          uint64_t k = 0;
          for (const LossOptions& o : loss_options()) {
            if (o.smoothing != 0.0f && o.ignore_index != -1) continue;
            const Tensor t = loss_targets(o.ignore_index);
            const std::string name = "[2, 3, 5], ignore_index " + std::to_string(o.ignore_index) +
                                     ", " + o.str().substr(o.str().rfind(", ") + 2);
            out.push_back({.name = name,
                           .inputs = {make_input({2, 3, 5}, 80 + k)},
                           .f = [o, t](const Inputs& x) {
                             return nll_loss(x[0], t, o.ignore_index, o.reduction);
                           }});
            out.push_back({.name = name + ", through log_softmax",
                           .inputs = {make_input({2, 3, 5}, 90 + k)},
                           .f = [o, t](const Inputs& x) {
                             return nll_loss(log_softmax(x[0], -1), t, o.ignore_index, o.reduction);
                           }});
            ++k;
          }
          out.push_back({.name = "[2, 3, 5] in [-2, 2], ignore_index 4, sum",
                         .inputs = {loss_logits(33)},
                         .f = [t = from_indices({0, 2, 4, 1, 2, 3}, {2, 3})](const Inputs& x) {
                           return nll_loss(x[0], t, 4, Reduction::kSum);
                         }});
          return out;
        },
    .fixtures =
        [] {
          std::vector<FixtureCase> out;
          for (auto [targets, ignore_index] :
               {std::pair<const char*, int64_t>{"ign", -100}, {"ign2", 2}})
            for (const char* r : {"mean", "sum", "none"})
              out.push_back(autograd_fixture(std::string("nll_") + targets + "_" + r, {"x"},
                                             [ii = ignore_index, red = reduction_named(r)](
                                                 const Inputs& x, const FixtureTensors& t) {
                                               return nll_loss(log_softmax(x[0], -1),
                                                               t.get("target"), ii, red);
                                             }));
          return out;
        }};

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, int64_t ignore_index,
                Reduction reduction) {
  ProfileScope profile_scope(nll_loss_op.name);
  check_class_shapes(log_probs, target, nll_loss_op.name);
  const int64_t C = log_probs.shape().back();
  const int64_t rows = target.numel();
  std::vector<int64_t> t = read_targets(target, C, ignore_index, nll_loss_op.name);
  std::vector<float> row_loss(rows, 0.0f);
  int64_t count = 0;
  for (int64_t r = 0; r < rows; ++r)
    if (t[r] >= 0) {
      row_loss[r] = -log_probs.data()[r * C + t[r]];
      ++count;
    }
  Tensor out;
  if (reduction == Reduction::kNone) {
    out = Tensor::empty(target.shape());
    std::copy(row_loss.begin(), row_loss.end(), out.data());
  } else {
    double s = 0;
    for (float v : row_loss) s += v;
    out = full(Shape{}, static_cast<float>(
                            reduction == Reduction::kMean ? s / static_cast<double>(count) : s));
  }
  return record(
      nll_loss_op, out, {&log_probs},
      [t = std::move(t), rows, C, count, reduction, shape = log_probs.shape()](const Tensor& g) {
        Tensor dx = zeros(shape);
        for (int64_t r = 0; r < rows; ++r) {
          if (t[r] < 0) continue;
          const float scale = reduction == Reduction::kNone   ? g.data()[r]
                              : reduction == Reduction::kMean ? g.item() / static_cast<float>(count)
                                                              : g.item();
          dx.data()[r * C + t[r]] = -scale;
        }
        return Grads{dx};
      });
}

// With and without weight and bias, either alone, and with only the affine parameters requiring
// grad; fixtures with weight and bias, weight only, and neither.
const OpInfo layer_norm_op{
    .name = "layer_norm",
    .samples =
        [] {
          const OpFn plain = [](const Inputs& x) { return layer_norm(x[0], Tensor(), Tensor()); };
          const OpFn affine = [](const Inputs& x) { return layer_norm(x[0], x[1], x[2]); };
          return std::vector<Sample>{
              {.name = "[3, 6]", .inputs = {make_input({3, 6}, 110)}, .f = plain},
              {.name = "[2, 2, 5]", .inputs = {make_input({2, 2, 5}, 111)}, .f = plain},
              {.name = "[3, 6], another draw", .inputs = {make_input({3, 6}, 37)}, .f = plain},
              {.name = "[2, 3, 6] with weight and bias",
               .inputs = {make_input({2, 3, 6}, 112), make_input({6}, 113), make_input({6}, 114)},
               .f = affine},
              {.name = "[2, 3, 6] with weight and bias, another draw",
               .inputs = {make_input({2, 3, 6}, 34), make_input({6}, 35), make_input({6}, 36)},
               .f = affine},
              {.name = "[3, 6] with weight",
               .inputs = {make_input({3, 6}, 115), make_input({6}, 116)},
               .f = [](const Inputs& x) { return layer_norm(x[0], x[1], Tensor()); }},
              {.name = "[3, 6] with bias",
               .inputs = {make_input({3, 6}, 117), make_input({6}, 118)},
               .f = [](const Inputs& x) { return layer_norm(x[0], Tensor(), x[1]); }},
              {.name = "constant [3, 6] with weight and bias",
               .inputs = {make_input({3, 6}, 119).detach(), make_input({6}, 120),
                          make_input({6}, 121)},
               .f = affine}};
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{
              autograd_fixture("layer_norm_wb", {"x", "w", "b"},
                               [](const Inputs& x, const FixtureTensors&) {
                                 return layer_norm(x[0], x[1], x[2]);
                               }),
              autograd_fixture("layer_norm_w", {"x", "w"},
                               [](const Inputs& x, const FixtureTensors&) {
                                 return layer_norm(x[0], x[1], Tensor());
                               }),
              autograd_fixture("layer_norm_plain", {"x"},
                               [](const Inputs& x, const FixtureTensors&) {
                                 return layer_norm(x[0], Tensor(), Tensor());
                               })};
        }};

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  ProfileScope profile_scope(layer_norm_op.name);
  if (x.ndim() < 1)
    throw ShapeError(std::string(layer_norm_op.name) + ": input must have at least one dimension");
  const int64_t D = x.shape().back();
  const int64_t rows = x.numel() / std::max<int64_t>(D, 1);
  for (const Tensor* p : {&weight, &bias})
    if (p->defined() && !(p->shape() == Shape{D}))
      throw ShapeError(std::string(layer_norm_op.name) + ": weight/bias of shape " +
                       p->shape().str() + " do not match input " + x.shape().str() +
                       " (normalised size " + std::to_string(D) + ")");
  Tensor xhat = Tensor::empty(x.shape());  // (x - mean) * rstd, saved for backward
  Tensor rstd = Tensor::empty({rows});
  Tensor out = Tensor::empty(x.shape());
  // Missing weight/bias act as ones/zeros, so the row loops have no branches.
  std::vector<float> unit(weight.defined() && bias.defined() ? 0 : D, 1.0f),
      none(bias.defined() ? 0 : D, 0.0f);
  const float* w = weight.defined() ? weight.data() : unit.data();
  const float* b = bias.defined() ? bias.data() : none.data();
  const float* const xp = x.data();
  float* const hp = xhat.data();
  float* const op = out.data();
  float* const rsp = rstd.data();
  parallel_for(rows, rows_grain(D, 4), [=](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = xp + r * D;
      // Two passes (mean, then centred squares) in float: accurate for rows of any offset.
      float m = 0, v = 0;
#pragma omp simd reduction(+ : m)
      for (int64_t j = 0; j < D; ++j) m += xr[j];
      m /= static_cast<float>(D);
#pragma omp simd reduction(+ : v)
      for (int64_t j = 0; j < D; ++j) v += (xr[j] - m) * (xr[j] - m);
      v /= static_cast<float>(D);  // biased variance, as in PyTorch
      const float rs = 1.0f / std::sqrt(v + eps);
      rsp[r] = rs;
      float* hr = hp + r * D;
      float* orow = op + r * D;
#pragma omp simd
      for (int64_t j = 0; j < D; ++j) {
        hr[j] = (xr[j] - m) * rs;
        orow[j] = hr[j] * w[j] + b[j];
      }
    }
  });
  const bool gx = x.requires_grad(), gw = weight.defined() && weight.requires_grad(),
             gb = bias.defined() && bias.requires_grad();
  Tensor sw = weight.defined() ? weight.detach() : Tensor();
  return record(layer_norm_op, out, {&x, &weight, &bias}, [=](const Tensor& g) {
    Tensor dx, dw, db;
    if (gw) dw = zeros({D});
    if (gb) db = zeros({D});
    if (gx) dx = Tensor::empty(xhat.shape());
    const float* w = sw.defined() ? sw.data() : nullptr;
    float* pdw = gw ? dw.data() : nullptr;
    float* pdb = gb ? db.data() : nullptr;
    // Rows split over the workers; dw and db sum over rows, one partial per range (range 0
    // straight into dw and db), added in range order.
    const int64_t ranges = range_count(rows, rows_grain(D, 4));
    RangePartials dw_parts(pdw, D, ranges), db_parts(pdb, D, ranges);
    // The loop reads only these locals: a pointer captured by reference is reloaded on every
    // use (a store through dr might change it), which keeps the loops from vectorising.
    const float* const gp = g.data();
    const float* const hp = xhat.data();
    const float* const rsp = rstd.data();
    float* const dxp = gx ? dx.data() : nullptr;
    parallel_ranges(rows, ranges, [=, &dw_parts, &db_parts](int64_t k, int64_t r0, int64_t r1) {
      float* kdw = dw_parts.of(k);
      float* kdb = db_parts.of(k);
      for (int64_t r = r0; r < r1; ++r) {
        const float* gr = gp + r * D;
        const float* hr = hp + r * D;
        if (kdw) {
#pragma omp simd
          for (int64_t j = 0; j < D; ++j) kdw[j] += gr[j] * hr[j];
        }
        if (kdb) {
#pragma omp simd
          for (int64_t j = 0; j < D; ++j) kdb[j] += gr[j];
        }
        if (!dxp) continue;
        // dxhat = g * w ; dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
        float* dr = dxp + r * D;
        if (w) {
#pragma omp simd
          for (int64_t j = 0; j < D; ++j) dr[j] = gr[j] * w[j];
        } else {
          std::copy_n(gr, D, dr);
        }
        float s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s1, s2)
        for (int64_t j = 0; j < D; ++j) {
          s1 += dr[j];
          s2 += dr[j] * hr[j];
        }
        const float m1 = s1 / static_cast<float>(D), m2 = s2 / static_cast<float>(D), rs = rsp[r];
#pragma omp simd
        for (int64_t j = 0; j < D; ++j) dr[j] = rs * (dr[j] - m1 - hr[j] * m2);
      }
    });
    dw_parts.fold();
    db_parts.fold();
    return Grads{dx, dw, db};
  });
}

// A generator re-seeded on every call: the same mask for each finite difference.
const OpInfo dropout_op{
    .name = "dropout", .samples = [] {
      auto drop = [](float p, uint64_t seed) {
        return [p, seed](const Inputs& x) {
          Generator gen(seed);
          return dropout(x[0], p, true, gen);
        };
      };
      return std::vector<Sample>{
          {.name = "[6, 7], p 0.4", .inputs = {make_input({6, 7}, 180)}, .f = drop(0.4f, 1234)},
          {.name = "[6, 7], p 0.4, another draw",
           .inputs = {make_input({6, 7}, 38)},
           .f = drop(0.4f, 1234)},
          {.name = "tanh of [3, 5], p 0.25",
           .inputs = {make_input({3, 5}, 181)},
           .f = [](const Inputs& x) {
             Generator gen(99);
             return tanh(dropout(x[0], 0.25f, true, gen)) * 2.0f;
           }}};
    }};

Tensor dropout(const Tensor& x, float p, bool training, Generator& gen) {
  ProfileScope profile_scope(dropout_op.name);
  if (p < 0.0f || p > 1.0f)
    throw std::invalid_argument("dropout: probability must be in [0, 1], got " + std::to_string(p));
  if (!training || p == 0.0f) return x;
  // mask holds 0 or 1/(1-p): the forward scale and the backward in one tensor. An input that
  // needs no gradient (the features of a dataset) needs no mask.
  const bool keep_mask = grad_enabled() && x.requires_grad();
  Tensor mask = keep_mask ? Tensor::empty(x.shape()) : Tensor();
  Tensor out = Tensor::empty(x.shape());
  const float* const px = x.data();
  float* const po = out.data();
  if (keep_mask) {
    float* const pm = mask.data();
    kernels::dropout_coins(x.numel(), p, gen, [px, po, pm](int64_t i, float keep) {
      pm[i] = keep;
      po[i] = px[i] * keep;
    });
  } else {
    kernels::dropout_coins(x.numel(), p, gen,
                           [px, po](int64_t i, float keep) { po[i] = px[i] * keep; });
  }
  return record(dropout_op, out, {&x}, [mask](const Tensor& g) {
    return Grads{kernels::zip(g, mask, [](float gv, float m) { return gv * m; })};
  });
}

// The descriptors above, for op_registry() (autograd/CMakeLists.txt generates the call).
std::vector<const OpInfo*> ops_nn_op_infos() {
  return {&softmax_op,  &log_softmax_op, &cross_entropy_op,
          &nll_loss_op, &layer_norm_op,  &dropout_op};
}

}  // namespace attend
