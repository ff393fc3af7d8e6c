#include "study/gradcheck_catalog.h"

#include <cxxabi.h>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <typeinfo>
#include <unordered_set>
#include <utility>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "layers/attention.h"
#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/gat.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/multihead_attention.h"
#include "layers/positional_encoding.h"
#include "layers/rnn.h"
#include "layers/sequential.h"
#include "layers/transformer.h"

namespace attend {

namespace {

// --- tracing: the node names a case's forward records -------------------------------------------

thread_local std::set<std::string>* g_trace = nullptr;
thread_local std::set<std::string>* g_modules = nullptr;

// The C++ class of m and of every submodule ("GRUCell", "Activation"), for g_modules.
void collect_module_classes(const Module& m, std::set<std::string>& out) {
  int status = 0;
  char* name = abi::__cxa_demangle(typeid(m).name(), nullptr, nullptr, &status);
  std::string cls = status == 0 && name ? name : typeid(m).name();
  std::free(name);
  if (cls.rfind("attend::", 0) == 0) cls = cls.substr(8);
  out.insert(cls);
  for (const auto& [n, child] : m.named_children()) collect_module_classes(*child, out);
}

}  // namespace

Tensor trace_ops(Tensor y) {
  if (!g_trace || !y.defined() || !y.grad_fn()) return y;
  std::vector<Node*> stack = {y.grad_fn().get()};
  std::unordered_set<Node*> seen = {stack.back()};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    g_trace->insert(n->name);
    for (const Edge& e : n->next)
      if (e.fn && seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
  }
  return y;
}

namespace {

Tensor traced(Tensor y) {
  return trace_ops(std::move(y));
}

// --- inputs (as tests/test_util.h makes them) ----------------------------------------------------

// Uniform in [lo, hi], requiring grad.
Tensor param(const Shape& s, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Generator g(seed);
  Tensor t = uniform(s, lo, hi, g);
  t.requires_grad_();
  return t;
}

// |x| in [0.2, 1.2] (random sign unless positive): clear of the kinks at 0 and of log/sqrt/div's
// poles by far more than a finite-difference step.
Tensor away_from_zero(const Shape& s, uint64_t seed, bool positive = false) {
  Generator g(seed);
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const float v = 0.2f + g.uniform();
    t.data()[i] = positive || g.uniform() < 0.5f ? v : -v;
  }
  t.requires_grad_();
  return t;
}

// A shuffled grid with steps of 0.1: no two values within 2 * eps, so max has no near-ties.
Tensor distinct_values(const Shape& s, uint64_t seed) {
  Tensor t = Tensor::empty(s);
  const int64_t n = t.numel();
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = 0.1f * static_cast<float>(i) - 0.05f * n;
  Generator g(seed);
  for (int64_t i = n - 1; i > 0; --i) std::swap(v[i], v[g.randint(static_cast<uint64_t>(i + 1))]);
  std::copy(v.begin(), v.end(), t.data());
  t.requires_grad_();
  return t;
}

// Uniform values, then each row (last dimension) shifted and scaled to mean 0 and variance 1:
// LayerNorm over 4 features of a row whose values lie close together curves so sharply that
// central differences are off by more than the tolerance (its curvature grows as 1 / std).
Tensor standardized_rows(const Shape& s, uint64_t seed) {
  Tensor t = param(s, seed);
  const int64_t d = s[s.ndim() - 1];
  float* p = t.data();
  for (int64_t r = 0; r < t.numel() / d; ++r, p += d) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < d; ++j) mean += p[j];
    mean /= static_cast<double>(d);
    for (int64_t j = 0; j < d; ++j) var += (p[j] - mean) * (p[j] - mean);
    const double inv = 1.0 / std::sqrt(var / static_cast<double>(d) + 1e-12);
    for (int64_t j = 0; j < d; ++j) p[j] = static_cast<float>((p[j] - mean) * inv);
  }
  return t;
}

// Whole numbers in [0, limit) as an index tensor.
Tensor random_indices(const Shape& s, int64_t limit, uint64_t seed) {
  Generator g(seed);
  std::vector<int64_t> v(static_cast<size_t>(s.numel()));
  for (auto& x : v) x = static_cast<int64_t>(g.randint(static_cast<uint64_t>(limit)));
  return from_indices(v, s);
}

// Key padding mask [B, Tk] (1 = padding) for the given lengths.
Tensor key_padding(const std::vector<int64_t>& lengths, int64_t tk) {
  std::vector<float> v;
  for (int64_t n : lengths)
    for (int64_t j = 0; j < tk; ++j) v.push_back(j >= n ? 1.0f : 0.0f);
  return from_vector(v, {static_cast<int64_t>(lengths.size()), tk});
}

// Biases and LayerNorm's affine parameters start at 0 and 1: give them values, so that one
// applied to the wrong rows shows.
void randomise_biases(Module& m, uint64_t seed) {
  Generator g(seed);
  for (auto& [name, p] : m.named_parameters())
    if ((name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) ||
        name.find("norm") != std::string::npos) {
      NoGradGuard ng;
      Tensor noise = uniform(p.shape(), -0.5f, 0.5f, g);
      add_(p, noise);
    }
}

// The output and the attention weights as one vector, so one cotangent covers both.
Tensor both(const Tensor& a, const Tensor& b) {
  return concat({reshape(a, {-1}), reshape(b, {-1})}, 0);
}

