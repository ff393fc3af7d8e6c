// Listen, attend and spell (models/las.h): the listener's time reduction and masks, incremental
// decoding against teacher forcing, padding, reordering the decoder state, parameter gradients
// against finite differences, overfitting a tiny batch with every attention kind (and the CTC
// head), and bad hyperparameters.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "models/las.h"
#include "models/registry.h"
#include "test_util.h"
#include "trainers/optim.h"
#include "trainers/tasks/decoding.h"

using namespace attend;

namespace {

constexpr int64_t kFeatures = 3, kVocab = 7;

// Two utterances of 11 and 6 frames (padded to 12, a multiple of 2^2), targets <bos>=1 y.
struct TinyBatch {
  Tensor features;
  Tensor mask;
  Tensor target_input = from_indices({1, 4, 5, 6, 1, 6, 4, 0}, {2, 4});
  Tensor target_output = from_indices({4, 5, 6, 2, 6, 4, 2, 0}, {2, 4});
  TinyBatch() {
    Generator g(3);
    features = uniform({2, 12, kFeatures}, -1, 1, g);
    std::vector<float> m(24, 0.0f);
    for (int64_t t = 11; t < 12; ++t) m[t] = 1;
    for (int64_t t = 6; t < 12; ++t) m[12 + t] = 1;
    mask = from_vector(m, {2, 12});
    features = mul(features, rsub(1.0f, reshape(mask, {2, 12, 1})));  // zeros at padding
  }
};

LASOptions tiny(SpellerAttention attention, int64_t levels = 2, float ctc = 0.0f) {
  LASOptions o;
  o.num_features = kFeatures;
  o.vocab = kVocab;
  o.listener_hidden = 3;
  o.levels = levels;
  o.speller_hidden = attention == SpellerAttention::kDot ? 6 : 4;
  o.speller_layers = 1;
  o.embedding = 3;
  o.attention = attention;
  o.attention_dim = 4;
  o.location_filters = 2;
  o.location_width = 3;
  o.dropout = 0.0f;
  o.ctc_weight = ctc;
  return o;
}

const std::vector<SpellerAttention> kAttentions = {
    SpellerAttention::kLocation, SpellerAttention::kAdditive, SpellerAttention::kDot,
    SpellerAttention::kGeneral};

std::shared_ptr<LAS> make(SpellerAttention a, int64_t levels = 2, float ctc = 0.0f) {
  Generator g(5);
  return std::make_shared<LAS>(tiny(a, levels, ctc), g, nullptr);
}

Tensor stepwise_logits(LAS& m, const TinyBatch& b) {
  auto state = m.start_decoding(b.features, b.mask);
  std::vector<Tensor> steps;
  for (const Tensor& tokens : unbind(b.target_input, 1))
    steps.push_back(m.decode_step(*state, tokens));
  return stack(steps, 1);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_las)

BOOST_AUTO_TEST_CASE(listener_halves_time_per_level_and_masks_padding) {
  TinyBatch b;
  for (int64_t levels : {0, 1, 2, 3}) {
    BOOST_TEST_CONTEXT("levels " << levels) {
      auto m = make(SpellerAttention::kLocation, levels);
      BOOST_CHECK_EQUAL(m->time_reduction(), int64_t{1} << levels);
      LAS::Listened l = m->listen(b.features, b.mask);
      const int64_t T = (12 + (int64_t{1} << levels) - 1) >> levels;  // an odd step is padded
      BOOST_REQUIRE(l.outputs.shape() == Shape({2, T, 6}));
      // 11 and 6 frames: ceil(n / 2) per level.
      int64_t a = 11, c = 6;
      for (int64_t k = 0; k < levels; ++k) a = (a + 1) / 2, c = (c + 1) / 2;
      BOOST_CHECK(l.lengths == std::vector<int64_t>({a, c}));
      BOOST_REQUIRE(l.padding_mask.defined());
      for (int64_t t = 0; t < T; ++t) {
        BOOST_CHECK_EQUAL(l.padding_mask.at({1, t}), t >= c ? 1.0f : 0.0f);
        if (t >= c) BOOST_CHECK_EQUAL(l.outputs.at({1, t, 0}), 0.0f);  // padded steps are zero
      }
    }
  }
  // 13 frames over two levels: 13 -> 7 (the odd one paired with padding) -> 4.
  auto m = make(SpellerAttention::kLocation, 2);
  Generator g(1);
  LAS::Listened l = m->listen(uniform({1, 13, kFeatures}, -1, 1, g), Tensor());
  BOOST_CHECK(l.outputs.shape() == Shape({1, 4, 6}));
  BOOST_CHECK(l.lengths == std::vector<int64_t>({4}));
  BOOST_CHECK(!l.padding_mask.defined());
}

BOOST_AUTO_TEST_CASE(incremental_decoding_matches_teacher_forcing) {
  TinyBatch b;
  for (SpellerAttention a : kAttentions) {
    BOOST_TEST_CONTEXT(to_string(a)) {
      auto m = make(a);
      m->eval();
      NoGradGuard no_grad;
      Tensor full = m->forward(b.features, b.mask, b.target_input);
      BOOST_REQUIRE(full.shape() == Shape({2, 4, kVocab}));
      test::check_close(stepwise_logits(*m, b), full, 1e-5f, 1e-4f);
      // The decoder state's attention is the last step's alignment over listener steps.
      auto state = m->start_decoding(b.features, b.mask);
      m->decode_step(*state, from_indices({1, 1}, {2}));
      BOOST_CHECK(state->last_attention().shape() == Shape({2, 1, 3}));
      BOOST_CHECK_EQUAL(state->last_attention().at({1, 0, 2}), 0.0f);  // row 1 has 2 steps
    }
  }
}

BOOST_AUTO_TEST_CASE(padding_changes_nothing) {
  TinyBatch b;
  for (SpellerAttention a : kAttentions) {
    BOOST_TEST_CONTEXT(to_string(a)) {
      auto m = make(a);
      m->eval();
      NoGradGuard no_grad;
      Tensor batched = narrow(m->forward(b.features, b.mask, b.target_input), 0, 1, 1);
      // Row 1 alone: its 6 frames padded to 8 (what a batch of one pads to), or not at all.
      Tensor alone = narrow(narrow(b.features, 0, 1, 1), 1, 0, 8);
      Tensor alone_mask = from_vector({0, 0, 0, 0, 0, 0, 1, 1}, {1, 8});
      Tensor single = m->forward(alone, alone_mask, narrow(b.target_input, 0, 1, 1));
      test::check_close(single, batched, 1e-5f, 1e-4f);
      Tensor unpadded =
          m->forward(narrow(alone, 1, 0, 6), Tensor(), narrow(b.target_input, 0, 1, 1));
      test::check_close(unpadded, batched, 1e-5f, 1e-4f);
    }
  }
}

BOOST_AUTO_TEST_CASE(reordering_the_state_reorders_the_rows) {
  TinyBatch b;
  Tensor swap = from_indices({1, 0, 1}, {3});
  auto m = make(SpellerAttention::kLocation);
  m->eval();
  NoGradGuard no_grad;
  auto state = m->start_decoding(b.features, b.mask);
  m->decode_step(*state, from_indices({1, 1}, {2}));
  state->reorder(swap);
  Tensor second = m->decode_step(*state, from_indices({4, 5, 4}, {3}));
  auto direct = m->start_decoding(index_select(b.features, 0, swap), index_select(b.mask, 0, swap));
  m->decode_step(*direct, from_indices({1, 1, 1}, {3}));
  test::check_close(second, m->decode_step(*direct, from_indices({4, 5, 4}, {3})), 1e-5f, 1e-4f);
}

BOOST_AUTO_TEST_CASE(parameter_gradients_match_finite_differences) {
  TinyBatch b;
  for (SpellerAttention a : {SpellerAttention::kLocation, SpellerAttention::kAdditive}) {
    BOOST_TEST_CONTEXT(to_string(a)) {
      auto m = make(a, 1, 0.5f);
      auto loss = [&] {
        LAS::Listened l = m->listen(b.features, b.mask);
        Tensor logits = m->spell(l, b.target_input);
        Tensor ce = cross_entropy(reshape(logits, {-1, kVocab}), reshape(b.target_output, {-1}), 0);
        return ce + sum(m->ctc_logits(l) * m->ctc_logits(l)) * 0.01f;
      };
      BOOST_CHECK_GT(test::check_parameter_gradients(*m, loss), 300);
    }
  }
}

BOOST_AUTO_TEST_CASE(overfits_a_tiny_batch_with_every_attention) {
  TinyBatch b;
  for (SpellerAttention a : kAttentions) {
    BOOST_TEST_CONTEXT(to_string(a)) {
      // A size-4 speller sometimes settles on the characters' frequencies (seen with seeds 3
      // and 5); at size 8 every attention kind fits both targets from seeds 1-5.
      LASOptions lo = tiny(a);
      if (a != SpellerAttention::kDot) lo.speller_hidden = 8;
      lo.attention_dim = 8;
      Generator g(5);
      auto m = std::make_shared<LAS>(lo, g, nullptr);
      AdamOptions o;
      o.lr = 0.03f;
      Adam opt(m->parameters(), o);
      float last = 0;
      for (int step = 0; step < 200; ++step) {
        opt.zero_grad();
        Tensor logits = m->forward(b.features, b.mask, b.target_input);
        Tensor loss =
            cross_entropy(reshape(logits, {-1, kVocab}), reshape(b.target_output, {-1}), 0);
        loss.backward();
        opt.step();
        last = loss.item();
      }
      BOOST_CHECK_LT(last, 0.05f);
      // Greedy decoding then spells both targets.
      DecodeOptions d;
      d.max_length = 8;
      auto hyps = greedy_decode(*m, b.features, b.mask, d);
      BOOST_CHECK(hyps[0].tokens == std::vector<int64_t>({4, 5, 6}));
      BOOST_CHECK(hyps[1].tokens == std::vector<int64_t>({6, 4}));
      d.beam_size = 3;
      BOOST_CHECK(beam_search(*m, b.features, b.mask, d)[1].tokens == std::vector<int64_t>({6, 4}));
    }
  }
}

BOOST_AUTO_TEST_CASE(registry_entry_and_bad_hyperparameters) {
  const ModelEntry& e = find_model("las");
  BOOST_CHECK(e.task == TaskKind::kSpeech);
  ModelDims dims;
  dims.num_features = 40;
  dims.target_vocab = 30;
  Generator g(1);
  auto m = e.create(Hyperparams(e.hyperparams, {}), dims, g, nullptr);
  auto& las = dynamic_cast<LAS&>(*m);
  BOOST_CHECK(las.options.attention == SpellerAttention::kLocation);
  BOOST_CHECK_EQUAL(las.time_reduction(), 8);
  BOOST_CHECK(!las.ctc);
  auto with_ctc = e.create(Hyperparams(e.hyperparams, {{"ctc-weight", "0.3"}}), dims, g, nullptr);
  BOOST_CHECK(dynamic_cast<LAS&>(*with_ctc).ctc);
  auto message = [&](const std::map<std::string, std::string>& over) {
    try {
      e.create(Hyperparams(e.hyperparams, over), dims, g, nullptr);
    } catch (const HyperparamError& ex) {
      return std::string(ex.what());
    }
    return std::string("no error");
  };
  test::check_mentions(message({{"attention", "dot"}, {"hidden", "100"}}),
                       {"dot", "100", "256", "listener-hidden"});
  test::check_mentions(message({{"location-width", "14"}}), {"location-width", "odd", "14"});
  test::check_mentions(message({{"attention", "scaled"}}), {"attention", "scaled"});
  BOOST_CHECK(parse_speller_attention("general") == SpellerAttention::kGeneral);
  BOOST_CHECK_THROW(parse_speller_attention("luong"), HyperparamError);
  // Features of the wrong width are a shape error naming the model.
  test::check_mentions(test::shape_error_message([&] {
                         las.listen(zeros({1, 8, 13}), Tensor());
                       }),
                       {"LAS", "[1, 8, 13]", "40"});
}

BOOST_AUTO_TEST_SUITE_END()
