// The attention layers on their own: masking, the two projection paths of MultiheadAttention,
// dropout in train() and eval(), parameter names and initialisation, printing, shape errors, and
// the positional encodings. Their gradients (inputs and every parameter against finite
// differences) and their agreement with PyTorch are the layers' descriptors
// (layers/attention.cpp, multihead_attention.cpp, transformer.cpp, positional_encoding.cpp), run
// by tests/study/test_descriptors.cpp. Sizes are small (d_model 4, 2 heads, 3-5 positions).
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "layers/attention.h"
#include "layers/layer_info.h"
#include "layers/multihead_attention.h"
#include "layers/positional_encoding.h"
#include "layers/transformer.h"
#include "test_util.h"

using namespace attend;
using attend::test::check_close;
using attend::test::expect_shape_error;
using attend::test::param;

namespace {

TransformerLayerOptions small_options(bool norm_first, bool gelu = true) {
  return {.d_model = 4,
          .nhead = 2,
          .dim_feedforward = 8,
          .dropout = 0.0f,
          .gelu = gelu,
          .norm_first = norm_first};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_attention)

// --- MultiheadAttention ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(mha_without_bias_and_without_weights) {
  Generator gen(14);
  MultiheadAttention m(4, 2, gen, 0.0f, /*bias=*/false);
  BOOST_CHECK_EQUAL(m.named_parameters().size(), 2u);  // in_proj_weight, out_proj.weight
  // need_weights = false: the output only, as torch returns None for the weights.
  Tensor x = param({2, 3, 4}, 15);
  BOOST_CHECK(
      !m.forward(x, x, x, Tensor(), causal_mask(3), /*need_weights=*/false).weights.defined());
}

// The fused projections (self-attention: one [3E, E] product; key is value: one [2E, E] product)
// must give what three separate projections give.
BOOST_AUTO_TEST_CASE(mha_fused_projection_paths_match_separate_ones) {
  Generator gen(16);
  MultiheadAttention m(4, 2, gen);
  randomise_biases(m, 17);
  Tensor x = param({2, 4, 4}, 18), mem = param({2, 5, 4}, 19);
  const Tensor pad4 = key_padding({4, 3}, 4), pad5 = key_padding({5, 2}, 5);
  auto fused = m.forward(x, x, x, pad4, causal_mask(4));
  auto separate = m.forward(x, x.clone(), x.clone(), pad4, causal_mask(4));
  check_close(fused.output, separate.output, 1e-6f, 1e-5f);
  check_close(fused.weights, separate.weights, 1e-6f, 1e-5f);
  auto kv = m.forward(x, mem, mem, pad5);
  auto kv_sep = m.forward(x, mem, mem.clone(), pad5);
  check_close(kv.output, kv_sep.output, 1e-6f, 1e-5f);
  check_close(kv.weights, kv_sep.weights, 1e-6f, 1e-5f);
}

