// Greedy decoding and beam search against brute force, on a fake SequenceModel whose next-token
// logits are a fixed function of (source, tokens generated so far). The fake's decoder state keeps
// each row's source and prefix, so a wrong reorder changes the logits and the result; it also
// checks what the decoders feed it (<bos> first, never <eos>) and records the rows of
// every step, the training flag and the grad mode it saw.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/creation.h"
#include "trainers/tasks/decoding.h"

using namespace attend;

namespace {

using Prefix = std::vector<int64_t>;
// Next-token logits [V] of source `src` after the generated tokens `prefix` (no <bos>).
using LogitFn = std::function<std::vector<float>(int64_t src, const Prefix& prefix)>;

uint64_t mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Pseudo-random logits in [-2, 2) hashed from (seed, source, prefix, token), plus eos_bias(src)
// on <eos>.
LogitFn hashed_logits(int64_t V, int64_t eos, uint64_t seed,
                      std::function<float(int64_t)> eos_bias = nullptr) {
  return [=](int64_t src, const Prefix& prefix) {
    uint64_t h = mix(seed ^ mix(static_cast<uint64_t>(src) + 1000));
    for (int64_t t : prefix) h = mix(h ^ static_cast<uint64_t>(t + 7));
    std::vector<float> logits(V);
    for (int64_t v = 0; v < V; ++v) {
      const uint64_t r = mix(h ^ static_cast<uint64_t>(v + 101) * 0x2545f4914f6cdd1dULL);
      logits[v] = static_cast<float>(static_cast<double>(r >> 11) * 0x1.0p-53 * 4.0 - 2.0);
    }
    if (eos_bias) logits[eos] += eos_bias(src);
    return logits;
  };
}

// What a fake model saw while decoding.
struct Record {
  std::vector<int64_t> rows_per_step;  // rows of each decode_step call
  int reorders = 0;
  bool saw_training = false;  // is_training() was true in some decode_step
  bool saw_grad = false;      // grad mode was on in some decode_step
};

class FakeState : public DecoderState {
 public:
  std::vector<int64_t> source;  // [rows] the source id of each row
  std::vector<Prefix> prefix;   // [rows] the tokens fed after <bos>
  int64_t steps = 0;
  bool scramble = false;  // simulate a broken reorder: rows come out reversed
  Record* record = nullptr;

  void reorder(const Tensor& rows) override {
    BOOST_REQUIRE(rows.defined() && rows.ndim() == 1);
    std::vector<int64_t> s;
    std::vector<Prefix> p;
    for (int64_t i = 0; i < rows.numel(); ++i) {
      const float f = rows.data()[i];
      const auto r = static_cast<int64_t>(f);
      if (static_cast<float>(r) != f || r < 0 || r >= static_cast<int64_t>(source.size()))
        throw std::out_of_range("FakeState::reorder: bad row " + std::to_string(f));
      s.push_back(source[r]);
      p.push_back(prefix[r]);
    }
    if (scramble) {
      std::reverse(s.begin(), s.end());
      std::reverse(p.begin(), p.end());
    }
    source = std::move(s);
    prefix = std::move(p);
    ++record->reorders;
  }
};

class FakeModel : public SequenceModel {
 public:
  FakeModel(int64_t vocab, LogitFn fn, int64_t bos = 1, int64_t eos = 2)
      : V(vocab), logits_of(std::move(fn)), bos_(bos), eos_(eos) {}

