// Greedy decoding and beam search over any SequenceModel, batched over sources.
//   B = sources, K = beam size, V = target vocabulary, n = rows currently in the decoder state
//
// Both decoders keep only the rows that still need the model in the DecoderState: a source (or a
// beam) that is done is reordered out of the state, so it costs nothing in later steps. The
// ranking (argmax, top-k) runs in plain C++ on the log-probabilities of each step.
#include "trainers/tasks/decoding.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "autograd/creation.h"

namespace attend {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Whether base + row[k] > bar for some k of a run of kRun candidates, in one vector compare (a NaN
// sum compares false, as the -inf it ranks as would).
constexpr int64_t kRun = 16;
bool any_sum_above(float base, const float* row, float bar) {
  int above = 0;
#pragma omp simd reduction(| : above)
  for (int64_t k = 0; k < kRun; ++k) above |= base + row[k] > bar;
  return above != 0;
}

// log_prob / length^alpha (fairseq / Hugging Face length penalty); length 0 is left unpenalised.
float penalised(float log_prob, int64_t length, float alpha) {
  if (alpha == 0.0f || length <= 0) return log_prob;
  return log_prob / static_cast<float>(std::pow(static_cast<double>(length), alpha));
}

// Checks the arguments both decoders share; returns V.
int64_t check_arguments(const char* fn, const SequenceModel& model, const Tensor& source,
                        const DecodeOptions& o) {
  const std::string f(fn);
  if (!source.defined() || source.ndim() < 2 || source.ndim() > 3)
    throw ShapeError(
        f + ": source must be [B, S] (token ids) or [B, T, F] (speech features), got " +
        (source.defined() ? source.shape().str() : std::string("an undefined tensor")));
  if (o.max_length < 0)
    throw std::invalid_argument(f + ": max_length must be >= 0, got " +
                                std::to_string(o.max_length));
  const int64_t V = model.target_vocab_size();
  if (V < 1) throw std::invalid_argument(f + ": the model has an empty target vocabulary");
  if (o.bos < 0 || o.bos >= V || o.eos < 0 || o.eos >= V)
    throw std::invalid_argument(f + ": bos " + std::to_string(o.bos) + " and eos " +
                                std::to_string(o.eos) + " must be in [0, " + std::to_string(V) +
                                ") (the target vocabulary)");
  return V;
}

// The options with max_length cut to what the model can take: a Transformer's decoder input
// grows by one token per step, <bos> first, so at most model.max_length() steps.
DecodeOptions within_model_length(const SequenceModel& model, DecodeOptions o) {
  if (model.max_length() > 0) o.max_length = std::min(o.max_length, model.max_length());
  return o;
}

// One decoder step on n rows: previous tokens [n] -> log-probabilities [n, V].
Tensor step_log_probs(const char* fn, SequenceModel& model, DecoderState& state,
                      const std::vector<int64_t>& prev, int64_t V) {
  const int64_t n = static_cast<int64_t>(prev.size());
  Tensor logits = model.decode_step(state, from_indices(prev, {n}));  // [n, V]
  if (!logits.defined() || logits.ndim() != 2 || logits.size(0) != n || logits.size(1) != V)
    throw ShapeError(
        std::string(fn) + ": decode_step must return logits [" + std::to_string(n) + ", " +
        std::to_string(V) + "], got " +
        (logits.defined() ? logits.shape().str() : std::string("an undefined tensor")));
  return log_softmax(logits, 1);  // [n, V]
}

bool is_identity(const std::vector<int64_t>& rows, int64_t n) {
  if (static_cast<int64_t>(rows.size()) != n) return false;
  for (int64_t i = 0; i < n; ++i)
    if (rows[i] != i) return false;
  return true;
}

// A live beam: one row of the decoder state.
struct Beam {
  int64_t source;
  float log_prob;
  std::vector<int64_t> tokens;  // generated so far, no <bos>, no <eos>
};

// Keeps the best K hypotheses of a source (Hugging Face's BeamHypotheses).
void add_finished(std::vector<Hypothesis>& finished, Hypothesis h, int64_t K) {
  if (static_cast<int64_t>(finished.size()) < K) {
    finished.push_back(std::move(h));
    return;
  }
  auto worst =
      std::min_element(finished.begin(), finished.end(),
                       [](const Hypothesis& a, const Hypothesis& b) { return a.score < b.score; });
  if (h.score > worst->score) *worst = std::move(h);
}

float worst_score(const std::vector<Hypothesis>& finished) {
  float w = std::numeric_limits<float>::infinity();
  for (const Hypothesis& h : finished) w = std::min(w, h.score);
  return w;
}

// The state of one beam search (the rule is described above beam_search()).
class BeamSearch {
 public:
  BeamSearch(SequenceModel& model, std::unique_ptr<DecoderState> state, const DecodeOptions& o,
             int64_t sources, int64_t vocab)
      : model_(model),
        state_(std::move(state)),
        o_(o),
        K_(o.beam_size),
        V_(vocab),
        finished_(sources),
        prev_(sources, o.bos) {
    for (int64_t b = 0; b < sources; ++b) live_.push_back(Beam{b, 0.0f, {}});
  }

  // Step t (t tokens generated after it): expands every source's beams; false when no beam is
  // left to continue.
  bool step(int64_t t) {
    const int64_t n = static_cast<int64_t>(live_.size());
    Tensor lp = step_log_probs("beam_search", model_, *state_, prev_, V_);  // [n, V]
    next_.clear();
    parents_.clear();
    for (int64_t g = 0; g < n;) {
      int64_t e = g;
      while (e < n && live_[e].source == live_[g].source) ++e;
      expand_source(g, e, lp.data(), t);
      g = e;
    }
    if (next_.empty()) return false;
    // Expand / reorder / shrink the state to the new live beams.
    if (!is_identity(parents_, n))
      state_->reorder(from_indices(parents_, {static_cast<int64_t>(parents_.size())}));
    live_.swap(next_);
    prev_.resize(live_.size());
    for (size_t i = 0; i < live_.size(); ++i) prev_[i] = live_[i].tokens.back();
    return true;
  }

  // Each source's hypothesis of highest score (the first on ties).
  std::vector<Hypothesis> best() const {
    std::vector<Hypothesis> out(finished_.size());
    for (size_t b = 0; b < finished_.size(); ++b) {
      const std::vector<Hypothesis>& f = finished_[b];
      if (f.empty()) continue;
      out[b] = *std::max_element(f.begin(), f.end(), [](const Hypothesis& x, const Hypothesis& y) {
        return x.score < y.score;
      });
    }
    return out;
  }

 private:
  // The live beams [g, e) of one source, from log-probabilities p [n, V]: rules 1 to 3.
  void expand_source(int64_t g, int64_t e, const float* p, int64_t t) {
    const int64_t src = live_[g].source;
    rank_candidates(g, e, p);
    const int64_t take = static_cast<int64_t>(top_.size());
    const size_t first_next = next_.size();
    int64_t n_live = 0;
    for (int64_t rank = 0; rank < take && n_live < K_; ++rank) {
      const int64_t j = top_[rank].index;
      const int64_t parent = g + j / V_, token = j % V_;
      const float sum = top_[rank].sum;
      if (token == o_.eos) {
        if (rank < K_)
          add_finished(finished_[src],
                       Hypothesis{live_[parent].tokens, sum, penalised(sum, t, alpha()), true}, K_);
      } else {
        Beam beam{src, sum, live_[parent].tokens};
        beam.tokens.push_back(token);
        next_.push_back(std::move(beam));
        parents_.push_back(parent);
        ++n_live;
      }
    }
    if (source_done(src, first_next, n_live, t)) {
      next_.resize(first_next);
      parents_.resize(first_next);
    }
  }

  // The best min(2K, candidates) candidates of beams [g, e) into top_, best first: sum = the
  // beam's log-probability + the token's (NaN ranked as -inf), ties to the lower index
  // (beam * V + token). One pass keeps a sorted list of the best so far; nearly every candidate
  // is turned away by comparison with its last entry, sixteen at a time (a full nth_element over
  // the K V candidates of every source was a fifth of cached beam decoding).
  void rank_candidates(int64_t g, int64_t e, const float* p) {
    const size_t take = static_cast<size_t>(std::min(2 * K_, (e - g) * V_));
    top_.clear();
    if (take == 0) return;
    for (int64_t r = g; r < e; ++r) {
      const float base = live_[r].log_prob;
      const float* row = p + r * V_;
      const int64_t first = (r - g) * V_;
      auto consider = [&](int64_t v) {
        const float x = base + row[v];
        const float sum = std::isnan(x) ? kNegInf : x;
        if (top_.size() == take) {
          // Indices rise through the scan: a later candidate beats an entry only by a larger sum.
          if (!(sum > top_.back().sum)) return;
          top_.pop_back();
        }
        auto at = std::upper_bound(top_.begin(), top_.end(), sum,
                                   [](float s, const Candidate& c) { return s > c.sum; });
        top_.insert(at, Candidate{sum, first + v});
      };
      // Once the list is full, a run of candidates none of which beats its last entry is turned
      // away by one vector compare.
      int64_t v = 0;
      for (; v + kRun <= V_; v += kRun) {
        if (top_.size() == take && !any_sum_above(base, row + v, top_.back().sum)) continue;
        for (int64_t k = 0; k < kRun; ++k) consider(v + k);
      }
      for (; v < V_; ++v) consider(v);
    }
  }

  // Rule 3, for the source whose new beams start at next_[first_next].
  bool source_done(int64_t src, size_t first_next, int64_t n_live, int64_t t) {
    if (n_live == 0) return true;
    const int64_t T = o_.max_length;
    if (t == T) {
      for (size_t i = first_next; i < next_.size(); ++i)
        add_finished(finished_[src],
                     Hypothesis{next_[i].tokens, next_[i].log_prob,
                                penalised(next_[i].log_prob, T, alpha()), false},
                     K_);
      return true;
    }
    if (static_cast<int64_t>(finished_[src].size()) < K_) return false;
    const float best_live = next_[first_next].log_prob;  // beams are in rank order
    const float reachable = penalised(best_live, alpha() > 0.0f ? T : t + 1, alpha());
    return worst_score(finished_[src]) >= reachable;
  }

  float alpha() const { return o_.length_penalty; }

  SequenceModel& model_;
  std::unique_ptr<DecoderState> state_;
  const DecodeOptions o_;
  const int64_t K_, V_;
  std::vector<std::vector<Hypothesis>> finished_;  // per source, at most K
  std::vector<Beam> live_;     // one per state row, grouped by source, best first within a source
  std::vector<int64_t> prev_;  // [n] the token each row feeds next
  std::vector<Beam> next_;     // the next step's live beams
  std::vector<int64_t> parents_;  // next_[i] continues state row parents_[i]
  struct Candidate {
    float sum;      // the beam's log-probability + the token's
    int64_t index;  // beam * V + token, the beam counted from the source's first
  };
  std::vector<Candidate> top_;  // the best candidates of one source, best first
};

}  // namespace

std::vector<Hypothesis> greedy_decode(SequenceModel& model, const Tensor& source,
                                      const Tensor& source_padding_mask,
                                      const DecodeOptions& requested) {
  const DecodeOptions options = within_model_length(model, requested);
  const int64_t V = check_arguments("greedy_decode", model, source, options);
  const int64_t B = source.size(0);
  std::vector<Hypothesis> out(B);
  if (B > 0 && options.max_length > 0) {
    EvalModeGuard eval(model);
    NoGradGuard no_grad;
    std::unique_ptr<DecoderState> state = model.start_decoding(source, source_padding_mask);
    std::vector<int64_t> rows(B);  // rows[i]: the source of state row i
    for (int64_t b = 0; b < B; ++b) rows[b] = b;
    std::vector<int64_t> prev(B, options.bos);  // [n] the token each row feeds next
    std::vector<int64_t> keep;
    for (int64_t t = 1; t <= options.max_length && !rows.empty(); ++t) {
      const int64_t n = static_cast<int64_t>(rows.size());
      Tensor lp = step_log_probs("greedy_decode", model, *state, prev, V);  // [n, V]
      const float* p = lp.data();
      keep.clear();
      for (int64_t i = 0; i < n; ++i) {
        // argmax, first index on ties (as torch.argmax); NaN never wins
        const float* row = p + i * V;
        int64_t best = 0;
        float best_lp = kNegInf;
        for (int64_t v = 0; v < V; ++v)
          if (row[v] > best_lp) best_lp = row[v], best = v;
        Hypothesis& h = out[rows[i]];
        h.log_prob += row[best];
        if (best == options.eos) {
          h.finished = true;
        } else {
          h.tokens.push_back(best);
          prev[i] = best;
          keep.push_back(i);
        }
      }
      if (static_cast<int64_t>(keep.size()) == n) continue;
      if (keep.empty() || t == options.max_length) break;
      // Shrink the state (and the bookkeeping) to the rows still decoding.
      state->reorder(from_indices(keep, {static_cast<int64_t>(keep.size())}));
      for (size_t i = 0; i < keep.size(); ++i) {
        rows[i] = rows[keep[i]];
        prev[i] = prev[keep[i]];
      }
      rows.resize(keep.size());
      prev.resize(keep.size());
    }
  }
  for (Hypothesis& h : out) {
    const int64_t len = static_cast<int64_t>(h.tokens.size()) + (h.finished ? 1 : 0);
    h.score = penalised(h.log_prob, len, options.length_penalty);
  }
  return out;
}

// Beam search, as Hugging Face's BeamSearchScorer with early_stopping="never" (the exact stopping
// test) and fairseq's candidate rule. The rule, per source, at step t (t tokens generated after
// the step):
//   1. Step 1 expands the single <bos> row of each source; later steps expand its (at most K) live
//      beams. Every candidate is (beam, token) with sum = beam's sum + log p(token); the top
//      min(2K, candidates) by sum are taken, best first (ties: lower beam, then lower token).
//   2. Walking them in rank order until K live beams are filled: a candidate ending in <eos> whose
//      rank is < K becomes a finished hypothesis (tokens without <eos>, log_prob = sum, len = t,
//      score = sum / t^alpha), kept in the source's list of its K best-scoring finished ones; an
//      <eos> candidate of rank >= K is dropped (it would not have been in the beam). Any other
//      candidate becomes a live beam of the next step.
//   3. The source is done when it has no live beam; or when t == max_length, after adding each
//      live beam as an unfinished hypothesis (finished = false, len = max_length, score = sum /
//      max_length^alpha) to the same list; or when it holds K finished hypotheses and the worst
//      of them scores >= the best score any live beam could still reach: best live sum /
//      max_length^alpha when alpha > 0, best live sum / (t+1)^alpha when alpha <= 0 (sums only
//      fall as tokens are added, so these bound every extension). A done source's beams leave the
//      decoder state.
//   4. The answer is the hypothesis of highest score in the source's list (the first on ties).
// With K large enough that nothing is pruned, this is exhaustive search over all sequences of at
// most max_length tokens.
std::vector<Hypothesis> beam_search(SequenceModel& model, const Tensor& source,
                                    const Tensor& source_padding_mask,
                                    const DecodeOptions& requested) {
  const DecodeOptions options = within_model_length(model, requested);
  const int64_t V = check_arguments("beam_search", model, source, options);
  if (options.beam_size < 1)
    throw std::invalid_argument("beam_search: beam_size must be >= 1, got " +
                                std::to_string(options.beam_size));
  const int64_t B = source.size(0);
  if (B == 0 || options.max_length == 0) return std::vector<Hypothesis>(B);

  EvalModeGuard eval(model);
  NoGradGuard no_grad;
  BeamSearch search(model, model.start_decoding(source, source_padding_mask), options, B, V);
  for (int64_t t = 1; t <= options.max_length && search.step(t);) ++t;
  return search.best();
}

std::vector<Hypothesis> decode(SequenceModel& model, const Tensor& source,
                               const Tensor& source_padding_mask, const DecodeOptions& options) {
  if (options.beam_size < 1)
    throw std::invalid_argument("decode: beam_size must be >= 1, got " +
                                std::to_string(options.beam_size));
  return options.beam_size == 1 ? greedy_decode(model, source, source_padding_mask, options)
                                : beam_search(model, source, source_padding_mask, options);
}

}  // namespace attend