// --- masking ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(mha_masked_keys_get_exactly_zero_weight_and_gradient) {
  Generator gen(20);
  MultiheadAttention m(4, 2, gen);
  randomise_biases(m, 21);
  // Self-attention, padding + causal, per-head weights [B, H, T, T].
  Tensor x = param({2, 4, 4}, 22);
  const Tensor pad = key_padding({4, 2}, 4);
  auto r = m.forward(x, x, x, pad, causal_mask(4), true, false);
  BOOST_REQUIRE(r.weights.shape() == Shape({2, 2, 4, 4}));
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t h = 0; h < 2; ++h)
      for (int64_t i = 0; i < 4; ++i) {
        float row = 0;
        for (int64_t j = 0; j < 4; ++j) {
          const float w = r.weights.at({b, h, i, j});
          const bool masked = j > i || pad.at({b, j}) != 0.0f;
          if (masked) BOOST_CHECK_EQUAL(w, 0.0f);
          if (!masked) BOOST_CHECK_GT(w, 0.0f);
          row += w;
        }
        BOOST_CHECK_CLOSE(row, 1.0f, 1e-4);
      }
  // Cross-attention: padded memory rows get exactly zero gradient, and their values do not change
  // the output at all.
  Tensor q = param({2, 3, 4}, 23), mem = param({2, 5, 4}, 24);
  const Tensor pad5 = key_padding({5, 2}, 5);
  auto c = m.forward(q, mem, mem, pad5);
  sum(c.output * c.output).backward();
  for (int64_t j = 2; j < 5; ++j)
    for (int64_t e = 0; e < 4; ++e) BOOST_CHECK_EQUAL(mem.grad().at({1, j, e}), 0.0f);
  BOOST_CHECK_NE(mem.grad().at({1, 1, 0}), 0.0f);
  Tensor mem2 = mem.detach().clone();
  for (int64_t j = 2; j < 5; ++j)
    for (int64_t e = 0; e < 4; ++e) mem2.data()[(5 + j) * 4 + e] = 100.0f * (e + 1) - 7.0f * j;
  auto c2 = m.forward(q, mem2, mem2, pad5);
  check_close(c2.output, c.output, 0.0f, 0.0f);
  check_close(c2.weights, c.weights, 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(attention_kinds_masked_keys_get_exactly_zero_weight) {
  Generator gen(25);
  AdditiveAttention add(4, 3, 5, gen);
  LuongAttention dot(LuongAttention::Kind::kDot, 3, 3, gen);
  LuongAttention general(LuongAttention::Kind::kGeneral, 4, 3, gen);
  ScaledDotProductAttention sdpa;
  Tensor q4 = param({2, 4, 4}, 26), q3 = param({2, 4, 3}, 27), k = param({2, 4, 3}, 28),
         v = param({2, 4, 2}, 29);
  const Tensor pad = key_padding({3, 2}, 4), causal = causal_mask(4);
  struct Case {
    const char* name;
    AttentionResult r;
  };
  Case cases[] = {{"additive", add.forward(q4, k, v, pad, causal)},
                  {"dot", dot.forward(q3, k, v, pad, causal)},
                  {"general", general.forward(q4, k, v, pad, causal)},
                  {"sdpa", sdpa.forward(q3, k, v, pad, causal)}};
  for (const auto& [name, r] : cases) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_REQUIRE(r.weights.shape() == Shape({2, 4, 4}));
      BOOST_REQUIRE(r.context.shape() == Shape({2, 4, 2}));
      for (int64_t b = 0; b < 2; ++b)
        for (int64_t i = 0; i < 4; ++i)
          for (int64_t j = 0; j < 4; ++j) {
            const bool masked = j > i || pad.at({b, j}) != 0.0f;
            if (masked) BOOST_CHECK_EQUAL(r.weights.at({b, i, j}), 0.0f);
            if (!masked) BOOST_CHECK_GT(r.weights.at({b, i, j}), 0.0f);
          }
    }
  }
}

BOOST_AUTO_TEST_CASE(transformer_layers_keep_attention_with_masked_keys_zero) {
  Generator gen(30);
  TransformerEncoderLayer enc(small_options(false), gen);
  enc.keep_attention = true;
  const Tensor pad = key_padding({5, 3}, 5);
  enc.forward(param({2, 5, 4}, 31), causal_mask(5), pad);
  BOOST_REQUIRE(enc.last_attention.shape() == Shape({2, 2, 5, 5}));
  BOOST_CHECK(!enc.last_attention.requires_grad());
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t h = 0; h < 2; ++h)
      for (int64_t i = 0; i < 5; ++i)
        for (int64_t j = 0; j < 5; ++j)
          if (j > i || pad.at({b, j}) != 0.0f)
            BOOST_CHECK_EQUAL(enc.last_attention.at({b, h, i, j}), 0.0f);
  TransformerDecoderLayer dec(small_options(true), gen);
  dec.keep_attention = true;
  dec.forward(param({2, 3, 4}, 32), param({2, 5, 4}, 33), causal_mask(3), Tensor(), Tensor(), pad);
  BOOST_REQUIRE(dec.last_self_attention.shape() == Shape({2, 2, 3, 3}));
  BOOST_REQUIRE(dec.last_cross_attention.shape() == Shape({2, 2, 3, 5}));
  BOOST_CHECK_EQUAL(dec.last_self_attention.at({0, 1, 0, 2}), 0.0f);
  BOOST_CHECK_EQUAL(dec.last_cross_attention.at({1, 0, 2, 4}), 0.0f);
  BOOST_CHECK_GT(dec.last_cross_attention.at({1, 0, 2, 2}), 0.0f);
}