  std::string type_name() const override { return "FakeModel"; }
  Tensor forward(const Tensor&, const Tensor&, const Tensor&) override {
    throw std::logic_error("FakeModel::forward is not used by decoding");
  }
  // source [B, S]: row b is source id source[b, 0].
  std::unique_ptr<DecoderState> start_decoding(const Tensor& src, const Tensor&) override {
    auto s = std::make_unique<FakeState>();
    for (int64_t b = 0; b < src.size(0); ++b) {
      s->source.push_back(static_cast<int64_t>(src.at({b, 0})));
      s->prefix.emplace_back();
    }
    s->scramble = scramble;
    s->record = &record;
    return s;
  }
  // prev_tokens [n] -> logits [n, V]
  Tensor decode_step(DecoderState& state, const Tensor& prev_tokens) override {
    auto& s = dynamic_cast<FakeState&>(state);
    const int64_t n = prev_tokens.numel();
    if (n != static_cast<int64_t>(s.source.size()))
      throw std::logic_error("FakeModel: " + std::to_string(n) + " tokens for " +
                             std::to_string(s.source.size()) + " rows");
    if (throw_at_step >= 0 && s.steps == throw_at_step)
      throw std::runtime_error("FakeModel: failing on purpose");
    record.rows_per_step.push_back(n);
    record.saw_training = record.saw_training || is_training();
    record.saw_grad = record.saw_grad || grad_enabled();
    std::vector<float> out;
    for (int64_t i = 0; i < n; ++i) {
      const auto tok = static_cast<int64_t>(prev_tokens.data()[i]);
      if (s.steps == 0) {
        if (tok != bos_) throw std::logic_error("FakeModel: first token is not <bos>");
      } else {
        if (tok == eos_) throw std::logic_error("FakeModel: fed <eos>");
        s.prefix[i].push_back(tok);
      }
      std::vector<float> l = logits_of(s.source[i], s.prefix[i]);
      out.insert(out.end(), l.begin(), l.end());
    }
    ++s.steps;
    return from_vector(out, {n, V});
  }
  int64_t target_vocab_size() const override { return V; }
  int64_t max_length() const override { return longest; }

  int64_t V;
  LogitFn logits_of;
  int64_t longest = 0;  // max_length(): 0 = any length
  Record record;
  bool scramble = false;
  int64_t throw_at_step = -1;