// A small graph, src -> dst, N = 6, one self loop, a node without in-edges but its loop, a
// repeated edge (1 -> 0 twice: repeated edges count once per occurrence).
constexpr int64_t kN = 6;
const std::vector<int64_t> kSrc = {0, 2, 3, 1, 0, 4, 3, 2, 1, 5, 4, 1};
const std::vector<int64_t> kDst = {1, 1, 1, 2, 3, 3, 3, 0, 0, 4, 0, 0};
const int64_t kE = static_cast<int64_t>(kSrc.size());
Tensor src_t() {
  return from_indices(kSrc, {kE});
}
Tensor dst_t() {
  return from_indices(kDst, {kE});
}

// Per-node terms a [N, H], b [N, H] whose edge sums a[src] + b[dst] stay `margin` away from the
// LeakyReLU kink at 0, so central differences do not straddle it (the first such seed).
std::pair<Tensor, Tensor> node_terms_away_from_kink(const Shape& s, float margin) {
  const int64_t per_node = s.numel() / s[0];
  for (uint64_t seed = 1;; ++seed) {
    Tensor a = param(s, seed), b = param(s, seed + 5000);
    bool ok = true;
    for (int64_t e = 0; e < kE && ok; ++e)
      for (int64_t h = 0; h < per_node && ok; ++h)
        ok =
            std::fabs(a.data()[kSrc[e] * per_node + h] + b.data()[kDst[e] * per_node + h]) > margin;
    if (ok) return {a, b};
  }
}

// --- case builders -------------------------------------------------------------------------------

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
using Inputs = std::function<std::vector<Tensor>()>;

// An op's check with respect to its inputs. eps_scale shrinks the step where curvature needs it.
GradcheckCase op(std::string name, Inputs inputs, Fn f, double eps_scale = 1.0) {
  auto run = [inputs = std::move(inputs), f = std::move(f), eps_scale](const GradcheckOptions& o) {
    GradcheckOptions opt = o;
    opt.eps *= eps_scale;
    return gradcheck([&f](const std::vector<Tensor>& xs) { return traced(f(xs)); }, inputs(), opt);
  };
  return {std::move(name), "op", std::move(run)};
}

struct LayerSetup {
  std::shared_ptr<Module> module;
  std::vector<std::pair<std::string, Tensor>> inputs;  // differentiable inputs, requiring grad
  std::function<Tensor()> forward;                     // reads module and inputs
};

// A layer's check with respect to its inputs and every parameter, each perturbed in place.
GradcheckCase layer(std::string name, std::function<LayerSetup()> setup, double eps_scale = 1.0) {
  auto run = [setup = std::move(setup), eps_scale](const GradcheckOptions& o) {
    GradcheckOptions opt = o;
    opt.eps *= eps_scale;
    LayerSetup s = setup();
    if (g_modules) collect_module_classes(*s.module, *g_modules);
    std::vector<std::pair<std::string, Tensor>> leaves;
    const std::string tag = "input:";
    for (auto& [n, t] : s.inputs) leaves.emplace_back(tag + n, t);
    for (auto& p : s.module->named_parameters()) leaves.push_back(p);
    GradcheckResult r = gradcheck_parameters([&s] { return traced(s.forward()); }, leaves, opt);
    // gradcheck_parameters calls every leaf "parameter NAME"; ours are inputs too.
    const std::string from = "parameter " + tag;
    if (r.label.rfind(from, 0) == 0) {
      const std::string to = "input " + r.label.substr(from.size());
      if (auto at = r.message.find(r.label); at != std::string::npos)
        r.message.replace(at, r.label.size(), to);
      r.label = to;
    }
    return r;
  };
  return {std::move(name), "layer", std::move(run)};
}

// --- the ops -------------------------------------------------------------------------------------