// --- Bahdanau / Luong / scaled dot-product ---------------------------------------------------

BOOST_AUTO_TEST_CASE(luong_dot_attention_has_no_parameters) {
  Generator gen(50);
  LuongAttention dot(LuongAttention::Kind::kDot, 3, 3, gen);
  BOOST_CHECK(dot.named_parameters().empty());
}

BOOST_AUTO_TEST_CASE(precomputed_keys_match_forward) {
  Generator gen(63);
  AdditiveAttention add(4, 3, 5, gen);
  LuongAttention general(LuongAttention::Kind::kGeneral, 4, 3, gen);
  Tensor q = param({2, 1, 4}, 64), k = param({2, 5, 3}, 65), v = param({2, 5, 2}, 66);
  const Tensor pad = key_padding({5, 3}, 5);
  for (Attention* m : {static_cast<Attention*>(&add), static_cast<Attention*>(&general)}) {
    auto a = m->forward(q, k, v, pad);
    auto b = m->attend_precomputed(q, m->precompute_keys(k), v, pad);
    check_close(a.context, b.context, 0.0f, 0.0f);
    check_close(a.weights, b.weights, 0.0f, 0.0f);
  }
}

BOOST_AUTO_TEST_CASE(mha_dropout_active_in_train_off_in_eval) {
  const int64_t E = 8, H = 2, hd = 4, T = 4;
  const float p = 0.5f;
  Generator gen(100);
  MultiheadAttention m(E, H, gen, p, true, std::make_shared<Generator>(101));
  {
    NoGradGuard ng;
    for (int64_t r = 0; r < E; ++r)
      for (int64_t c = 0; c < E; ++c) {
        m.in_proj_weight.data()[(2 * E + r) * E + c] = r == c ? 1.0f : 0.0f;
        m.out_proj->weight.data()[r * E + c] = r == c ? 1.0f : 0.0f;
      }
    fill_(m.in_proj_bias, 0.0f);
    fill_(m.out_proj->bias, 0.0f);
  }
  Tensor value = zeros({1, T, E});
  for (int64_t j = 0; j < T; ++j)
    for (int64_t h = 0; h < H; ++h) value.data()[j * E + h * hd + j] = 1.0f;
  Generator dg(102);
  Tensor q = randn({1, T, E}, dg), k = randn({1, T, E}, dg);

  BOOST_CHECK(m.is_training());
  auto tr = m.forward(q, k, value, Tensor(), Tensor(), true, false);
  int dropped = 0, kept = 0;
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < T; ++j) {
        const float out = tr.output.at({0, i, h * hd + j}), w = tr.weights.at({0, h, i, j});
        if (out == 0.0f) {
          ++dropped;
        } else {
          ++kept;
          BOOST_CHECK_CLOSE(out, w / (1.0f - p), 1e-4);
        }
      }
  BOOST_TEST_MESSAGE("dropout p=0.5 on 32 weights: " << dropped << " dropped, " << kept << " kept");
  BOOST_CHECK_GT(dropped, 4);
  BOOST_CHECK_GT(kept, 4);
  auto tr2 = m.forward(q, k, value, Tensor(), Tensor(), true, false);  // a fresh mask
  bool differs = false;
  for (int64_t i = 0; i < tr.output.numel(); ++i)
    differs |= tr.output.data()[i] != tr2.output.data()[i];
  BOOST_CHECK(differs);

  m.eval();
  auto ev = m.forward(q, k, value, Tensor(), Tensor(), true, false);
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < T; ++j)
        BOOST_CHECK_CLOSE(ev.output.at({0, i, h * hd + j}), ev.weights.at({0, h, i, j}), 1e-4);
  check_close(ev.weights, tr.weights, 0.0f, 0.0f);  // the weights are returned before dropout
  auto ev2 = m.forward(q, k, value, Tensor(), Tensor(), true, false);
  check_close(ev2.output, ev.output, 0.0f, 0.0f);
}

