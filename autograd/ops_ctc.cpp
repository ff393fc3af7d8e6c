// Connectionist temporal classification (Graves et al. 2006, "Connectionist Temporal
// Classification: Labelling Unsegmented Sequence Data with Recurrent Neural Networks"), fused with
// the log-softmax over classes: the forward-backward recursions over the target with blanks
// between its labels, in log space (in double), and the gradient with respect to the logits,
//   d(-log p(y|x)) / d logit[t, k] = softmax[t, k] - gamma[t, k],
//   gamma[t, k] = sum over s with l'_s = k of exp(alpha_t(s) + beta_t(s) - log y_t(k) - log
//   p(y|x)),
// the posterior probability that frame t emits class k (section 4.1, equations 14-16).
//   B = batch, T = frames, C = classes (blank included), S = target labels, L = 2 S + 1 extended
//   labels (blank, y_1, blank, ..., y_S, blank)
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/sample_inputs.h"

namespace attend {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  return a > b ? a + std::log1p(std::exp(b - a)) : b + std::log1p(std::exp(a - b));
}

// One row: its frames' log-probabilities and its extended labels.
struct Row {
  const float* lp;                  // [T, C] log-softmax of the row's logits
  int64_t frames;                   // T_b
  std::vector<int64_t> label;       // [L]: l'_s
  bool can_skip(int64_t s) const {  // s may be reached from s - 2 (a label unlike the one before)
    return s >= 2 && s % 2 == 1 && label[s] != label[s - 2];
  }
};

// alpha [T_b, L]; returns log p(y|x) (-inf when no alignment fits in the frames).
double forward_variables(const Row& r, int64_t C, std::vector<double>& alpha) {
  const int64_t T = r.frames, L = static_cast<int64_t>(r.label.size());
  alpha.assign(static_cast<size_t>(T * L), kNegInf);
  if (T == 0) return L == 1 ? 0.0 : kNegInf;  // no frames: only the empty target, surely
  alpha[0] = r.lp[r.label[0]];
  if (L > 1) alpha[1] = r.lp[r.label[1]];
  for (int64_t t = 1; t < T; ++t)
    for (int64_t s = 0; s < L; ++s) {
      const double* prev = alpha.data() + (t - 1) * L;
      double a = prev[s];
      if (s >= 1) a = log_add(a, prev[s - 1]);
      if (r.can_skip(s)) a = log_add(a, prev[s - 2]);
      alpha[t * L + s] = a == kNegInf ? kNegInf : a + r.lp[t * C + r.label[s]];
    }
  const double* last = alpha.data() + (T - 1) * L;
  return L > 1 ? log_add(last[L - 1], last[L - 2]) : last[L - 1];
}

// beta [T_b, L] (including frame t's own emission, as alpha does).
void backward_variables(const Row& r, int64_t C, std::vector<double>& beta) {
  const int64_t T = r.frames, L = static_cast<int64_t>(r.label.size());
  beta.assign(static_cast<size_t>(T * L), kNegInf);
  if (T == 0) return;
  beta[(T - 1) * L + L - 1] = r.lp[(T - 1) * C + r.label[L - 1]];
  if (L > 1) beta[(T - 1) * L + L - 2] = r.lp[(T - 1) * C + r.label[L - 2]];
  for (int64_t t = T - 2; t >= 0; --t)
    for (int64_t s = 0; s < L; ++s) {
      const double* next = beta.data() + (t + 1) * L;
      double b = next[s];
      if (s + 1 < L) b = log_add(b, next[s + 1]);
      if (s + 2 < L && r.can_skip(s + 2)) b = log_add(b, next[s + 2]);
      beta[t * L + s] = b == kNegInf ? kNegInf : b + r.lp[t * C + r.label[s]];
    }
}

std::vector<int64_t> whole_numbers(const Tensor& t) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < t.numel(); ++i) out.push_back(std::lround(t.data()[i]));
  return out;
}