void add_op_cases(std::vector<GradcheckCase>& c) {
  // Pointwise binary ops, broadcasting [2, 3, 1] with [3, 4]; operands away from 0 for div.
  auto two = [] {
    return std::vector<Tensor>{away_from_zero({2, 3, 1}, 1), away_from_zero({3, 4}, 2)};
  };
  c.push_back(op("add", two, [](const auto& x) { return add(x[0], x[1]); }));
  c.push_back(op("sub", two, [](const auto& x) { return sub(x[0], x[1]); }));
  c.push_back(op("mul", two, [](const auto& x) { return mul(x[0], x[1]); }));
  c.push_back(op("div", two, [](const auto& x) { return div(x[0], x[1]); }));
  auto any = [] { return std::vector<Tensor>{param({3, 4}, 3, -2.0f, 2.0f)}; };
  auto nonzero = [] { return std::vector<Tensor>{away_from_zero({3, 4}, 4)}; };
  auto positive = [] { return std::vector<Tensor>{param({3, 4}, 5, 0.2f, 2.0f)}; };
  c.push_back(op("add_scalar", any, [](const auto& x) { return add(x[0], 0.5f); }));
  c.push_back(op("sub_scalar", any, [](const auto& x) { return sub(x[0], 1.5f); }));
  c.push_back(op("rsub_scalar", any, [](const auto& x) { return rsub(2.0f, x[0]); }));
  c.push_back(op("mul_scalar", any, [](const auto& x) { return mul(x[0], -1.5f); }));
  c.push_back(op("div_scalar", any, [](const auto& x) { return div(x[0], 0.75f); }));
  c.push_back(op("rdiv_scalar", nonzero, [](const auto& x) { return rdiv(1.5f, x[0]); }));
  // Unary ops.
  c.push_back(op("neg", any, [](const auto& x) { return neg(x[0]); }));
  c.push_back(op("exp", any, [](const auto& x) { return exp(x[0]); }));
  c.push_back(op("log", positive, [](const auto& x) { return log(x[0]); }));
  c.push_back(op("sqrt", positive, [](const auto& x) { return sqrt(x[0]); }));
  c.push_back(op("pow", positive, [](const auto& x) { return pow(x[0], 1.5f); }));
  c.push_back(op("pow_integer", nonzero, [](const auto& x) { return pow(x[0], -2.0f); }));
  c.push_back(op("abs", nonzero, [](const auto& x) { return abs(x[0]); }));
  c.push_back(op("tanh", any, [](const auto& x) { return tanh(x[0]); }));
  c.push_back(op("sigmoid", any, [](const auto& x) { return sigmoid(x[0]); }));
  c.push_back(op("relu", nonzero, [](const auto& x) { return relu(x[0]); }));
  c.push_back(op("leaky_relu", nonzero, [](const auto& x) { return leaky_relu(x[0], 0.1f); }));
  c.push_back(op("elu", nonzero, [](const auto& x) { return elu(x[0], 1.0f); }));
  c.push_back(op("gelu", any, [](const auto& x) { return gelu(x[0]); }));
  c.push_back(op("gelu_tanh", any, [](const auto& x) { return gelu(x[0], true); }));
  c.push_back(op("clone", any, [](const auto& x) { return clone(x[0]) * x[0]; }));

  // Reductions, over a [2, 3, 4] tensor; max on distinct values (no ties within a step).
  auto cube = [] { return std::vector<Tensor>{param({2, 3, 4}, 6)}; };
  auto distinct = [] { return std::vector<Tensor>{distinct_values({2, 3, 4}, 7)}; };
  c.push_back(op("sum", cube, [](const auto& x) { return sum(x[0]); }));
  c.push_back(op("sum_dim", cube, [](const auto& x) { return sum(x[0], 1, true); }));
  c.push_back(op("mean", cube, [](const auto& x) { return mean(x[0]); }));
  c.push_back(op("mean_dim", cube, [](const auto& x) { return mean(x[0], -1); }));
  c.push_back(op("max", distinct, [](const auto& x) { return max(x[0]); }));
  c.push_back(op("max_dim", distinct, [](const auto& x) { return max(x[0], 1); }));

  // Shapes. Each output is multiplied by a fixed tensor so that a gradient routed to the wrong
  // element shows even through a sum.
  c.push_back(op("reshape", cube, [](const auto& x) { return reshape(x[0], {4, -1}); }));
  c.push_back(op("flatten", cube, [](const auto& x) { return flatten(x[0]); }));
  c.push_back(op("unsqueeze", cube, [](const auto& x) { return unsqueeze(x[0], 1); }));
  c.push_back(op(
      "squeeze",
      [] {
        return std::vector<Tensor>{param({2, 1, 3}, 8)};
      },
      [](const auto& x) { return squeeze(x[0], 1); }));
  c.push_back(op("transpose", cube, [](const auto& x) { return transpose(x[0], 0, 2); }));
  c.push_back(op("permute", cube, [](const auto& x) { return permute(x[0], {1, 2, 0}); }));
  c.push_back(op(
      "concat",
      [] {
        return std::vector<Tensor>{param({2, 3}, 9), param({2, 1}, 10), param({2, 2}, 11)};
      },
      [](const auto& x) {
        return concat({x[0], x[1], x[2]}, 1);
      }));
  c.push_back(op(
      "stack",
      [] {
        return std::vector<Tensor>{param({2, 3}, 12), param({2, 3}, 13)};
      },
      [](const auto& x) {
        return stack({x[0], x[1]}, 1);
      }));
  c.push_back(op("unbind", cube, [](const auto& x) {
    // Slices used unequally (one twice, one not at all): their gradients must land in place.
    std::vector<Tensor> s = unbind(x[0], 1);
    return concat({s[0] * 2.0f, s[2], s[0]}, 0);
  }));
  c.push_back(op("narrow", cube, [](const auto& x) { return narrow(x[0], 2, 1, 2); }));
  c.push_back(op("slice", cube, [](const auto& x) { return slice(x[0], 1, 1, 3); }));

  // Indexing (index tensors are whole numbers; repeated indices accumulate).
  c.push_back(op("index_select", cube, [idx = random_indices({5}, 3, 14)](const auto& x) {
    return index_select(x[0], 1, idx);
  }));
  c.push_back(op("gather", cube, [idx = random_indices({2, 3, 6}, 4, 15)](const auto& x) {
    return gather(x[0], 2, idx);
  }));
  c.push_back(op(
      "scatter_add",
      [] {
        return std::vector<Tensor>{param({3, 4}, 16), param({3, 5}, 17)};
      },
      [idx = random_indices({3, 5}, 4, 18)](const auto& x) {
        return scatter_add(x[0], 1, idx, x[1]);
      }));
  c.push_back(op(
      "index_add",
      [] {
        return std::vector<Tensor>{param({4, 3}, 19), param({5, 3}, 20)};
      },
      [idx = from_indices({2, 0, 2, 3, 0}, {5})](const auto& x) {
        return index_add(x[0], 0, idx, x[1]);
      }));
  c.push_back(op("masked_fill", cube,
                 [m = from_vector({1, 0, 0, 1, 0, 1, 1, 0}, {2, 1, 4})](const auto& x) {
                   return masked_fill(x[0], m, 3.0f);
                 }));
  c.push_back(op(
      "where",
      [] {
        return std::vector<Tensor>{param({3, 1}, 21), param({1, 3, 4}, 22)};
      },
      [cond = from_vector({1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0}, {3, 4})](const auto& x) {
        return where(cond, x[0], x[1]);
      }));
  auto table = [] { return std::vector<Tensor>{param({5, 3}, 23)}; };
  c.push_back(op("embedding", table,
                 [ids = from_indices({1, 4, 1, 0, 1, 2, 4, 4}, {2, 2, 2})](const auto& x) {
                   return embedding(x[0], ids);
                 }));
  // The padding row gets no gradient by design (not the derivative), so the ids avoid it.
  c.push_back(op("embedding_padding_idx", table,
                 [ids = from_indices({1, 4, 1, 0, 0, 2, 2, 4}, {2, 4})](const auto& x) {
                   return embedding(x[0], ids, 3);
                 }));

  // Matrix products.
  c.push_back(op(
      "matmul",
      [] {
        return std::vector<Tensor>{param({2, 3, 4}, 24), param({4, 5}, 25)};
      },
      [](const auto& x) { return matmul(x[0], x[1]); }));
  c.push_back(op(
      "matmul_transposed",
      [] {
        return std::vector<Tensor>{param({2, 4, 3}, 26), param({1, 5, 4}, 27)};
      },
      [](const auto& x) { return matmul(x[0], x[1], true, true); }));
  c.push_back(op(
      "linear",
      [] {
        return std::vector<Tensor>{param({2, 3, 4}, 28), param({5, 4}, 29), param({5}, 30)};
      },
      [](const auto& x) { return linear(x[0], x[1], x[2]); }));
  c.push_back(op(
      "linear_no_bias",
      [] {
        return std::vector<Tensor>{param({3, 4}, 31), param({2, 4}, 32)};
      },
      [](const auto& x) { return linear(x[0], x[1]); }));

  // Neural-network functions.
  auto logits = [] { return std::vector<Tensor>{param({2, 3, 5}, 33, -2.0f, 2.0f)}; };
  c.push_back(op("softmax", logits, [](const auto& x) { return softmax(x[0], -1); }));
  c.push_back(op("softmax_dim0", logits, [](const auto& x) { return softmax(x[0], 0); }));
  c.push_back(op("log_softmax", logits, [](const auto& x) { return log_softmax(x[0], 1); }));
  const Tensor targets = from_indices({0, 2, 4, 1, 2, 3}, {2, 3});
  c.push_back(op("cross_entropy", logits, [targets](const auto& x) {
    return cross_entropy(x[0], targets, /*ignore_index=*/2, /*label_smoothing=*/0.1f);
  }));
  c.push_back(op("cross_entropy_sum", logits, [targets](const auto& x) {
    return cross_entropy(x[0], targets, -100, 0.0f, Reduction::kNone);
  }));
  c.push_back(op("nll_loss", logits, [targets](const auto& x) {
    return nll_loss(x[0], targets, /*ignore_index=*/4, Reduction::kSum);
  }));
  c.push_back(op(
      "layer_norm",
      [] {
        return std::vector<Tensor>{param({2, 3, 6}, 34), param({6}, 35), param({6}, 36)};
      },
      [](const auto& x) { return layer_norm(x[0], x[1], x[2]); }));
  c.push_back(op(
      "layer_norm_no_affine",
      [] {
        return std::vector<Tensor>{param({3, 6}, 37)};
      },
      [](const auto& x) { return layer_norm(x[0], Tensor(), Tensor()); }));
  c.push_back(op(
      "dropout",
      [] {
        return std::vector<Tensor>{param({6, 7}, 38)};
      },
      [](const auto& x) {
        Generator g(1234);  // re-seeded on every call: the same mask each time
        return dropout(x[0], 0.4f, true, g);
      }));

  // Fused recurrent cells, B = 2, H = 3.
  c.push_back(op(
      "lstm_cell",
      [] {
        return std::vector<Tensor>{param({2, 12}, 39), param({2, 12}, 40), param({2, 3}, 41)};
      },
      [](const auto& x) {
        auto hc = lstm_cell(x[0], x[1], x[2]);
        return concat({hc[0], hc[1] * 0.5f}, 1);
      }));
  c.push_back(op(
      "lstm_sequence",  // T = 3 steps of B = 2, H = 3, both outputs
      [] {
        return std::vector<Tensor>{param({3, 2, 12}, 56), param({12, 3}, 57), param({12}, 58),
                                   param({2, 3}, 59), param({2, 3}, 60)};
      },
      [](const auto& x) {
        auto hc = lstm_sequence(x[0], x[1], x[2], x[3], x[4]);
        return concat({reshape(hc[0], {-1}), reshape(hc[1], {-1}) * 0.5f}, 0);
      }));
  c.push_back(op(
      "gru_cell",
      [] {
        return std::vector<Tensor>{param({2, 9}, 42), param({2, 9}, 43), param({2, 3}, 44)};
      },
      [](const auto& x) { return gru_cell(x[0], x[1], x[2]); }));
  c.push_back(op(
      "rnn_tanh_cell",
      [] {
        return std::vector<Tensor>{param({2, 3}, 45), param({2, 3}, 46)};
      },
      [](const auto& x) { return rnn_tanh_cell(x[0], x[1]); }));

  // Fused attention.
  auto qkv = [] {
    return std::vector<Tensor>{param({2, 3, 4}, 47), param({2, 5, 4}, 48), param({2, 5, 3}, 49)};
  };
  c.push_back(op("scaled_dot_product_attention", qkv,
                 [mask = reshape(padding_mask(key_padding({5, 2}, 5)), {2, 1, 5})](const auto& x) {
                   auto r = scaled_dot_product_attention(x[0], x[1], x[2], mask);
                   return both(r[0], r[1]);  // the weights output carries gradient too
                 }));
  c.push_back(op("scaled_dot_product_attention_dropout", qkv, [](const auto& x) {
    Generator g(42);
    return scaled_dot_product_attention(x[0], x[1], x[2], Tensor(), 0.3f, &g)[0];
  }));
  // Multi-head attention on projected rows: a fused QKV [B, T, 3E] (one tensor in three roles,
  // 2 heads of 2), and queries [B, Tq, E] against a keys-and-values [B, Tk, 2E], with a causal
  // mask, a padding mask and dropout.
  c.push_back(op(
      "multi_head_attention",
      [] {
        return std::vector<Tensor>{param({2, 3, 12}, 53)};
      },
      [mask = causal_mask(3)](const auto& x) {
        auto r = multi_head_attention(x[0], 0, x[0], 4, x[0], 8, 2, 4, mask);
        return both(r[0], r[1]);
      }));
  c.push_back(op(
      "multi_head_attention_cross_dropout",
      [] {
        return std::vector<Tensor>{param({2, 3, 4}, 54), param({2, 5, 8}, 55)};
      },
      [mask = padding_mask(key_padding({5, 2}, 5))](const auto& x) {
        Generator g(42);
        auto r = multi_head_attention(x[0], 0, x[1], 0, x[1], 4, 2, 4, mask, 0.3f, &g);
        return both(r[0], r[1]);
      }));
  c.push_back(op(
      "additive_attention_score",
      [] {
        return std::vector<Tensor>{param({2, 3, 4}, 50), param({2, 5, 4}, 51), param({4}, 52)};
      },
      [](const auto& x) { return additive_attention_score(x[0], x[1], x[2]); }));

  // Graph attention over the small graph.
  c.push_back(op(
      "edge_softmax",
      [] {
        return std::vector<Tensor>{param({kE, 3}, 53, -2.0f, 2.0f)};
      },
      [d = dst_t()](const auto& x) { return edge_softmax(x[0], d, kN); }));
  c.push_back(op(
      "edge_aggregate",
      [] {
        return std::vector<Tensor>{param({kE, 2}, 54), param({kN, 2, 3}, 55)};
      },
      [s = src_t(), d = dst_t()](const auto& x) { return edge_aggregate(x[0], x[1], s, d); }));
  c.push_back(op(
      "gat_edge_score",
      [] {
        auto [a, b] = node_terms_away_from_kink({kN, 3}, 0.05f);
        return std::vector<Tensor>{a, b};
      },
      [s = src_t(), d = dst_t()](const auto& x) {
        return gat_edge_score(x[0], x[1], s, d, 0.2f);
      }));
  c.push_back(op(
      "gatv2_edge_score",
      [] {
        auto [a, b] = node_terms_away_from_kink({kN, 2, 3}, 0.03f);
        return std::vector<Tensor>{a, b, param({1, 2, 3}, 56)};
      },
      [s = src_t(), d = dst_t()](const auto& x) {
        return gatv2_edge_score(x[0], x[1], x[2], s, d, 0.2f);
      }));
}