// A transformer layer with dropout: random in train(), deterministic in eval() and then equal to
// the same layer built without dropout.
BOOST_AUTO_TEST_CASE(transformer_layer_dropout_train_and_eval) {
  TransformerLayerOptions o = small_options(false, false);
  o.dropout = 0.3f;
  Generator g1(110), g2(110);
  TransformerEncoderLayer with(o, g1, std::make_shared<Generator>(111));
  o.dropout = 0.0f;
  TransformerEncoderLayer without(o, g2);
  without.load_state_dict(with.state_dict());
  Tensor x = param({2, 4, 4}, 112);
  Tensor a = with.forward(x), b = with.forward(x);
  bool differs = false;
  for (int64_t i = 0; i < a.numel(); ++i) differs |= a.data()[i] != b.data()[i];
  BOOST_CHECK(differs);
  with.eval();
  BOOST_CHECK(!with.self_attn->is_training());
  BOOST_CHECK(!with.dropout1->is_training());
  check_close(with.forward(x), without.forward(x), 0.0f, 0.0f);
}

// --- construction, names, printing, errors -----------------------------------------------------

BOOST_AUTO_TEST_CASE(mha_initialisation_and_parameter_names) {
  Generator gen(120);
  MultiheadAttention m(8, 2, gen);
  std::vector<std::string> names;
  for (auto& [n, t] : m.named_parameters()) names.push_back(n);
  const std::vector<std::string> expected = {"in_proj_weight", "in_proj_bias", "out_proj.weight",
                                             "out_proj.bias"};
  BOOST_CHECK_EQUAL_COLLECTIONS(names.begin(), names.end(), expected.begin(), expected.end());
  BOOST_CHECK(m.in_proj_weight.shape() == Shape({24, 8}));
  // xavier_uniform_ on [3E, E]: bound sqrt(6 / (E + 3E)); biases zero.
  const float bound = std::sqrt(6.0f / 32.0f);
  for (int64_t i = 0; i < m.in_proj_weight.numel(); ++i)
    BOOST_CHECK_LE(std::fabs(m.in_proj_weight.data()[i]), bound);
  for (int64_t i = 0; i < 24; ++i) BOOST_CHECK_EQUAL(m.in_proj_bias.data()[i], 0.0f);
  for (int64_t i = 0; i < 8; ++i) BOOST_CHECK_EQUAL(m.out_proj->bias.data()[i], 0.0f);
  BOOST_CHECK_THROW(MultiheadAttention(6, 4, gen), std::invalid_argument);
  BOOST_CHECK_THROW(MultiheadAttention(8, 2, gen, 0.1f), std::invalid_argument);  // no generator
  BOOST_CHECK_THROW(LuongAttention(LuongAttention::Kind::kDot, 4, 3, gen), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(transformer_parameter_names_in_torch_order) {
  Generator gen(121);
  TransformerEncoderLayer enc(small_options(false, false), gen);
  std::vector<std::string> names;
  for (auto& [n, t] : enc.named_parameters()) names.push_back(n);
  // As torch's nn.TransformerEncoderLayer.named_parameters().
  const std::vector<std::string> expected = {"self_attn.in_proj_weight",
                                             "self_attn.in_proj_bias",
                                             "self_attn.out_proj.weight",
                                             "self_attn.out_proj.bias",
                                             "linear1.weight",
                                             "linear1.bias",
                                             "linear2.weight",
                                             "linear2.bias",
                                             "norm1.weight",
                                             "norm1.bias",
                                             "norm2.weight",
                                             "norm2.bias"};
  BOOST_CHECK_EQUAL_COLLECTIONS(names.begin(), names.end(), expected.begin(), expected.end());
  TransformerDecoder dec(small_options(false, false), 2, gen);
  auto dn = dec.named_parameters();
  BOOST_REQUIRE_EQUAL(dn.size(), 2u * 18u + 2u);
  BOOST_CHECK_EQUAL(dn.front().first, "layers.0.self_attn.in_proj_weight");
  BOOST_CHECK_EQUAL(dn[4].first, "layers.0.multihead_attn.in_proj_weight");
  BOOST_CHECK_EQUAL(dn[18].first, "layers.1.self_attn.in_proj_weight");
  BOOST_CHECK_EQUAL(dn[36].first, "norm.weight");
  BOOST_CHECK_EQUAL(dn[37].first, "norm.bias");
  TransformerEncoder no_norm(small_options(false, false), 1, gen, nullptr, /*final_norm=*/false);
  BOOST_CHECK(!no_norm.norm);
  BOOST_CHECK_EQUAL(no_norm.named_parameters().size(), 12u);
}

BOOST_AUTO_TEST_CASE(attention_modules_print_as_trees) {
  Generator gen(130);
  MultiheadAttention mha(8, 2, gen);
  BOOST_CHECK_EQUAL(mha.str(),
                    "MultiheadAttention(\n"
                    "  embed_dim=8, num_heads=2\n"
                    "  (out_proj): Linear(in_features=8, out_features=8, bias=True)\n"
                    ")");
  std::ostringstream os;
  os << mha;
  BOOST_CHECK_EQUAL(os.str(), mha.str());
  AdditiveAttention add(6, 5, 4, gen);
  BOOST_CHECK_EQUAL(add.str(),
                    "AdditiveAttention(\n"
                    "  query_dim=6, key_dim=5, attn_dim=4\n"
                    "  (query_proj): Linear(in_features=6, out_features=4, bias=True)\n"
                    "  (key_proj): Linear(in_features=5, out_features=4, bias=False)\n"
                    ")");
  BOOST_CHECK_EQUAL(LuongAttention(LuongAttention::Kind::kDot, 4, 4, gen).str(),
                    "LuongAttention(score=dot)");
  BOOST_CHECK_EQUAL(LuongAttention(LuongAttention::Kind::kGeneral, 4, 5, gen).str(),
                    "LuongAttention(\n"
                    "  score=general\n"
                    "  (key_proj): Linear(in_features=5, out_features=4, bias=False)\n"
                    ")");
  BOOST_CHECK_EQUAL(ScaledDotProductAttention().str(), "ScaledDotProductAttention()");
  TransformerLayerOptions o;
  o.d_model = 8;
  o.nhead = 2;
  o.dim_feedforward = 16;
  o.dropout = 0.1f;
  TransformerEncoderLayer enc(o, gen);
  // torch prints the same tree, except that its out_proj is a NonDynamicallyQuantizableLinear and
  // MultiheadAttention has no extra line.
  BOOST_CHECK_EQUAL(enc.str(),
                    "TransformerEncoderLayer(\n"
                    "  (self_attn): MultiheadAttention(\n"
                    "    embed_dim=8, num_heads=2\n"
                    "    (out_proj): Linear(in_features=8, out_features=8, bias=True)\n"
                    "  )\n"
                    "  (linear1): Linear(in_features=8, out_features=16, bias=True)\n"
                    "  (dropout): Dropout(p=0.1, inplace=False)\n"
                    "  (linear2): Linear(in_features=16, out_features=8, bias=True)\n"
                    "  (norm1): LayerNorm((8,), eps=1e-05, elementwise_affine=True)\n"
                    "  (norm2): LayerNorm((8,), eps=1e-05, elementwise_affine=True)\n"
                    "  (dropout1): Dropout(p=0.1, inplace=False)\n"
                    "  (dropout2): Dropout(p=0.1, inplace=False)\n"
                    ")");
  TransformerEncoder stack(small_options(false, false), 2, gen);
  const std::string s = stack.str();
  const std::string head =
      "TransformerEncoder(\n"
      "  (layers): ModuleList(\n"
      "    (0): TransformerEncoderLayer(\n"
      "      (self_attn): MultiheadAttention(\n";
  BOOST_CHECK_EQUAL(s.substr(0, head.size()), head);
  BOOST_CHECK(s.find("    (1): TransformerEncoderLayer(\n") != std::string::npos);
  BOOST_CHECK(s.find("\n  (norm): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n)") !=
              std::string::npos);
  BOOST_CHECK_EQUAL(SinusoidalPositionalEncoding(8, 16).str(),
                    "SinusoidalPositionalEncoding(d_model=8, max_len=16)");
  BOOST_CHECK_EQUAL(LearnedPositionalEncoding(8, 16, gen).str(),
                    "LearnedPositionalEncoding(d_model=8, max_len=16)");
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_layer_and_shapes) {
  Generator gen(140);
  MultiheadAttention mha(8, 2, gen);
  Tensor x = zeros({2, 3, 8}), mem = zeros({2, 5, 8});
  expect_shape_error(
      [&] {
        mha.forward(zeros({2, 3, 6}), mem, mem);
      },
      {"MultiheadAttention", "[2, 3, 6]", "[2, 5, 8]"});
  expect_shape_error(
      [&] {
        mha.forward(zeros({3, 8}), zeros({3, 8}), zeros({3, 8}));
      },
      {"MultiheadAttention", "[3, 8]"});
  expect_shape_error(
      [&] {
        mha.forward(x, mem, zeros({2, 4, 8}));
      },
      {"MultiheadAttention", "[2, 5, 8]", "[2, 4, 8]"});
  expect_shape_error(
      [&] {
        mha.forward(x, mem, mem, zeros({2, 4}));
      },
      {"MultiheadAttention", "key_padding_mask", "[2, 4]", "[2, 5]"});
  expect_shape_error(
      [&] {
        mha.forward(x, mem, mem, Tensor(), zeros({3, 3}));
      },
      {"MultiheadAttention", "attn_mask", "[3, 3]", "[3, 5]"});

  AdditiveAttention add(4, 3, 5, gen);
  expect_shape_error(
      [&] {
        add.forward(zeros({2, 4}), zeros({2, 5, 3}), zeros({2, 5, 2}));
      },
      {"AdditiveAttention", "[2, 4]"});
  expect_shape_error(
      [&] {
        add.forward(zeros({2, 1, 4}), zeros({2, 5, 3}), zeros({2, 6, 2}));
      },
      {"AdditiveAttention", "[2, 6, 2]"});
  LuongAttention general(LuongAttention::Kind::kGeneral, 4, 3, gen);
  expect_shape_error(
      [&] {
        general.forward(zeros({2, 1, 4}), zeros({3, 5, 3}), zeros({3, 5, 2}));
      },
      {"LuongAttention", "[2, 1, 4]"});
  LuongAttention dot(LuongAttention::Kind::kDot, 4, 4, gen);
  expect_shape_error(
      [&] {
        dot.forward(zeros({2, 1, 4}), zeros({2, 5, 4}), zeros({2, 4, 2}));
      },
      {"LuongAttention", "[2, 5, 4]", "[2, 4, 2]"});
  ScaledDotProductAttention sdpa;
  expect_shape_error(
      [&] {
        sdpa.forward(zeros({2, 1, 4}), zeros({2, 5, 4}), zeros({1, 5, 2}));
      },
      {"ScaledDotProductAttention", "[1, 5, 2]"});

  SinusoidalPositionalEncoding spe(8, 16);
  expect_shape_error(
      [&] {
        spe.forward(zeros({2, 3, 6}));
      },
      {"SinusoidalPositionalEncoding", "[2, 3, 6]"});
  LearnedPositionalEncoding lpe(8, 16, gen);
  expect_shape_error([&] { lpe.forward(zeros({3, 8})); }, {"LearnedPositionalEncoding", "[3, 8]"});
}

// Feature sizes that do not match the layer's query_dim / key_dim, and masks that do not match
// [B, Tk], should be reported by the layer as MultiheadAttention reports them. The Bahdanau /
// Luong / scaled dot-product layers (layers/attention.cpp) check only ranks, batch sizes and
// key/value lengths (check_qkv), so these errors come from the op underneath (linear, matmul,
// add, scaled_dot_product_attention) and do not say which layer failed. This test fails until
// those layers check.
BOOST_AUTO_TEST_CASE(attention_layers_name_themselves_in_feature_and_mask_errors) {
  Generator gen(141);
  AdditiveAttention add(4, 3, 5, gen);
  LuongAttention general(LuongAttention::Kind::kGeneral, 4, 3, gen);
  LuongAttention dot(LuongAttention::Kind::kDot, 4, 4, gen);
  ScaledDotProductAttention sdpa;
  const Tensor v = zeros({2, 5, 2});
  // Keys of the wrong feature size (key_dim 3). Today: "linear: input of shape [2, 5, 7] does not
  // end in 3 features (weight [5, 3])".
  expect_shape_error(
      [&] {
        add.forward(zeros({2, 1, 4}), zeros({2, 5, 7}), v);
      },
      {"AdditiveAttention", "[2, 5, 7]"});
  expect_shape_error(
      [&] {
        general.forward(zeros({2, 1, 4}), zeros({2, 5, 7}), v);
      },
      {"LuongAttention", "[2, 5, 7]"});
  // Batch sizes that differ: check_qkv names the layer but reports the keys after key_proj
  // ([3, 5, 5], attn_dim 5), not the [3, 5, 3] the caller passed.
  expect_shape_error(
      [&] {
        add.forward(zeros({2, 1, 4}), zeros({3, 5, 3}), v);
      },
      {"AdditiveAttention", "[3, 5, 3]"});
  // A query of the wrong feature size (query_dim 4). Today from linear / matmul.
  expect_shape_error(
      [&] {
        add.forward(zeros({2, 1, 6}), zeros({2, 5, 3}), v);
      },
      {"AdditiveAttention", "[2, 1, 6]"});
  expect_shape_error(
      [&] {
        general.forward(zeros({2, 1, 6}), zeros({2, 5, 3}), v);
      },
      {"LuongAttention", "[2, 1, 6]"});
  expect_shape_error(
      [&] {
        dot.forward(zeros({2, 1, 6}), zeros({2, 5, 4}), v);
      },
      {"LuongAttention", "[2, 1, 6]"});
  // A key padding mask for 4 keys where there are 5. Today from add /
  // scaled_dot_product_attention ("shapes [2, 1, 5] and [2, 1, 4] cannot be broadcast").
  expect_shape_error(
      [&] {
        add.forward(zeros({2, 1, 4}), zeros({2, 5, 3}), v, zeros({2, 4}));
      },
      {"AdditiveAttention", "key_padding_mask", "[2, 4]"});
  expect_shape_error(
      [&] {
        sdpa.forward(zeros({2, 1, 4}), zeros({2, 5, 4}), v, zeros({2, 4}));
      },
      {"ScaledDotProductAttention", "key_padding_mask", "[2, 4]"});
}

// --- positional encodings ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(sinusoidal_encoding_matches_the_formula) {
  const int64_t d = 6, n = 50;
  SinusoidalPositionalEncoding pe(d, n);
  BOOST_CHECK(pe.pe.shape() == Shape({n, d}));
  // pe[pos, 2i] = sin(pos / 10000^(2i/d)), pe[pos, 2i+1] = cos(pos / 10000^(2i/d)), in double.
  for (int64_t pos = 0; pos < n; ++pos)
    for (int64_t i = 0; i < d / 2; ++i) {
      const double angle = static_cast<double>(pos) / std::pow(10000.0, 2.0 * i / d);
      BOOST_CHECK_SMALL(pe.pe.at({pos, 2 * i}) - std::sin(angle), 1e-7);
      BOOST_CHECK_SMALL(pe.pe.at({pos, 2 * i + 1}) - std::cos(angle), 1e-7);
    }
  BOOST_CHECK_EQUAL(pe.pe.at({0, 0}), 0.0f);
  BOOST_CHECK_EQUAL(pe.pe.at({0, 1}), 1.0f);
  BOOST_CHECK_CLOSE(pe.pe.at({1, 0}), std::sin(1.0f), 1e-4);
  BOOST_CHECK_CLOSE(pe.pe.at({3, 2}),
                    static_cast<float>(std::sin(3.0 / std::pow(10000.0, 2.0 / 6))), 1e-4);
  // A buffer, not a parameter: saved, not trained.
  BOOST_CHECK_EQUAL(pe.num_parameters(), 0);
  BOOST_REQUIRE_EQUAL(pe.named_buffers().size(), 1u);
  BOOST_CHECK_EQUAL(pe.named_buffers()[0].first, "pe");
  BOOST_CHECK(pe.state_dict().count("pe"));
  // forward adds pe[:T] to every batch entry and passes the gradient straight through.
  Tensor x = param({2, 5, d}, 150);
  Tensor y = pe.forward(x);
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t t = 0; t < 5; ++t)
      for (int64_t j = 0; j < d; ++j)
        BOOST_CHECK_EQUAL(y.at({b, t, j}), x.at({b, t, j}) + pe.pe.at({t, j}));
}