 private:
  int64_t bos_, eos_;
};

// source [B, 1] holding the source ids.
Tensor sources(const std::vector<int64_t>& ids) {
  return from_indices(ids, {static_cast<int64_t>(ids.size()), 1});
}

// log_softmax of the fake's logits, with the engine's own op (so the sums match bit for bit).
std::vector<float> log_probs(const LogitFn& fn, int64_t src, const Prefix& prefix) {
  std::vector<float> l = fn(src, prefix);
  Tensor lp = log_softmax(from_vector(l, {1, static_cast<int64_t>(l.size())}), 1);
  return std::vector<float>(lp.data(), lp.data() + lp.numel());
}

float penalty(float log_prob, int64_t len, float alpha) {
  if (alpha == 0.0f || len <= 0) return log_prob;
  return log_prob / static_cast<float>(std::pow(static_cast<double>(len), alpha));
}

// The argmax chain (first index on ties).
Hypothesis greedy_reference(const LogitFn& fn, int64_t src, const DecodeOptions& o) {
  Hypothesis h;
  for (int64_t t = 0; t < o.max_length; ++t) {
    std::vector<float> lp = log_probs(fn, src, h.tokens);
    int64_t best = 0;
    for (int64_t v = 1; v < static_cast<int64_t>(lp.size()); ++v)
      if (lp[v] > lp[best]) best = v;
    h.log_prob += lp[best];
    if (best == o.eos) {
      h.finished = true;
      break;
    }
    h.tokens.push_back(best);
  }
  h.score =
      penalty(h.log_prob, static_cast<int64_t>(h.tokens.size()) + h.finished, o.length_penalty);
  return h;
}

// Every sequence of at most max_length tokens: ending in <eos>, or max_length tokens without.
void exhaustive(const LogitFn& fn, int64_t src, const DecodeOptions& o, Prefix& prefix, float sum,
                Hypothesis& best, bool& have) {
  const auto consider = [&](const Prefix& tokens, float lp, bool fin) {
    const int64_t len = static_cast<int64_t>(tokens.size()) + fin;
    const float score = penalty(lp, len, o.length_penalty);
    if (!have || score > best.score) {
      best = Hypothesis{tokens, lp, score, fin};
      have = true;
    }
  };
  std::vector<float> lp = log_probs(fn, src, prefix);
  const int64_t depth = static_cast<int64_t>(prefix.size());
  for (int64_t v = 0; v < static_cast<int64_t>(lp.size()); ++v) {
    const float s = sum + lp[v];
    if (v == o.eos) {
      consider(prefix, s, true);
      continue;
    }
    prefix.push_back(v);
    if (depth + 1 == o.max_length)
      consider(prefix, s, false);
    else
      exhaustive(fn, src, o, prefix, s, best, have);
    prefix.pop_back();
  }
}

Hypothesis exhaustive_best(const LogitFn& fn, int64_t src, const DecodeOptions& o) {
  Hypothesis best;
  bool have = false;
  Prefix prefix;
  exhaustive(fn, src, o, prefix, 0.0f, best, have);
  return best;
}

// Beam search's options: at most max_length tokens, K beams, length penalty alpha.
DecodeOptions beam_options(int64_t max_length, int64_t K, float alpha) {
  DecodeOptions o;
  o.max_length = max_length;
  o.beam_size = K;
  o.length_penalty = alpha;
  return o;
}

// The documented beam rule for one source, written plainly and WITHOUT the early stop: every step
// to max_length (or until no live beam is left). Exact early stopping must not change its answer.
Hypothesis beam_reference(const LogitFn& fn, int64_t src, const DecodeOptions& o) {
  struct Beam {
    Prefix tokens;
    float sum;
  };
  struct Candidate {
    float sum;
    size_t beam;
    int64_t token;
  };
  const auto K = static_cast<size_t>(o.beam_size);
  std::vector<Hypothesis> finished;  // the K best
  const auto add = [&](Hypothesis h) {
    if (finished.size() < K) {
      finished.push_back(std::move(h));
      return;
    }
    auto worst = std::min_element(finished.begin(), finished.end(),
                                  [](const auto& a, const auto& b) { return a.score < b.score; });
    if (h.score > worst->score) *worst = std::move(h);
  };
  std::vector<Beam> beams = {Beam{{}, 0.0f}};
  for (int64_t t = 1; t <= o.max_length && !beams.empty(); ++t) {
    std::vector<Candidate> cands;  // in (beam, token) order, kept on ties by the stable sort
    for (size_t i = 0; i < beams.size(); ++i) {
      std::vector<float> lp = log_probs(fn, src, beams[i].tokens);
      for (size_t v = 0; v < lp.size(); ++v)
        cands.push_back({beams[i].sum + lp[v], i, static_cast<int64_t>(v)});
    }
    std::stable_sort(cands.begin(), cands.end(),
                     [](const Candidate& a, const Candidate& b) { return a.sum > b.sum; });
    std::vector<Beam> next;
    for (size_t rank = 0; rank < std::min(2 * K, cands.size()) && next.size() < K; ++rank) {
      const Candidate& c = cands[rank];
      if (c.token == o.eos) {
        if (rank < K)
          add(Hypothesis{beams[c.beam].tokens, c.sum, penalty(c.sum, t, o.length_penalty), true});
      } else {
        Prefix tokens = beams[c.beam].tokens;
        tokens.push_back(c.token);
        next.push_back(Beam{tokens, c.sum});
      }
    }
    if (t == o.max_length)
      for (const Beam& b : next)
        add(Hypothesis{b.tokens, b.sum, penalty(b.sum, t, o.length_penalty), false});
    beams = std::move(next);
  }
  Hypothesis best = finished.at(0);
  for (const Hypothesis& h : finished)
    if (h.score > best.score) best = h;
  return best;
}

std::string str(const Hypothesis& h) {
  std::string s = "[";
  for (int64_t t : h.tokens) s += std::to_string(t) + " ";
  return s + "] log_prob " + std::to_string(h.log_prob) + " score " + std::to_string(h.score) +
         (h.finished ? " finished" : " unfinished");
}

bool same(const Hypothesis& a, const Hypothesis& b, float tol) {
  return a.tokens == b.tokens && a.finished == b.finished &&
         std::fabs(a.log_prob - b.log_prob) <= tol && std::fabs(a.score - b.score) <= tol;
}

void check_same(const Hypothesis& got, const Hypothesis& want, float tol, const std::string& what) {
  BOOST_CHECK_MESSAGE(same(got, want, tol), what << ": got " << str(got) << ", want " << str(want));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_decoding)

BOOST_AUTO_TEST_CASE(greedy_is_the_argmax_chain) {
  const int64_t V = 7;
  LogitFn fn = hashed_logits(V, 2, 11, [](int64_t src) { return 0.3f * static_cast<float>(src); });
  FakeModel model(V, fn);
  const std::vector<int64_t> ids = {0, 1, 2, 3, 4, 5};
  for (float alpha : {0.0f, 1.0f}) {
    DecodeOptions o;
    o.max_length = 8;
    o.length_penalty = alpha;
    std::vector<Hypothesis> got = greedy_decode(model, sources(ids), Tensor(), o);
    BOOST_REQUIRE_EQUAL(got.size(), ids.size());
    for (size_t b = 0; b < ids.size(); ++b)
      check_same(got[b], greedy_reference(fn, ids[b], o), 1e-6f,
                 "source " + std::to_string(b) + " alpha " + std::to_string(alpha));
  }
}

BOOST_AUTO_TEST_CASE(beam_with_large_k_is_exhaustive_search) {
  // V = 4, max_length 4: at most 3^3 = 27 live beams and 108 candidates, so K = 128 prunes
  // nothing and only the stopping rule can make beam search differ from exhaustive search.
  const int64_t V = 4;
  const std::vector<int64_t> ids = {0, 1, 2, 3, 4, 5, 6, 7};
  LogitFn fn = hashed_logits(V, 2, 5);
  int differ = 0;
  std::vector<Hypothesis> by_alpha[2];
  for (int a = 0; a < 2; ++a) {
    FakeModel model(V, fn);
    DecodeOptions o;
    o.max_length = 4;
    o.beam_size = 128;
    o.length_penalty = static_cast<float>(a);
    by_alpha[a] = beam_search(model, sources(ids), Tensor(), o);
    BOOST_REQUIRE_EQUAL(by_alpha[a].size(), ids.size());
    for (size_t b = 0; b < ids.size(); ++b)
      check_same(by_alpha[a][b], exhaustive_best(fn, ids[b], o), 1e-5f,
                 "source " + std::to_string(b) + " alpha " + std::to_string(a));
  }
  for (size_t b = 0; b < ids.size(); ++b) differ += by_alpha[0][b].tokens != by_alpha[1][b].tokens;
  // The setup is meaningful: the length penalty changes the winner of some source.
  BOOST_CHECK_GT(differ, 0);
}

BOOST_AUTO_TEST_CASE(beam_search_follows_its_rule_and_stops_only_when_it_is_safe) {
  // Beam widths that prune, against the rule run to max_length without early stopping: the
  // answers must be the same, and (alpha <= 0) the early stop must have ended some sources before
  // max_length (a source with V >= 2 always has live beams, so only the stop can end it early).
  const int64_t V = 5, T = 9;
  const std::vector<int64_t> ids = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  for (uint64_t seed : {41u, 42u}) {
    LogitFn fn = hashed_logits(V, 2, seed, [](int64_t src) { return 0.4f * (src % 4) - 0.4f; });
    for (int64_t K : {1, 2, 3, 5}) {
      for (float alpha : {0.0f, 0.6f, 1.0f, -0.5f}) {
        const DecodeOptions o = beam_options(T, K, alpha);
        FakeModel model(V, fn);
        std::vector<Hypothesis> got = beam_search(model, sources(ids), Tensor(), o);
        const std::string what = "seed " + std::to_string(seed) + " K " + std::to_string(K) +
                                 " alpha " + std::to_string(alpha);
        int stopped_early = 0;
        for (size_t b = 0; b < ids.size(); ++b) {
          check_same(got[b], beam_reference(fn, ids[b], o), 1e-6f,
                     what + " source " + std::to_string(b));
          FakeModel single(V, fn);
          beam_search(single, sources({ids[b]}), Tensor(), o);
          stopped_early += single.record.rows_per_step.size() < static_cast<size_t>(T);
        }
        if (alpha <= 0.0f)
          BOOST_CHECK_MESSAGE(stopped_early > 0, what << ": no source stopped early");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(beam_search_follows_its_rule_over_vocabularies_of_many_runs) {
  // The ranking turns candidates away sixteen at a time once its list is full: vocabularies of
  // several runs of 16 and a tail, with the reference's plain sort of all K V candidates.
  const std::vector<int64_t> ids = {0, 1, 2, 3, 4, 5};
  for (int64_t V : {37, 64}) {
    LogitFn fn = hashed_logits(V, 2, 77, [](int64_t src) { return 0.5f * (src % 3) + 1.0f; });
    for (int64_t K : {2, 4}) {
      for (float alpha : {0.0f, 1.0f}) {
        const DecodeOptions o = beam_options(6, K, alpha);
        FakeModel model(V, fn);
        std::vector<Hypothesis> got = beam_search(model, sources(ids), Tensor(), o);
        for (size_t b = 0; b < ids.size(); ++b)
          check_same(got[b], beam_reference(fn, ids[b], o), 1e-6f,
                     "V " + std::to_string(V) + " K " + std::to_string(K) + " alpha " +
                         std::to_string(alpha) + " source " + std::to_string(b));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(beam_finds_a_better_sequence_than_greedy) {
  // Greedy takes 3 (p .5) then <eos> (p .3): .15. Beam (K = 2) also keeps 0 (p .45), whose <eos>
  // has p .99: .4455.
  const auto table = [](int64_t, const Prefix& prefix) {
    std::vector<float> p;
    if (prefix.empty())
      p = {0.45f, 1e-6f, 0.05f, 0.5f};
    else if (prefix == Prefix{3})
      p = {0.23f, 0.23f, 0.3f, 0.24f};
    else if (prefix == Prefix{0})
      p = {0.0033f, 0.0033f, 0.99f, 0.0034f};
    else
      p = {0.01f, 0.01f, 0.97f, 0.01f};
    for (float& x : p) x = std::log(x);
    return p;
  };
  FakeModel model(4, table);
  DecodeOptions o;
  o.max_length = 5;
  o.length_penalty = 0.0f;
  Hypothesis g = greedy_decode(model, sources({0}), Tensor(), o)[0];
  o.beam_size = 2;
  Hypothesis b = beam_search(model, sources({0}), Tensor(), o)[0];
  BOOST_CHECK(g.tokens == Prefix{3});
  BOOST_CHECK(b.tokens == Prefix{0});
  BOOST_CHECK(g.finished && b.finished);
  BOOST_CHECK_CLOSE(g.log_prob, std::log(0.5f * 0.3f), 1e-3);
  BOOST_CHECK_CLOSE(b.log_prob, std::log(0.45f * 0.99f), 1e-3);
  BOOST_CHECK_GT(b.score, g.score);
}

BOOST_AUTO_TEST_CASE(a_batch_decodes_as_its_sources_one_at_a_time) {
  // Per-source <eos> biases make the sources finish at different steps.
  const int64_t V = 6;
  const std::vector<float> bias = {4.0f, -1.0f, 0.5f, -3.0f, 2.0f, -0.5f};
  LogitFn fn = hashed_logits(V, 2, 23, [&](int64_t src) { return bias[src]; });
  const std::vector<int64_t> ids = {0, 1, 2, 3, 4, 5};
  for (int64_t K : {1, 3}) {
    for (float alpha : {0.0f, 1.0f}) {
      const DecodeOptions o = beam_options(7, K, alpha);
      const std::string what = "K " + std::to_string(K) + " alpha " + std::to_string(alpha);
      FakeModel batched(V, fn);
      std::vector<Hypothesis> all = decode(batched, sources(ids), Tensor(), o);
      BOOST_REQUIRE_EQUAL(all.size(), ids.size());
      std::vector<size_t> lengths;
      for (size_t b = 0; b < ids.size(); ++b) {
        FakeModel single(V, fn);
        check_same(all[b], decode(single, sources({ids[b]}), Tensor(), o)[0], 0.0f,
                   what + " source " + std::to_string(b));
        lengths.push_back(all[b].tokens.size());
      }
      // Sanity of the setup: the sources did finish at different steps.
      BOOST_CHECK(*std::min_element(lengths.begin(), lengths.end()) <
                  *std::max_element(lengths.begin(), lengths.end()));
      // Done sources leave the state: the rows never grow past B*K, step 1 runs one row per
      // source, and the last step runs fewer rows than the widest one.
      const std::vector<int64_t>& rows = batched.record.rows_per_step;
      BOOST_REQUIRE(!rows.empty());
      BOOST_CHECK_EQUAL(rows.front(), static_cast<int64_t>(ids.size()));
      const int64_t widest = *std::max_element(rows.begin(), rows.end());
      BOOST_CHECK_LE(widest, static_cast<int64_t>(ids.size()) * K);
      BOOST_CHECK_LT(rows.back(), widest);
      if (K == 1)  // greedy: rows only ever shrink
        for (size_t i = 1; i < rows.size(); ++i) BOOST_CHECK_LE(rows[i], rows[i - 1]);
    }
  }
}

BOOST_AUTO_TEST_CASE(max_length_stops_unfinished_hypotheses) {
  const int64_t V = 4;
  LogitFn fn = hashed_logits(V, 2, 9, [](int64_t) { return -30.0f; });  // <eos> ~never
  const std::vector<int64_t> ids = {0, 1, 2};
  DecodeOptions o;
  o.max_length = 3;
  o.length_penalty = 1.0f;
  FakeModel model(V, fn);
  std::vector<Hypothesis> g = greedy_decode(model, sources(ids), Tensor(), o);
  for (size_t b = 0; b < ids.size(); ++b) {
    BOOST_CHECK(!g[b].finished);
    BOOST_CHECK_EQUAL(g[b].tokens.size(), 3u);
    check_same(g[b], greedy_reference(fn, ids[b], o), 1e-6f, "greedy source " + std::to_string(b));
  }
  BOOST_CHECK_EQUAL(model.record.rows_per_step.size(), 3u);  // exactly max_length steps
  for (int64_t K : {2, 64}) {
    o.beam_size = K;
    std::vector<Hypothesis> h = beam_search(model, sources(ids), Tensor(), o);
    for (size_t b = 0; b < ids.size(); ++b) {
      BOOST_CHECK(!h[b].finished);
      BOOST_CHECK_EQUAL(h[b].tokens.size(), 3u);
      BOOST_CHECK_CLOSE(h[b].score, h[b].log_prob / 3.0f, 1e-4);
      if (K == 64) check_same(h[b], exhaustive_best(fn, ids[b], o), 1e-5f, "exhaustive");
    }
  }
  // max_length 0: nothing generated, the model is not asked.
  o.max_length = 0;
  FakeModel idle(V, fn);
  for (int64_t K : {1, 3}) {
    o.beam_size = K;
    std::vector<Hypothesis> h = decode(idle, sources(ids), Tensor(), o);
    BOOST_REQUIRE_EQUAL(h.size(), ids.size());
    BOOST_CHECK(h[0].tokens.empty() && !h[0].finished && h[0].log_prob == 0.0f);
  }
  BOOST_CHECK(idle.record.rows_per_step.empty());
}

// A model with max_length() (a Transformer's positions) is never asked for more steps than that,
// whatever DecodeOptions::max_length says.
BOOST_AUTO_TEST_CASE(decoding_stops_at_the_models_max_length) {
  const int64_t V = 4;
  LogitFn fn = hashed_logits(V, 2, 9, [](int64_t) { return -30.0f; });  // <eos> ~never
  const std::vector<int64_t> ids = {0, 1};
  DecodeOptions o;
  o.max_length = 50;
  for (int64_t K : {1, 3}) {
    o.beam_size = K;
    FakeModel model(V, fn);
    model.longest = 4;
    std::vector<Hypothesis> h = decode(model, sources(ids), Tensor(), o);
    for (const Hypothesis& hyp : h) {
      BOOST_CHECK(!hyp.finished);
      BOOST_CHECK_EQUAL(hyp.tokens.size(), 4u);
    }
    BOOST_CHECK_EQUAL(model.record.rows_per_step.size(), 4u);
  }
}

BOOST_AUTO_TEST_CASE(reorder_moves_each_rows_state) {
  // The fake's state drives the logits by each row's source and prefix: decoding matches brute
  // force only when reorder is called with the right rows. A fake whose reorder reverses the rows
  // shows that this check can fail.
  const int64_t V = 4;
  LogitFn fn = hashed_logits(V, 2, 31, [](int64_t src) { return src == 0 ? 3.0f : -1.0f; });
  const std::vector<int64_t> ids = {0, 1, 2, 3};
  DecodeOptions o;
  o.max_length = 4;
  o.length_penalty = 1.0f;
  for (int64_t K : {1, 3, 128}) {
    o.beam_size = K;
    FakeModel good(V, fn), broken(V, fn);
    broken.scramble = true;
    std::vector<Hypothesis> h = decode(good, sources(ids), Tensor(), o);
    std::vector<Hypothesis> bad = decode(broken, sources(ids), Tensor(), o);
    BOOST_CHECK_GT(good.record.reorders, 0);
    int wrong = 0;
    for (size_t b = 0; b < ids.size(); ++b) {
      const Hypothesis want = K == 1     ? greedy_reference(fn, ids[b], o)
                              : K == 128 ? exhaustive_best(fn, ids[b], o)
                                         : h[b];
      check_same(h[b], want, 1e-5f, "K " + std::to_string(K) + " source " + std::to_string(b));
      wrong += !same(bad[b], want, 1e-5f);
      if (K == 3) {  // the same beam search one source at a time (no reorder across sources)
        FakeModel single(V, fn);
        check_same(h[b], beam_search(single, sources({ids[b]}), Tensor(), o)[0], 0.0f, "single");
      }
    }
    BOOST_CHECK_MESSAGE(wrong > 0, "K " << K << ": a broken reorder went unnoticed");
  }
}

BOOST_AUTO_TEST_CASE(training_flag_and_grad_mode_are_restored) {
  const int64_t V = 5;
  LogitFn fn = hashed_logits(V, 2, 3);
  for (int64_t K : {1, 2}) {
    DecodeOptions o;
    o.max_length = 5;
    o.beam_size = K;
    FakeModel model(V, fn);
    model.train();
    decode(model, sources({0, 1}), Tensor(), o);
    BOOST_CHECK(model.is_training());
    BOOST_CHECK(!model.record.rows_per_step.empty());
    BOOST_CHECK(!model.record.saw_training);
    BOOST_CHECK(!model.record.saw_grad);
    model.eval();
    decode(model, sources({0, 1}), Tensor(), o);
    BOOST_CHECK(!model.is_training());
    // An exception in the middle of decoding restores both too.
    model.train();
    model.throw_at_step = 2;
    BOOST_CHECK_THROW(decode(model, sources({0, 1}), Tensor(), o), std::runtime_error);
    BOOST_CHECK(model.is_training());
    BOOST_CHECK(grad_enabled());
  }
}

BOOST_AUTO_TEST_CASE(decode_dispatches_and_checks_its_options) {
  const int64_t V = 5;
  LogitFn fn = hashed_logits(V, 2, 77, [](int64_t) { return -0.5f; });
  const std::vector<int64_t> ids = {0, 1, 2};
  DecodeOptions o;
  o.max_length = 6;
  FakeModel model(V, fn);
  std::vector<Hypothesis> d = decode(model, sources(ids), Tensor(), o);
  std::vector<Hypothesis> g = greedy_decode(model, sources(ids), Tensor(), o);
  o.beam_size = 3;
  std::vector<Hypothesis> db = decode(model, sources(ids), Tensor(), o);
  std::vector<Hypothesis> b = beam_search(model, sources(ids), Tensor(), o);
  for (size_t i = 0; i < ids.size(); ++i) {
    check_same(d[i], g[i], 0.0f, "decode K=1");
    check_same(db[i], b[i], 0.0f, "decode K=3");
  }
  o.beam_size = 0;
  BOOST_CHECK_THROW(decode(model, sources(ids), Tensor(), o), std::invalid_argument);
  BOOST_CHECK_THROW(beam_search(model, sources(ids), Tensor(), o), std::invalid_argument);
  o.beam_size = 2;
  o.eos = V;
  BOOST_CHECK_THROW(decode(model, sources(ids), Tensor(), o), std::invalid_argument);
  o.eos = 2;
  o.max_length = -1;
  BOOST_CHECK_THROW(greedy_decode(model, sources(ids), Tensor(), o), std::invalid_argument);
  o.max_length = 4;
  BOOST_CHECK_THROW(decode(model, from_indices({0, 1}, {2}), Tensor(), o), ShapeError);
  BOOST_CHECK(decode(model, from_indices({}, {0, 1}), Tensor(), o).empty());
}

BOOST_AUTO_TEST_SUITE_END()