// --- the layers ----------------------------------------------------------------------------------

// Recurrent sizes as tests/layers/test_rnn.cpp: T = 3, B = 2, I = 3, H = 2.
constexpr int64_t kT = 3, kB = 2, kI = 3, kH = 2;

// All outputs of a sequence module as one vector.
Tensor flat_outputs(const RNNOutput& r) {
  std::vector<Tensor> parts = {flatten(r.output), flatten(r.h_n)};
  if (r.c_n.defined()) parts.push_back(flatten(r.c_n));
  return concat(parts, 0);
}

RNNOptions two_layers_bidirectional() {
  RNNOptions o;
  o.num_layers = 2;
  o.bidirectional = true;
  return o;
}

TransformerLayerOptions small_transformer(bool norm_first) {
  TransformerLayerOptions o;
  o.d_model = 4;
  o.nhead = 2;
  o.dim_feedforward = 8;
  o.dropout = 0.0f;
  o.norm_first = norm_first;
  o.gelu = true;
  return o;
}

// LayerNorm over 4 features curves sharply: the tests use a step of 3e-3 (0.3 of the default).
constexpr double kLayerNormScale = 0.3;

template <class M>
LayerSetup setup(std::shared_ptr<M> m, std::vector<std::pair<std::string, Tensor>> inputs,
                 std::function<Tensor()> forward) {
  return {std::move(m), std::move(inputs), std::move(forward)};
}