// A case of tests/fixtures/speech.txt (gen_speech_fixtures.py): torch.nn.functional.ctc_loss on
// the case's logits, targets, lengths, blank, reduction (0 none, 1 mean, 2 sum) and zero_infinity.
FixtureCase ctc_fixture(const char* key) {
  return {"speech.txt", key, Tolerance{1e-5f, 1e-5f}, Tolerance{1e-6f, 1e-4f},
          [](const FixtureTensors& t) {
            const int64_t r = t.iopt("reduction");
            const Reduction reduction = r == 0   ? Reduction::kNone
                                        : r == 1 ? Reduction::kMean
                                                 : Reduction::kSum;
            FixtureRun run;
            Tensor logits = t.leaf("logits");
            run.inputs.emplace_back("logits", logits);
            run.outputs.emplace_back(
                "loss", ctc_loss(logits, t.get("targets"), whole_numbers(t.get("input_lengths")),
                                 whole_numbers(t.get("target_lengths")), t.iopt("blank"), reduction,
                                 t.iopt("zero_infinity") != 0));
            return run;
          }};
}

}  // namespace

// Rows of different frame and target lengths with a repeated label (which needs a blank between
// its two frames) and an empty target, under every reduction; the blank as the last class with
// every frame needed.
const OpInfo ctc_loss_op{
    .name = "ctc_loss",
    .samples =
        [] {
          std::vector<Sample> out;
          out.push_back({.name = "[2, 5, 4], targets 1 1 2 | 3, reduction none",
                         .inputs = {make_input({2, 5, 4}, 204)},
                         .f = [](const Inputs& x) {
                           return ctc_loss(x[0], from_indices({1, 1, 2, 3, 0, 0}, {2, 3}), {5, 3},
                                           {3, 1}, 0, Reduction::kNone);
                         }});
          const std::pair<Reduction, const char*> reductions[] = {
              {Reduction::kMean, "mean"}, {Reduction::kSum, "sum"}, {Reduction::kNone, "none"}};
          for (const auto& [r, name] : reductions)
            out.push_back(
                {.name = std::string("[3, 7, 5], targets 1 1 2 | 3 | (none), reduction ") + name,
                 .inputs = {make_input({3, 7, 5}, 20, -2.0f, 2.0f)},
                 .f = [r = r](const Inputs& x) {
                   return ctc_loss(x[0], from_indices({1, 1, 2, 3, 2, 0, 0, 0, 0}, {3, 3}),
                                   {7, 4, 3}, {3, 1, 0}, 0, r);
                 }});
          out.push_back({.name = "[1, 4, 3], targets 0 0 1, blank 2",
                         .inputs = {make_input({1, 4, 3}, 21, -2.0f, 2.0f)},
                         .f = [](const Inputs& x) {
                           return ctc_loss(x[0], from_indices({0, 0, 1}, {1, 3}), {4}, {3}, 2);
                         }});
          return out;
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{ctc_fixture("ctc_mean"), ctc_fixture("ctc_none"),
                                          ctc_fixture("ctc_sum_inf")};
        }};