BOOST_AUTO_TEST_CASE(learned_encoding_is_trainable) {
  const int64_t d = 4, n = 10, T = 3;
  Generator gen(160);
  LearnedPositionalEncoding pe(d, n, gen);
  auto params = pe.named_parameters();
  BOOST_REQUIRE_EQUAL(params.size(), 1u);
  BOOST_CHECK_EQUAL(params[0].first, "weight");
  BOOST_CHECK(pe.weight.requires_grad());
  BOOST_CHECK(pe.weight.shape() == Shape({n, d}));
  double sq = 0;  // N(0, 0.02^2)
  for (int64_t i = 0; i < pe.weight.numel(); ++i) sq += pe.weight.data()[i] * pe.weight.data()[i];
  const double sd = std::sqrt(sq / static_cast<double>(pe.weight.numel()));
  BOOST_CHECK(sd > 0.01 && sd < 0.03);
  // d out / d weight: each used row gets the upstream gradient summed over the batch; unused rows
  // get zero.
  Tensor x = param({2, T, d}, 161);
  Generator rg(162);
  Tensor g = randn({2, T, d}, rg);
  Tensor y = pe.forward(x);
  check_close(y, x + narrow(pe.weight, 0, 0, T), 0.0f, 0.0f);
  y.backward(g);
  BOOST_REQUIRE(pe.weight.grad().defined());
  for (int64_t t = 0; t < n; ++t)
    for (int64_t j = 0; j < d; ++j) {
      const float expected = t < T ? g.at({0, t, j}) + g.at({1, t, j}) : 0.0f;
      BOOST_CHECK_CLOSE_FRACTION(pe.weight.grad().at({t, j}), expected, 1e-6);
    }
  check_close(x.grad(), g, 0.0f, 0.0f);
  // A gradient step moves the table: trainable.
  const float before = pe.weight.at({0, 0});
  {
    NoGradGuard ng;
    add_(pe.weight, pe.weight.grad(), -0.1f);
  }
  BOOST_CHECK_NE(pe.weight.at({0, 0}), before);
}

BOOST_AUTO_TEST_CASE(positional_encodings_reject_too_long_sequences) {
  Generator gen(170);
  SinusoidalPositionalEncoding spe(4, 8);
  LearnedPositionalEncoding lpe(4, 8, gen);
  BOOST_CHECK_NO_THROW(spe.forward(zeros({1, 8, 4})));
  BOOST_CHECK_NO_THROW(lpe.forward(zeros({1, 8, 4})));
  expect_shape_error(
      [&] {
        spe.forward(zeros({1, 9, 4}));
      },
      {"SinusoidalPositionalEncoding", "9", "max_len 8"});
  expect_shape_error(
      [&] {
        lpe.forward(zeros({2, 9, 4}));
      },
      {"LearnedPositionalEncoding", "9", "max_len 8"});
}

BOOST_AUTO_TEST_SUITE_END()