void add_layer_cases(std::vector<GradcheckCase>& c) {
  c.push_back(layer("Linear", [] {
    Generator gen(1);
    auto m = std::make_shared<Linear>(4, 3, gen);
    randomise_biases(*m, 2);
    Tensor x = param({2, 4}, 3);
    return setup(m, {{"x", x}}, [m, x] { return m->forward(x); });
  }));
  c.push_back(layer("Embedding", [] {
    Generator gen(4);
    auto m = std::make_shared<Embedding>(5, 3, gen, /*padding_idx=*/0);
    // Row 0 (padding) gets no gradient by design, not the derivative: the ids avoid it.
    Tensor ids = from_indices({1, 4, 3, 2, 4, 4}, {2, 3});
    return setup(m, {}, [m, ids] { return m->forward(ids); });
  }));
  c.push_back(layer("LayerNorm", [] {
    auto m = std::make_shared<LayerNorm>(6);
    randomise_biases(*m, 5);
    Tensor x = param({2, 3, 6}, 6);
    return setup(m, {{"x", x}}, [m, x] { return m->forward(x); });
  }));
  c.push_back(layer("Dropout", [] {
    auto gen = std::make_shared<Generator>(7);
    auto m = std::make_shared<Dropout>(0.3f, gen);
    Tensor x = param({4, 5}, 8);
    return setup(m, {{"x", x}}, [m, gen, x] {
      *gen = Generator(7);  // the same mask for every finite difference
      return m->forward(x);
    });
  }));
  c.push_back(layer("Sequential", [] {
    Generator gen(9);
    auto m = std::make_shared<Sequential>(std::vector<std::shared_ptr<UnaryModule>>{
        std::make_shared<Linear>(3, 4, gen), std::make_shared<Activation>("tanh", &tanh),
        std::make_shared<Linear>(4, 2, gen)});
    randomise_biases(*m, 10);
    Tensor x = param({2, 3}, 11);
    return setup(m, {{"x", x}}, [m, x] { return m->forward(x); });
  }));
  c.push_back(layer("SinusoidalPositionalEncoding", [] {
    auto m = std::make_shared<SinusoidalPositionalEncoding>(4, 8);
    Tensor x = param({2, 3, 4}, 12);
    return setup(m, {{"x", x}}, [m, x] { return m->forward(x) * x; });
  }));
  c.push_back(layer("LearnedPositionalEncoding", [] {
    Generator gen(13);
    auto m = std::make_shared<LearnedPositionalEncoding>(4, 5, gen);
    Tensor x = param({2, 3, 4}, 14);
    return setup(m, {{"x", x}}, [m, x] { return m->forward(x); });
  }));

  // Recurrent cells and sequences.
  c.push_back(layer("RNNCell", [] {
    Generator gen(15);
    auto m = std::make_shared<RNNCell>(kI, kH, gen);
    Tensor x = param({kB, kI}, 16), h = param({kB, kH}, 17);
    return setup(m, {{"x", x}, {"h", h}}, [m, x, h] { return m->forward(x, h); });
  }));
  c.push_back(layer("LSTMCell", [] {
    Generator gen(18);
    auto m = std::make_shared<LSTMCell>(kI, kH, gen);
    Tensor x = param({kB, kI}, 19), h = param({kB, kH}, 20), cs = param({kB, kH}, 21);
    return setup(m, {{"x", x}, {"h", h}, {"c", cs}}, [m, x, h, cs] {
      auto [h1, c1] = m->forward(x, h, cs);
      return concat({h1, c1}, 1);
    });
  }));
  c.push_back(layer("GRUCell", [] {
    Generator gen(22);
    auto m = std::make_shared<GRUCell>(kI, kH, gen);
    Tensor x = param({kB, kI}, 23), h = param({kB, kH}, 24);
    return setup(m, {{"x", x}, {"h", h}}, [m, x, h] { return m->forward(x, h); });
  }));
  c.push_back(layer("RNN", [] {
    Generator gen(25);
    auto m = std::make_shared<RNN>(kI, kH, gen, two_layers_bidirectional());
    Tensor x = param({kT, kB, kI}, 26), h0 = param({4, kB, kH}, 27);
    return setup(m, {{"x", x}, {"h0", h0}}, [m, x, h0] { return flat_outputs(m->forward(x, h0)); });
  }));
  c.push_back(layer("LSTM", [] {
    Generator gen(28);
    auto m = std::make_shared<LSTM>(kI, kH, gen, two_layers_bidirectional());
    Tensor x = param({kT, kB, kI}, 29), h0 = param({4, kB, kH}, 30), c0 = param({4, kB, kH}, 31);
    return setup(m, {{"x", x}, {"h0", h0}, {"c0", c0}},
                 [m, x, h0, c0] { return flat_outputs(m->forward(x, h0, c0)); });
  }));
  c.push_back(layer("LSTM_lengths", [] {
    // Packed-sequence semantics: the second row stops after 2 of 3 steps.
    Generator gen(32);
    RNNOptions o;
    o.batch_first = true;
    o.bidirectional = true;
    auto m = std::make_shared<LSTM>(kI, kH, gen, o);
    Tensor x = param({kB, kT, kI}, 33);
    return setup(m, {{"x", x}}, [m, x] {
      return flat_outputs(m->forward(x, Tensor(), Tensor(), {3, 2}));
    });
  }));
  c.push_back(layer("GRU", [] {
    Generator gen(34);
    auto m = std::make_shared<GRU>(kI, kH, gen, two_layers_bidirectional());
    Tensor x = param({kT, kB, kI}, 35), h0 = param({4, kB, kH}, 36);
    return setup(m, {{"x", x}, {"h0", h0}}, [m, x, h0] { return flat_outputs(m->forward(x, h0)); });
  }));

  // Attention.
  c.push_back(layer("AdditiveAttention", [] {
    Generator gen(40);
    auto m = std::make_shared<AdditiveAttention>(4, 3, 5, gen);
    randomise_biases(*m, 41);
    Tensor q = param({2, 3, 4}, 42), k = param({2, 5, 3}, 43), v = param({2, 5, 2}, 44);
    const Tensor pad = key_padding({5, 2}, 5);
    return setup(m, {{"query", q}, {"keys", k}, {"values", v}}, [m, q, k, v, pad] {
      auto r = m->forward(q, k, v, pad);
      return both(r.context, r.weights);
    });
  }));
  c.push_back(layer("LuongAttention_general", [] {
    Generator gen(50);
    auto m = std::make_shared<LuongAttention>(LuongAttention::Kind::kGeneral, 4, 3, gen);
    Tensor q = param({2, 4, 4}, 51), k = param({2, 4, 3}, 52), v = param({2, 4, 2}, 53);
    const Tensor pad = key_padding({4, 2}, 4);
    return setup(m, {{"query", q}, {"keys", k}, {"values", v}}, [m, q, k, v, pad] {
      auto r = m->forward(q, k, v, pad, causal_mask(4));
      return both(r.context, r.weights);
    });
  }));
  c.push_back(layer("LuongAttention_dot", [] {
    Generator gen(54);
    auto m = std::make_shared<LuongAttention>(LuongAttention::Kind::kDot, 3, 3, gen);
    Tensor q = param({2, 2, 3}, 55), k = param({2, 4, 3}, 56), v = param({2, 4, 2}, 57);
    const Tensor pad = key_padding({4, 2}, 4);
    return setup(m, {{"query", q}, {"keys", k}, {"values", v}}, [m, q, k, v, pad] {
      auto r = m->forward(q, k, v, pad);
      return both(r.context, r.weights);
    });
  }));
  c.push_back(layer("ScaledDotProductAttention", [] {
    auto m = std::make_shared<ScaledDotProductAttention>();
    Tensor q = param({2, 4, 3}, 58), k = param({2, 4, 3}, 59), v = param({2, 4, 2}, 60);
    const Tensor pad = key_padding({4, 3}, 4);
    return setup(m, {{"query", q}, {"keys", k}, {"values", v}}, [m, q, k, v, pad] {
      auto r = m->forward(q, k, v, pad, causal_mask(4));
      return both(r.context, r.weights);
    });
  }));
  c.push_back(layer("MultiheadAttention", [] {
    Generator gen(61);
    auto m = std::make_shared<MultiheadAttention>(4, 2, gen);
    randomise_biases(*m, 62);
    Tensor q = param({2, 3, 4}, 63), mem = param({2, 5, 4}, 64);
    const Tensor pad = key_padding({5, 3}, 5);
    return setup(m, {{"query", q}, {"memory", mem}}, [m, q, mem, pad] {
      auto r = m->forward(q, mem, mem, pad);
      return both(r.output, r.weights);
    });
  }));
  c.push_back(layer("MultiheadAttention_self", [] {
    Generator gen(65);
    auto m = std::make_shared<MultiheadAttention>(4, 2, gen);
    randomise_biases(*m, 66);
    Tensor x = param({2, 4, 4}, 67);
    const Tensor pad = key_padding({4, 2}, 4);
    return setup(m, {{"x", x}}, [m, x, pad] {
      auto r = m->forward(x, x, x, pad, causal_mask(4), true, /*average=*/false);
      return both(r.output, r.weights);
    });
  }));
  for (bool norm_first : {false, true}) {
    const std::string ln = norm_first ? "_pre_ln" : "_post_ln";
    c.push_back(layer(
        "TransformerEncoderLayer" + ln,
        [norm_first] {
          Generator gen(70);
          auto m = std::make_shared<TransformerEncoderLayer>(small_transformer(norm_first), gen);
          randomise_biases(*m, 71);
          Tensor x = standardized_rows({2, 4, 4}, 72);
          const Tensor pad = key_padding({4, 3}, 4);
          return setup(m, {{"src", x}}, [m, x, pad] { return m->forward(x, causal_mask(4), pad); });
        },
        kLayerNormScale));
    c.push_back(layer(
        "TransformerDecoderLayer" + ln,
        [norm_first] {
          Generator gen(80);
          auto m = std::make_shared<TransformerDecoderLayer>(small_transformer(norm_first), gen);
          randomise_biases(*m, 81);
          Tensor tgt = standardized_rows({2, 3, 4}, 82), mem = standardized_rows({2, 4, 4}, 83);
          const Tensor tpad = key_padding({3, 2}, 3), mpad = key_padding({4, 2}, 4);
          return setup(m, {{"tgt", tgt}, {"memory", mem}}, [m, tgt, mem, tpad, mpad] {
            return m->forward(tgt, mem, causal_mask(3), Tensor(), tpad, mpad);
          });
        },
        kLayerNormScale));
  }
  c.push_back(layer(
      "TransformerEncoder",
      [] {
        Generator gen(90);
        auto m = std::make_shared<TransformerEncoder>(small_transformer(false), 2, gen);
        randomise_biases(*m, 91);
        Tensor x = standardized_rows({2, 3, 4}, 92);
        const Tensor pad = key_padding({3, 2}, 3);
        return setup(m, {{"src", x}}, [m, x, pad] { return m->forward(x, Tensor(), pad); });
      },
      kLayerNormScale));
  c.push_back(layer(
      "TransformerDecoder",
      [] {
        Generator gen(93);
        auto m = std::make_shared<TransformerDecoder>(small_transformer(true), 2, gen);
        randomise_biases(*m, 94);
        Tensor tgt = standardized_rows({2, 3, 4}, 95), mem = standardized_rows({2, 3, 4}, 96);
        return setup(m, {{"tgt", tgt}, {"memory", mem}},
                     [m, tgt, mem] { return m->forward(tgt, mem, causal_mask(3)); });
      },
      kLayerNormScale));

  // Graph attention.
  for (bool v2 : {false, true}) {
    c.push_back(layer(v2 ? "GATLayer_v2" : "GATLayer", [v2] {
      Generator gen(21);
      GATOptions o;
      o.in_features = 4;
      o.out_features = 3;
      o.heads = 2;
      o.v2 = v2;
      auto m = std::make_shared<GATLayer>(o, gen);
      randomise_biases(*m, 97);
      Tensor x = param({kN, 4}, 22);
      return setup(m, {{"x", x}}, [m, x, s = src_t(), d = dst_t()] { return m->forward(x, s, d); });
    }));
  }
  c.push_back(layer("GATLayer_mean_heads", [] {
    Generator gen(98);
    GATOptions o;
    o.in_features = 3;
    o.out_features = 2;
    o.heads = 3;
    o.concat = false;
    auto m = std::make_shared<GATLayer>(o, gen);
    randomise_biases(*m, 99);
    Tensor x = param({kN, 3}, 100);
    return setup(m, {{"x", x}}, [m, x, s = src_t(), d = dst_t()] { return m->forward(x, s, d); });
  }));
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

bool glob_match(const char* p, const char* s) {
  if (!*p) return !*s;
  if (*p == '*') return glob_match(p + 1, s) || (*s && glob_match(p, s + 1));
  return *s && (*p == '?' || *p == *s) && glob_match(p + 1, s + 1);
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string format_number(double v, const char* fmt = "%.3g") {
  if (std::isinf(v)) return "inf";
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string index_text(const std::vector<int64_t>& idx) {
  std::string s = "[";
  for (size_t i = 0; i < idx.size(); ++i) s += (i ? ", " : "") + std::to_string(idx[i]);
  return s + "]";
}

}  // namespace

const std::vector<GradcheckCase>& gradcheck_catalog() {
  static const std::vector<GradcheckCase> cases = [] {
    std::vector<GradcheckCase> c;
    add_op_cases(c);
    add_layer_cases(c);
    return c;
  }();
  return cases;
}

GradcheckResult run_gradcheck_case(const GradcheckCase& c, const GradcheckOptions& options,
                                   std::set<std::string>* ops, std::set<std::string>* modules) {
  std::set<std::string>* previous = g_trace;
  std::set<std::string>* previous_modules = g_modules;
  g_trace = ops;
  g_modules = modules;
  GradcheckResult r;
  try {
    r = c.run(options);
  } catch (const std::exception& e) {
    r = GradcheckResult();
    r.ok = false;
    r.worst_ratio = INFINITY;
    r.message = std::string("the check threw: ") + e.what();
  }
  g_trace = previous;
  g_modules = previous_modules;
  return r;
}

std::vector<const GradcheckCase*> select_gradcheck_cases(const std::vector<GradcheckCase>& cases,
                                                         const std::string& name) {
  std::vector<const GradcheckCase*> out;
  for (const auto& c : cases)
    if (c.name == name) return {&c};
  const std::string want = lower(name);
  const bool glob = name.find_first_of("*?") != std::string::npos;
  for (const auto& c : cases) {
    const std::string have = lower(c.name);
    if (glob ? glob_match(want.c_str(), have.c_str()) : have.find(want) != std::string::npos)
      out.push_back(&c);
  }
  return out;
}

std::vector<std::string> close_gradcheck_names(const std::vector<GradcheckCase>& cases,
                                               const std::string& name, size_t limit) {
  const std::string want = lower(name);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : cases) {
    const std::string have = lower(c.name);
    const size_t d = edit_distance(want, have);
    if (d <= std::max<size_t>(2, want.size() / 3)) scored.emplace_back(d, c.name);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < limit; ++i) out.push_back(scored[i].second);
  return out;
}

std::vector<GradcheckRow> run_gradcheck_cases(const std::vector<const GradcheckCase*>& cases,
                                              const GradcheckOptions& options) {
  std::vector<GradcheckRow> rows;
  for (const GradcheckCase* c : cases) {
    const auto t0 = std::chrono::steady_clock::now();
    GradcheckRow row{c->name, c->kind, run_gradcheck_case(*c, options), 0};
    row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rows.push_back(std::move(row));
  }
  auto key = [](const GradcheckRow& r) {
    return std::isnan(r.result.worst_ratio) ? INFINITY : r.result.worst_ratio;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const GradcheckRow& a, const GradcheckRow& b) {
    if (a.result.ok != b.result.ok) return !a.result.ok;
    return key(a) > key(b);
  });
  return rows;
}

