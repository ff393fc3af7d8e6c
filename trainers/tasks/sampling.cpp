#include "trainers/tasks/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace attend {
namespace {

// ids [1, n] as the engine's float index tensor.
Tensor row(const std::vector<int64_t>& ids, size_t from) {
  std::vector<int64_t> part(ids.begin() + static_cast<std::ptrdiff_t>(from), ids.end());
  return from_indices(part, {1, static_cast<int64_t>(part.size())});
}

// The next-token logits [V] after `ids`, uncached: the last context tokens through forward().
Tensor next_logits_uncached(LanguageModel& model, const std::vector<int64_t>& ids) {
  const size_t C = static_cast<size_t>(model.context_length());
  const size_t from = ids.size() > C ? ids.size() - C : 0;
  Tensor logits = model.forward(row(ids, from));  // [1, n, V]
  const int64_t n = logits.size(1);
  return reshape(narrow(logits, 1, n - 1, 1), {model.vocab_size()});
}

// The cache and where in the ids its position 0 is.
struct CachedRun {
  std::unique_ptr<LMCache> cache;
  size_t start = 0;
};

// The same through the cache: only the ids not fed yet, or, when they do not fit, a fresh cache
// from the last context (the prompt) or the last half context (later).
Tensor next_logits_cached(LanguageModel& model, CachedRun& run, const std::vector<int64_t>& ids) {
  const size_t C = static_cast<size_t>(model.context_length());
  const size_t cached = static_cast<size_t>(run.cache->length());
  if (cached + ids.size() - (run.start + cached) > C) {
    const size_t keep = cached == 0 ? C : std::max<size_t>(1, C / 2);
    run.cache = model.start_cache();
    run.start = ids.size() - keep;
  }
  const size_t from = run.start + static_cast<size_t>(run.cache->length());
  Tensor logits = model.forward_cached(*run.cache, row(ids, from));  // [1, n, V]
  const int64_t n = logits.size(1);
  return reshape(narrow(logits, 1, n - 1, 1), {model.vocab_size()});
}

}  // namespace

int64_t sample_token(const float* logits, int64_t V, const SampleOptions& o, Generator& gen) {
  if (o.temperature <= 0.0f)
    return static_cast<int64_t>(std::max_element(logits, logits + V) - logits);
  // Candidates by decreasing logit; top-k keeps the first k (ties at the k-th all stay, as
  // nanoGPT's "logits < v[-1]" keeps them).
  std::vector<int64_t> order(static_cast<size_t>(V));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return logits[a] > logits[b]; });
  size_t keep = order.size();
  if (o.top_k > 0 && o.top_k < V) {
    const float kth = logits[order[static_cast<size_t>(o.top_k - 1)]];
    keep = static_cast<size_t>(o.top_k);
    while (keep < order.size() && logits[order[keep]] == kth) ++keep;
  }
  // Softmax of logits / temperature over the kept candidates, in double.
  const double top = logits[order[0]];
  std::vector<double> p(keep);
  double total = 0;
  for (size_t i = 0; i < keep; ++i)
    total += p[i] = std::exp((logits[order[i]] - top) / static_cast<double>(o.temperature));
  for (double& v : p) v /= total;
  // Nucleus: the smallest prefix whose probability reaches top_p (at least one token).
  if (o.top_p < 1.0f) {
    double cum = 0;
    size_t n = 0;
    while (n < keep && cum < static_cast<double>(o.top_p)) cum += p[n++];
    keep = std::max<size_t>(1, n);
    total = cum;
  } else {
    total = 1.0;
  }
  const double u = static_cast<double>(gen.uniform()) * total;
  double cum = 0;
  for (size_t i = 0; i < keep; ++i) {
    cum += p[i];
    if (u < cum) return order[i];
  }
  return order[keep - 1];
}

std::vector<int64_t> sample(LanguageModel& model, const std::vector<int64_t>& prompt,
                            const SampleOptions& o, Generator& gen,
                            const std::function<void(int64_t)>& on_token) {
  if (prompt.empty()) throw std::invalid_argument("sample: the prompt needs at least one token");
  NoGradGuard no_grad;
  EvalModeGuard eval(model);
  std::vector<int64_t> ids = prompt, out;
  CachedRun run;
  if (o.cache) run.cache = model.start_cache();
  for (int64_t k = 0; k < o.tokens; ++k) {
    Tensor logits =
        o.cache ? next_logits_cached(model, run, ids) : next_logits_uncached(model, ids);
    const int64_t next = sample_token(logits.data(), model.vocab_size(), o, gen);
    ids.push_back(next);
    out.push_back(next);
    if (on_token) on_token(next);
  }
  return out;
}

}  // namespace attend