Tensor ctc_loss(const Tensor& logits, const Tensor& targets,
                const std::vector<int64_t>& input_lengths,
                const std::vector<int64_t>& target_lengths, int64_t blank, Reduction reduction,
                bool zero_infinity) {
  ProfileScope profile_scope(ctc_loss_op.name);
  if (logits.ndim() != 3 || targets.ndim() != 2 || targets.size(0) != logits.size(0))
    throw ShapeError("ctc_loss: logits " + logits.shape().str() + " and targets " +
                     targets.shape().str() + " must be [B, T, C] and [B, S]");
  const int64_t B = logits.size(0), T = logits.size(1), C = logits.size(2), S = targets.size(1);
  if (static_cast<int64_t>(input_lengths.size()) != B ||
      static_cast<int64_t>(target_lengths.size()) != B)
    throw ShapeError("ctc_loss: " + std::to_string(input_lengths.size()) + " input lengths and " +
                     std::to_string(target_lengths.size()) + " target lengths for a batch of " +
                     std::to_string(B));
  if (blank < 0 || blank >= C)
    throw std::invalid_argument("ctc_loss: blank " + std::to_string(blank) +
                                " is not a class in [0, " + std::to_string(C) + ")");
  std::vector<Row> rows(static_cast<size_t>(B));
  Tensor lp = log_softmax(logits.detach(), 2);  // [B, T, C]
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = input_lengths[b], m = target_lengths[b];
    if (n < 0 || n > T || m < 0 || m > S)
      throw std::invalid_argument("ctc_loss: row " + std::to_string(b) + " has input length " +
                                  std::to_string(n) + " and target length " + std::to_string(m) +
                                  "; they must be in [0, " + std::to_string(T) + "] and [0, " +
                                  std::to_string(S) + "]");
    Row& r = rows[b];
    r.lp = lp.data() + b * T * C;
    r.frames = n;
    r.label.assign(static_cast<size_t>(2 * m + 1), blank);
    for (int64_t j = 0; j < m; ++j) {
      const float v = targets.data()[b * S + j];
      const auto k = static_cast<int64_t>(v);
      if (static_cast<float>(k) != v || k < 0 || k >= C || k == blank)
        throw std::invalid_argument("ctc_loss: target " + std::to_string(j) + " of row " +
                                    std::to_string(b) + " is " + std::to_string(v) +
                                    ", not a class in [0, " + std::to_string(C) +
                                    ") other than the blank " + std::to_string(blank));
      r.label[2 * j + 1] = k;
    }
  }
  std::vector<std::vector<double>> alphas(static_cast<size_t>(B));
  std::vector<double> log_p(static_cast<size_t>(B));
  std::vector<float> losses(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    log_p[b] = forward_variables(rows[b], C, alphas[b]);
    const bool impossible = log_p[b] == kNegInf;
    losses[b] = impossible && zero_infinity ? 0.0f : static_cast<float>(-log_p[b]);
  }
  // What each row's loss is multiplied by in the reduction.
  std::vector<float> weight(static_cast<size_t>(B), 1.0f);
  if (reduction == Reduction::kMean)
    for (int64_t b = 0; b < B; ++b)
      weight[b] = 1.0f / static_cast<float>(std::max<int64_t>(target_lengths[b], 1)) /
                  static_cast<float>(B);
  Tensor out;
  if (reduction == Reduction::kNone) {
    out = from_vector(losses, {B});
  } else {
    double total = 0;
    for (int64_t b = 0; b < B; ++b) total += static_cast<double>(weight[b]) * losses[b];
    out = full(Shape{},
               B == 0 && reduction == Reduction::kMean ? std::nanf("") : static_cast<float>(total));
  }
  return record(
      ctc_loss_op, out, {&logits},
      [rows = std::move(rows), alphas = std::move(alphas), log_p = std::move(log_p), weight, lp, B,
       T, C, reduction](const Tensor& g) {
        Tensor dx = zeros({B, T, C});
        std::vector<double> beta, occupancy;
        for (int64_t b = 0; b < B; ++b) {
          const Row& r = rows[b];
          if (log_p[b] == kNegInf) continue;  // no alignment: no gradient (zero_infinity's 0)
          const float scale = reduction == Reduction::kNone ? g.data()[b] : g.item() * weight[b];
          backward_variables(r, C, beta);
          const int64_t L = static_cast<int64_t>(r.label.size());
          occupancy.resize(static_cast<size_t>(C));
          for (int64_t t = 0; t < r.frames; ++t) {
            std::fill(occupancy.begin(), occupancy.end(), kNegInf);
            for (int64_t s = 0; s < L; ++s)
              occupancy[r.label[s]] =
                  log_add(occupancy[r.label[s]], alphas[b][t * L + s] + beta[t * L + s]);
            const float* lpt = r.lp + t * C;
            float* d = dx.data() + (b * T + t) * C;
            for (int64_t k = 0; k < C; ++k) {
              const double gamma =
                  occupancy[k] == kNegInf ? 0.0 : std::exp(occupancy[k] - lpt[k] - log_p[b]);
              d[k] = scale * static_cast<float>(std::exp(static_cast<double>(lpt[k])) - gamma);
            }
          }
        }
        return std::vector<Tensor>{dx};
      });
}

// The descriptors above, for op_registry() (autograd/CMakeLists.txt generates the call).
std::vector<const OpInfo*> ops_ctc_op_infos() {
  return {&ctc_loss_op};
}

}  // namespace attend