std::string format_gradcheck_table(const std::vector<GradcheckRow>& rows) {
  const std::vector<std::string> head = {
      "name", "kind", "checked", "worst |analytic-numeric|", "at", "ratio to tolerance", "ok"};
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    const GradcheckResult& g = r.result;
    const std::string at = g.label.empty() ? "-" : g.label + " " + index_text(g.index);
    cells.push_back({r.name, r.kind, std::to_string(g.checked),
                     g.label.empty() ? "-" : format_number(std::fabs(g.analytic - g.numeric)), at,
                     format_number(g.worst_ratio, "%.2f"), g.ok ? "ok" : "FAIL"});
  }
  std::vector<size_t> width(head.size());
  for (size_t k = 0; k < head.size(); ++k) {
    width[k] = head[k].size();
    for (const auto& row : cells) width[k] = std::max(width[k], row[k].size());
  }
  const std::vector<bool> right = {false, false, true, true, false, true, false};
  auto line = [&](const std::vector<std::string>& row) {
    std::string s;
    for (size_t k = 0; k < row.size(); ++k) {
      const std::string pad(width[k] - row[k].size(), ' ');
      if (k) s += "  ";
      s += right[k] ? pad + row[k] : (k + 1 == row.size() ? row[k] : row[k] + pad);
    }
    return s + "\n";
  };
  std::string out = line(head);
  size_t total = 0;
  for (size_t w : width) total += w;
  out += std::string(total + 2 * (width.size() - 1), '-') + "\n";
  for (const auto& row : cells) out += line(row);
  bool first = true;
  for (const auto& r : rows)
    if (!r.result.ok) {
      if (first) out += "\n";
      first = false;
      out += r.name + ": " + r.result.message + "\n";
    }
  return out;
}

std::string gradcheck_summary(const std::vector<GradcheckRow>& rows) {
  size_t passed = 0;
  const GradcheckRow* worst = nullptr;
  for (const auto& r : rows) {
    passed += r.result.ok;
    if (!worst || !(r.result.worst_ratio <= worst->result.worst_ratio)) worst = &r;
  }
  std::string s = std::to_string(rows.size()) + (rows.size() == 1 ? " check, " : " checks, ") +
                  std::to_string(passed) + " passed";
  if (worst)
    s += ", worst ratio " + format_number(worst->result.worst_ratio, "%.2f") + " (" + worst->name +
         ")";
  return s;
}

}  // namespace attend
