// The key/value cache of incremental decoding (AttentionCache, MultiheadAttention's
// forward_incremental / cache_memory / forward_cached, TransformerDecoder's start_cache /
// forward_step, the positional encodings' forward_from): fed a sequence a few positions at a
// time, each gives what the whole-sequence forward with a causal mask gives at those positions;
// reorder() moves rows as beam search needs; gradients through cached steps match finite
// differences; misuse is a ShapeError naming the sizes.
//   B = batch, T = target positions, S = memory positions, E = embed_dim
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "layers/multihead_attention.h"
#include "layers/positional_encoding.h"
#include "layers/transformer.h"
#include "test_util.h"

using namespace attend;
using attend::test::check_close;
using attend::test::param;

namespace {

// Biases and LayerNorm affine parameters start at 0 and 1; other values show a bias applied to
// the wrong rows.
void randomise_biases(Module& m, uint64_t seed) {
  Generator g(seed);
  for (auto& [name, p] : m.named_parameters())
    if (name.find("bias") != std::string::npos || name.find("norm") != std::string::npos) {
      Tensor noise = uniform(p.shape(), -0.5f, 0.5f, g);
      add_(p, noise);
    }
}

// Key padding masks [B, T] (1 = padding) with padding at the given positions of each row.
Tensor padding(const std::vector<std::vector<int64_t>>& padded, int64_t t) {
  std::vector<float> v(padded.size() * t, 0.0f);
  for (size_t b = 0; b < padded.size(); ++b)
    for (int64_t j : padded[b]) v[b * t + j] = 1.0f;
  return from_vector(v, {static_cast<int64_t>(padded.size()), t});
}

// Splits [B, T, ...] along positions into chunks of the given lengths (summing to T).
std::vector<Tensor> chunks(const Tensor& x, const std::vector<int64_t>& lengths) {
  std::vector<Tensor> out;
  int64_t at = 0;
  for (int64_t n : lengths) {
    out.push_back(narrow(x, 1, at, n));
    at += n;
  }
  return out;
}

TransformerLayerOptions layer_options(bool norm_first) {
  TransformerLayerOptions o;
  o.d_model = 8;
  o.nhead = 2;
  o.dim_feedforward = 12;
  o.dropout = 0.0f;
  o.norm_first = norm_first;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_attention_cache)

// Token by token, and a prompt of 3 then single tokens: the outputs and per-head weights of the
// new positions are those of forward(x, x, x) with causal_mask(T) over the whole sequence.
BOOST_AUTO_TEST_CASE(incremental_self_attention_matches_the_causal_forward) {
  Generator gen(1);
  MultiheadAttention m(8, 2, gen);
  randomise_biases(m, 2);
  NoGradGuard no_grad;
  const int64_t T = 6;
  Tensor x = param({3, T, 8}, 3);
  auto full = m.forward(x, x, x, Tensor(), causal_mask(T), true, /*average=*/false);
  for (const std::vector<int64_t>& split :
       {std::vector<int64_t>{1, 1, 1, 1, 1, 1}, {3, 1, 2}, {6}}) {
    AttentionCache cache;
    int64_t at = 0;
    for (const Tensor& part : chunks(x, split)) {
      const int64_t n = part.size(1);
      auto r = m.forward_incremental(part, cache, Tensor(), true, false);
      BOOST_REQUIRE(cache.key_value.shape() == Shape({3, at + n, 16}));
      check_close(r.output, narrow(full.output, 1, at, n), 1e-6f, 1e-5f);
      // weights [B, H, n, at + n]: the full ones' rows of these positions, first at + n keys
      check_close(r.weights, narrow(narrow(full.weights, 2, at, n), 3, 0, at + n), 1e-6f, 1e-5f);
      at += n;
    }
    BOOST_CHECK_EQUAL(cache.length(), T);
    BOOST_CHECK(!cache.key_padding_mask.defined());
  }
}

// Padded positions (left padding, as prompts of different lengths have) stay masked in later
// steps: the same as forward with the whole padding mask and the causal mask.
BOOST_AUTO_TEST_CASE(incremental_self_attention_keeps_padding_of_earlier_steps) {
  Generator gen(4);
  MultiheadAttention m(8, 2, gen);
  randomise_biases(m, 5);
  NoGradGuard no_grad;
  const int64_t T = 5;
  Tensor x = param({2, T, 8}, 6);
  const Tensor pad = padding({{0, 1}, {}}, T);  // row 0's first two positions are padding
  auto full = m.forward(x, x, x, pad, causal_mask(T), true, false);
  AttentionCache cache;
  auto prompt = m.forward_incremental(narrow(x, 1, 0, 3), cache, narrow(pad, 1, 0, 3), true, false);
  // Rows of queries that see only padding are whatever softmax gives there; compare the rest.
  check_close(narrow(prompt.output, 1, 2, 1), narrow(full.output, 1, 2, 1), 1e-6f, 1e-5f);
  for (int64_t t = 3; t < T; ++t) {
    auto r = m.forward_incremental(narrow(x, 1, t, 1), cache, Tensor(), true, false);
    check_close(r.output, narrow(full.output, 1, t, 1), 1e-6f, 1e-5f);
    check_close(r.weights, narrow(narrow(full.weights, 2, t, 1), 3, 0, t + 1), 1e-6f, 1e-5f);
    BOOST_CHECK(r.weights.data()[0] == 0.0f && r.weights.data()[1] == 0.0f);  // row 0, head 0
  }
  check_close(cache.key_padding_mask, pad, 0, 0);
}

// The memory projected once, then attended to by queries a step at a time, as forward(query,
// memory, memory, padding) does.
BOOST_AUTO_TEST_CASE(cached_memory_attention_matches_cross_attention) {
  Generator gen(7);
  MultiheadAttention m(8, 2, gen);
  randomise_biases(m, 8);
  NoGradGuard no_grad;
  Tensor q = param({2, 4, 8}, 9), memory = param({2, 5, 8}, 10);
  const Tensor pad = padding({{}, {3, 4}}, 5);
  auto full = m.forward(q, memory, memory, pad, Tensor(), true, false);
  AttentionCache cache;
  m.cache_memory(memory, cache, pad);
  BOOST_REQUIRE(cache.key_value.shape() == Shape({2, 5, 16}));
  for (int64_t t = 0; t < 4; ++t) {
    auto r = m.forward_cached(narrow(q, 1, t, 1), cache, true, false);
    check_close(r.output, narrow(full.output, 1, t, 1), 1e-6f, 1e-5f);
    check_close(r.weights, narrow(full.weights, 2, t, 1), 1e-6f, 1e-5f);
  }
  BOOST_CHECK_EQUAL(cache.length(), 5);  // reading never grows it
}

// Beam search: after reorder(rows), a step continues row rows[i] of the old cache as row i, the
// same as decoding the reordered inputs from the start.
BOOST_AUTO_TEST_CASE(reorder_moves_cached_rows) {
  Generator gen(11);
  MultiheadAttention self(8, 2, gen), cross(8, 2, gen);
  NoGradGuard no_grad;
  Tensor x = param({2, 3, 8}, 12), memory = param({2, 4, 8}, 13);
  const Tensor pad = padding({{3}, {}}, 4);
  const Tensor rows = from_indices({1, 0, 1}, {3});
  AttentionCache s, c;
  cross.cache_memory(memory, c, pad);
  self.forward_incremental(narrow(x, 1, 0, 2), s);
  s.reorder(rows);
  c.reorder(rows);
  BOOST_CHECK_EQUAL(s.rows(), 3);
  Tensor step = index_select(narrow(x, 1, 2, 1), 0, rows);  // [3, 1, 8]
  Tensor got_self = self.forward_incremental(step, s).output;
  Tensor got_cross = cross.forward_cached(step, c).output;

  Tensor x2 = index_select(x, 0, rows), memory2 = index_select(memory, 0, rows);
  Tensor want_self = self.forward(x2, x2, x2, Tensor(), causal_mask(3)).output;
  Tensor want_cross = cross.forward(step, memory2, memory2, index_select(pad, 0, rows)).output;
  check_close(got_self, narrow(want_self, 1, 2, 1), 1e-6f, 1e-5f);
  check_close(got_cross, want_cross, 1e-6f, 1e-5f);
  s.clear();
  BOOST_CHECK(s.empty() && s.length() == 0 && s.rows() == 0);
}

// The cache is built from differentiable ops: gradients flow through several cached steps into
// the inputs and every parameter, and match central differences.
BOOST_AUTO_TEST_CASE(gradients_through_cached_steps_match_finite_differences) {
  Generator gen(14);
  MultiheadAttention self(4, 2, gen), cross(4, 2, gen);
  randomise_biases(self, 15);
  randomise_biases(cross, 16);
  const Tensor pad = padding({{2}, {}}, 3);
  auto run = [&](const Tensor& x, const Tensor& memory) {
    AttentionCache s, c;
    cross.cache_memory(memory, c, pad);
    std::vector<Tensor> outs;
    for (const Tensor& part : chunks(x, {2, 1, 1})) {
      Tensor h = self.forward_incremental(part, s).output;
      outs.push_back(reshape(cross.forward_cached(h, c).output, {-1}));
    }
    return concat(outs, 0);
  };
  ATTEND_CHECK_GRAD([&](const std::vector<Tensor>& in) { return run(in[0], in[1]); },
                    std::vector<Tensor>({param({2, 4, 4}, 17), param({2, 3, 4}, 18)}));
  Tensor x = param({2, 4, 4}, 17), memory = param({2, 3, 4}, 18);
  attend::test::check_parameter_gradients(self, [&] { return run(x, memory); });
  attend::test::check_parameter_gradients(cross, [&] { return run(x, memory); });
}

// A decoder stack fed one position at a time (post-LN and pre-LN, padded memory) gives what
// forward() over the whole target with causal_mask gives.
BOOST_AUTO_TEST_CASE(decoder_forward_step_matches_the_whole_target) {
  for (bool norm_first : {false, true}) {
    BOOST_TEST_CONTEXT("norm_first " << norm_first) {
      Generator gen(19);
      TransformerDecoder decoder(layer_options(norm_first), 2, gen);
      randomise_biases(decoder, 20);
      decoder.eval();
      NoGradGuard no_grad;
      const int64_t T = 5;
      Tensor tgt = param({3, T, 8}, 21), memory = param({3, 4, 8}, 22);
      const Tensor pad = padding({{}, {2, 3}, {3}}, 4);
      Tensor full = decoder.forward(tgt, memory, causal_mask(T), Tensor(), Tensor(), pad);
      TransformerDecoderCache cache = decoder.start_cache(memory, pad);
      BOOST_REQUIRE_EQUAL(cache.layers.size(), 2u);
      int64_t at = 0;
      for (const Tensor& part : chunks(tgt, {2, 1, 1, 1})) {
        Tensor h = decoder.forward_step(part, cache);
        check_close(h, narrow(full, 1, at, part.size(1)), 1e-5f, 1e-4f);
        at += part.size(1);
        BOOST_CHECK_EQUAL(cache.length(), at);
      }
    }
  }
}

// Beam search reorders a source's beams among themselves: the decoder's cross-attention caches
// stay where they are (the rows' memory is unchanged), and steps still match decoding the
// reordered inputs from the start; a reorder that changes a row's source moves them.
BOOST_AUTO_TEST_CASE(decoder_cache_moves_cross_attention_only_when_a_row_changes_source) {
  Generator gen(25);
  TransformerDecoder decoder(layer_options(true), 2, gen);
  randomise_biases(decoder, 26);
  decoder.eval();
  NoGradGuard no_grad;
  Tensor tgt = param({2, 4, 8}, 27), memory = param({2, 3, 8}, 28);
  const Tensor pad = padding({{2}, {}}, 3);
  TransformerDecoderCache cache = decoder.start_cache(memory, pad);
  decoder.forward_step(narrow(tgt, 1, 0, 2), cache);
  std::vector<int64_t> rows = {0, 0, 1, 1, 1};  // each source expanded to its beams
  cache.reorder(from_indices(rows, {5}));
  const Tensor cross = cache.layers[1].cross_attn.key_value;
  BOOST_REQUIRE(cross.shape() == Shape({5, 3, 16}));
  // Within each source: row i continues row within[i].
  const std::vector<int64_t> within = {1, 0, 4, 2, 3};
  cache.reorder(from_indices(within, {5}));
  BOOST_CHECK(cache.layers[1].cross_attn.key_value.is_same(cross));
  BOOST_CHECK((cache.memory_rows == std::vector<int64_t>{0, 0, 1, 1, 1}));
  // The rows decoded from the start: source rows[within[i]] for row i.
  auto expect_step = [&](const std::vector<int64_t>& source_rows, int64_t at) {
    const Tensor r = from_indices(source_rows, {static_cast<int64_t>(source_rows.size())});
    Tensor t2 = index_select(tgt, 0, r), m2 = index_select(memory, 0, r);
    Tensor full = decoder.forward(narrow(t2, 1, 0, at + 1), m2, causal_mask(at + 1), Tensor(),
                                  Tensor(), index_select(pad, 0, r));
    check_close(decoder.forward_step(narrow(t2, 1, at, 1), cache), narrow(full, 1, at, 1), 1e-5f,
                1e-4f);
  };
  expect_step({0, 0, 1, 1, 1}, 2);
  // Rows change source (and three are dropped): the caches move with them.
  cache.reorder(from_indices({3, 1}, {2}));
  BOOST_CHECK(!cache.layers[1].cross_attn.key_value.is_same(cross));
  BOOST_CHECK((cache.memory_rows == std::vector<int64_t>{1, 0}));
  expect_step({1, 0}, 3);
  std::string what = test::shape_error_message([&] { cache.reorder(from_indices({2}, {1})); });
  BOOST_CHECK_MESSAGE(what.find("row 2 of a cache of 2 rows") != std::string::npos, what);
}

BOOST_AUTO_TEST_CASE(positions_from_an_offset_are_the_tables_rows) {
  Generator gen(23);
  SinusoidalPositionalEncoding sinusoidal(8, 10);
  LearnedPositionalEncoding learned(8, 10, gen);
  Tensor x = param({2, 7, 8}, 24);
  for (UnaryModule* pe : std::vector<UnaryModule*>{&sinusoidal, &learned}) {
    Tensor full = pe->forward(x);
    auto from = [&](int64_t start, int64_t n) {
      Tensor part = narrow(x, 1, start, n);
      return pe == &sinusoidal ? sinusoidal.forward_from(part, start)
                               : learned.forward_from(part, start);
    };
    check_close(from(4, 3), narrow(full, 1, 4, 3), 0, 0);
    check_close(from(0, 7), full, 0, 0);
  }
  std::string what = test::shape_error_message([&] { sinusoidal.forward_from(x, 4); });
  BOOST_CHECK_MESSAGE(what.find("11 exceeds max_len 10") != std::string::npos, what);
  what = test::shape_error_message([&] { learned.forward_from(narrow(x, 1, 0, 1), 10); });
  BOOST_CHECK_MESSAGE(what.find("11 exceeds max_len 10") != std::string::npos, what);
}

BOOST_AUTO_TEST_CASE(misuse_is_a_shape_error_naming_the_sizes) {
  Generator gen(25);
  MultiheadAttention m(8, 2, gen);
  TransformerDecoder decoder(layer_options(false), 2, gen);
  AttentionCache cache;
  m.forward_incremental(param({2, 1, 8}, 26), cache);
  auto contains = [](const std::string& what, const std::string& part) {
    BOOST_CHECK_MESSAGE(what.find(part) != std::string::npos, what << " lacks " << part);
  };
  contains(test::shape_error_message([&] {
             m.forward_incremental(param({3, 1, 8}, 27), cache);
           }),
           "x has 3 rows but the cache holds 2");
  contains(test::shape_error_message([&] {
             m.forward_incremental(param({2, 1, 6}, 28), cache);
           }),
           "[2, 1, 6] must be [B, Tn >= 1, 8]");
  contains(test::shape_error_message([&] {
             m.forward_incremental(param({2, 1, 8}, 29), cache, zeros({2, 2}));
           }),
           "key_padding_mask of shape [2, 2] must be [2, 1]");
  BOOST_CHECK_EQUAL(cache.length(), 1);  // a refused step leaves the cache as it was
  AttentionCache empty;
  contains(test::shape_error_message([&] {
             m.forward_cached(param({2, 1, 8}, 30), empty);
           }),
           "query has 2 rows but the cache holds 0 (call cache_memory)");
  contains(test::shape_error_message([&] {
             m.cache_memory(param({2, 3, 4}, 31), empty);
           }),
           "memory of shape [2, 3, 4] must be [B, S, 8]");
  contains(test::shape_error_message([&] {
             m.cache_memory(param({2, 3, 8}, 31), empty, zeros({2, 4}));
           }),
           "key_padding_mask of shape [2, 4] must be [2, 3]");
  TransformerDecoderCache wrong;  // not from start_cache
  BOOST_CHECK_THROW(decoder.forward_step(param({2, 1, 8}, 32), wrong), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
