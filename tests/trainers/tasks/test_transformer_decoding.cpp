// Greedy decoding and beam search of random Transformers with the key/value cache give the same
// tokens as the uncached decoder (which re-runs the decoder over the whole prefix every step):
// post-LN and pre-LN, tied embeddings, a batch with padded sources, beam sizes 1 to 5; and the
// two decoders' logits agree step by step along a beam-like sequence of reorders.
//   B = sources, K = beam size, V = target vocabulary
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "autograd/creation.h"
#include "models/transformer_model.h"
#include "test_util.h"
#include "trainers/tasks/decoding.h"

using namespace attend;

namespace {

constexpr int64_t kEos = 2;

struct Variant {
  std::string name;
  bool norm_first, tie;
  uint64_t seed;
  // A random model's next token hardly depends on its input: a larger output projection
  // sharpens the distributions, and a raised <eos> logit ends hypotheses at different steps
  // (rows leave the state mid-way) rather than all at max_length. Chosen per variant so that
  // the four sources' answers have at least two lengths at every beam size.
  float output_scale, eos_bias;
};

std::shared_ptr<TransformerModel> random_model(const Variant& v) {
  TransformerModelOptions o;
  o.source_vocab = 11;
  o.target_vocab = 13;
  o.d_model = 16;
  o.heads = 4;
  o.feedforward = 24;
  o.encoder_layers = 2;
  o.decoder_layers = 2;
  o.dropout = 0.1f;  // decoding runs in eval mode: no effect
  o.norm_first = v.norm_first;
  o.tie_embeddings = v.tie;
  o.max_length = 32;
  Generator g(v.seed);
  auto m = std::make_shared<TransformerModel>(o, g, std::make_shared<Generator>(1));
  float* w = m->output->weight.data();
  for (int64_t i = 0; i < m->output->weight.numel(); ++i) w[i] *= v.output_scale;
  m->output->bias.data()[kEos] += v.eos_bias;
  return m;
}

// Four sources of lengths 5, 2, 4 and 1, right-padded with id 0.
struct Sources {
  Tensor ids = from_indices({4, 5, 6, 7, 8, 9, 3, 0, 0, 0, 10, 4, 4, 5, 0, 6, 0, 0, 0, 0}, {4, 5});
  Tensor mask = from_vector({0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1}, {4, 5});
};

std::vector<Variant> variants() {
  return {{"post-LN", false, false, 21, 6.0f, 1.0f},
          {"pre-LN", true, false, 22, 6.0f, 0.0f},
          {"tied", false, true, 23, 1.0f, 1.5f}};
}

std::vector<Hypothesis> run(TransformerModel& m, bool cache, const DecodeOptions& o) {
  m.kv_cache = cache;
  Sources s;
  return decode(m, s.ids, s.mask, o);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_transformer_decoding)

BOOST_AUTO_TEST_CASE(cached_and_uncached_decoders_give_the_same_hypotheses) {
  for (const Variant& v : variants())
    for (int64_t K : {1, 2, 3, 5}) {
      BOOST_TEST_CONTEXT(v.name << ", beam " << K) {
        auto m = random_model(v);
        DecodeOptions o;
        o.beam_size = K;
        o.max_length = 12;
        o.eos = kEos;
        const std::vector<Hypothesis> cached = run(*m, true, o), plain = run(*m, false, o);
        BOOST_REQUIRE_EQUAL(cached.size(), plain.size());
        size_t finished = 0, lengths_seen = 0;
        std::vector<bool> seen(o.max_length + 1, false);
        for (size_t b = 0; b < cached.size(); ++b) {
          BOOST_TEST_CONTEXT("source " << b) {
            BOOST_CHECK(cached[b].tokens == plain[b].tokens);
            BOOST_CHECK_EQUAL(cached[b].finished, plain[b].finished);
            BOOST_CHECK_CLOSE_FRACTION(cached[b].log_prob, plain[b].log_prob, 1e-4);
            BOOST_CHECK_CLOSE_FRACTION(cached[b].score, plain[b].score, 1e-4);
          }
          finished += cached[b].finished;
          const size_t len = cached[b].tokens.size();
          if (!seen[len]) ++lengths_seen, seen[len] = true;
        }
        // The test means something only if rows left the state at different steps.
        BOOST_CHECK_GE(finished, 1u);
        BOOST_CHECK_GE(lengths_seen, 2u);
      }
    }
}

// The same tokens fed to both decoders' states, with the rows reordered every step as beam
// search does (expanded to 2 rows a source, then repeated, dropped and shuffled): their logits
// agree at every step.
BOOST_AUTO_TEST_CASE(cached_logits_follow_the_uncached_ones_through_reorders) {
  for (const Variant& v : variants()) {
    BOOST_TEST_CONTEXT(v.name) {
      auto m = random_model(v);
      m->eval();
      NoGradGuard no_grad;
      Sources s;
      m->kv_cache = true;
      auto cached = m->start_decoding(s.ids, s.mask);
      m->kv_cache = false;
      auto plain = m->start_decoding(s.ids, s.mask);
      const std::vector<std::vector<int64_t>> reorders = {
          {0, 0, 1, 1, 2, 2, 3, 3}, {1, 0, 3, 2, 2, 5, 4, 7}, {0, 2, 4, 6}, {3, 3, 1, 0, 2}};
      std::vector<int64_t> tokens(4, 1);  // <bos>
      for (size_t step = 0; step <= reorders.size(); ++step) {
        const Tensor prev = from_indices(tokens, {static_cast<int64_t>(tokens.size())});
        m->kv_cache = true;
        Tensor a = m->decode_step(*cached, prev);
        Tensor att_a = cached->last_attention();
        m->kv_cache = false;
        Tensor b = m->decode_step(*plain, prev);
        test::check_close(a, b, 1e-5f, 1e-4f);
        test::check_close(att_a, plain->last_attention(), 1e-6f, 1e-4f);
        if (step == reorders.size()) break;
        const std::vector<int64_t>& rows = reorders[step];
        const Tensor r = from_indices(rows, {static_cast<int64_t>(rows.size())});
        cached->reorder(r);
        plain->reorder(r);
        tokens.assign(rows.size(), 0);
        for (size_t i = 0; i < rows.size(); ++i) tokens[i] = 3 + (rows[i] + step) % 10;
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
