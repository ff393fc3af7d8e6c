// attend's attention layers against PyTorch: nn.MultiheadAttention, nn.TransformerEncoderLayer /
// DecoderLayer, the nn.Transformer encoder and decoder stacks, and Bahdanau / Luong / scaled
// dot-product attention written in torch from attend's formulas. Each module is loaded with
// torch's parameters by torch's names (a strict load_state_dict, so a wrong, missing or extra name
// fails), run forward with the same masks, and compared on every output (attention weights too),
// every input gradient and every parameter gradient. The reference values come from
// tests/fixtures/attention.txt, written by tests/fixtures/gen_attention_fixtures.py (see that
// script for how each case is named).
//
// Every comparison logs its largest absolute difference (visible with --log_level=message, as
// CTest runs it), and each case logs its overall largest difference.
//
// Tolerances: |attend - torch| <= atol + rtol * |torch| with rtol = 1e-5 throughout. The absolute
// part covers what float32 cannot avoid: attend's GEMMs (OpenBLAS) and softmax sum in a different
// order than torch's, so a result that is a sum of cancelling O(1) terms (gradients especially)
// carries an absolute error of a few ulps of its largest term (float32 epsilon 1.2e-7), not of the
// result, and a purely relative bound would fail wherever such a sum lands near 0. Each
// expect_close logs the smallest atol that would have passed ("needs atol"); the atols below are
// 3 to 9 times the largest of those measured (torch 1.13, OpenBLAS 0.3.21), stated per test.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "layers/attention.h"
#include "layers/multihead_attention.h"
#include "layers/transformer.h"
#include "torch_cases.h"

using namespace attend;

namespace {

const attend::test::TorchCases& cases() {
  static const attend::test::TorchCases c("attention.txt",
                                          "tests/fixtures/gen_attention_fixtures.py");
  return c;
}

bool has_fixture(const std::string& name) {
  return cases().has(name);
}
const Tensor& fixture(const std::string& name) {
  return cases().fixture(name);
}
int64_t iopt(const std::string& c, const std::string& key) {
  return cases().iopt(c, key);
}
using attend::test::Tol;
using Inputs = attend::test::TorchCases::Inputs;
using Outputs = attend::test::TorchCases::Outputs;
using Forward = attend::test::TorchCases::Forward;

// The comparison of one case (tests/torch_cases.h).
void run_case(const std::string& c, Module& m, const std::vector<std::string>& inputs,
              const std::vector<std::string>& constants, const Forward& forward, Tol fwd, Tol bwd) {
  cases().run_case(c, m, inputs, constants, forward, fwd, bwd, /*optional_constants=*/true);
}

// attend's causal_mask(T) where torch used generate_square_subsequent_mask(T).
Tensor causal_if(const std::string& c, int64_t t) {
  return has_fixture(c + ".opt.causal") && iopt(c, "causal") != 0 ? causal_mask(t) : Tensor();
}

TransformerLayerOptions layer_options(const std::string& c) {
  TransformerLayerOptions o;
  o.d_model = iopt(c, "d_model");
  o.nhead = iopt(c, "nhead");
  o.dim_feedforward = iopt(c, "dim_feedforward");
  o.dropout = 0.0f;
  o.norm_first = iopt(c, "norm_first") != 0;
  o.gelu = iopt(c, "gelu") != 0;
  return o;
}

// The three attention kinds without heads: context and weights of (query, keys, values, kpm).
void run_attention_case(const std::string& c, Attention& m) {
  const int64_t tq = fixture(c + ".query").size(1);
  run_case(c, m, {"query", "keys", "values"}, {"kpm"},
           [&](const Inputs& in) {
             auto r = m.forward(in.at("query"), in.at("keys"), in.at("values"), in.at("kpm"),
                                causal_if(c, tq));
             return Outputs{{"context", r.context}, {"weights", r.weights}};
           },
           {1e-7f, 1e-5f}, {1e-6f, 1e-5f});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_attention_torch)

// nn.MultiheadAttention, E=8, 2 heads: in_proj, scores, softmax, weights @ V, out_proj, each a 4-
// or 8-term sum of O(1) values. Forward: rtol 1e-5 alone suffices (needs atol 0), atol 1e-7 (one
// ulp at 1) for safety. Gradients go back through the same chain, the weights being an output too
// with their own upstream gradient: needs atol <= 1.1e-7, atol 1e-6 given.
BOOST_AUTO_TEST_CASE(mha_self_attention_padding_and_causal_masks) {
  const std::string c = "mha_self";
  Generator gen(1);  // initial values are overwritten by torch's
  MultiheadAttention m(iopt(c, "embed_dim"), iopt(c, "num_heads"), gen);
  run_case(c, m, {"x"}, {"kpm"},
           [&](const Inputs& in) {
             const Tensor& x = in.at("x");
             auto r = m.forward(x, x, x, in.at("kpm"), causal_if(c, x.size(1)));
             return Outputs{{"out", r.output}, {"weights", r.weights}};
           },
           {1e-7f, 1e-5f}, {1e-6f, 1e-5f});
}

BOOST_AUTO_TEST_CASE(mha_cross_attention_key_is_value) {
  const std::string c = "mha_cross";
  Generator gen(1);
  MultiheadAttention m(iopt(c, "embed_dim"), iopt(c, "num_heads"), gen);
  run_case(c, m, {"query", "memory"}, {"kpm"},
           [&](const Inputs& in) {
             const Tensor& mem = in.at("memory");
             auto r = m.forward(in.at("query"), mem, mem, in.at("kpm"));
             return Outputs{{"out", r.output}, {"weights", r.weights}};
           },
           {1e-7f, 1e-5f}, {1e-6f, 1e-5f});
}

BOOST_AUTO_TEST_CASE(mha_distinct_key_value_float_mask_per_head_weights) {
  const std::string c = "mha_kv";
  Generator gen(1);
  MultiheadAttention m(iopt(c, "embed_dim"), iopt(c, "num_heads"), gen);
  run_case(c, m, {"query", "key", "value"}, {"kpm", "attn_mask"},
           [&](const Inputs& in) {
             auto r = m.forward(in.at("query"), in.at("key"), in.at("value"), in.at("kpm"),
                                in.at("attn_mask"), /*need_weights=*/true,
                                /*average_attn_weights=*/false);
             return Outputs{{"out", r.output}, {"weights", r.weights}};
           },
           {1e-7f, 1e-5f}, {1e-6f, 1e-5f});
}

BOOST_AUTO_TEST_CASE(mha_need_weights_false) {
  const std::string c = "mha_noweights";
  Generator gen(1);
  MultiheadAttention m(iopt(c, "embed_dim"), iopt(c, "num_heads"), gen);
  run_case(c, m, {"x"}, {"kpm"},
           [&](const Inputs& in) {
             const Tensor& x = in.at("x");
             auto r = m.forward(x, x, x, in.at("kpm"), Tensor(), /*need_weights=*/false);
             BOOST_CHECK(!r.weights.defined());
             return Outputs{{"out", r.output}};
           },
           {1e-7f, 1e-5f}, {1e-6f, 1e-5f});
}

BOOST_AUTO_TEST_CASE(mha_without_bias) {
  const std::string c = "mha_nobias";
  Generator gen(1);
  MultiheadAttention m(iopt(c, "embed_dim"), iopt(c, "num_heads"), gen, 0.0f,
                       /*bias=*/iopt(c, "bias") != 0);
  run_case(c, m, {"x"}, {},
           [&](const Inputs& in) {
             const Tensor& x = in.at("x");
             auto r = m.forward(x, x, x, Tensor(), causal_if(c, x.size(1)), true, false);
             return Outputs{{"out", r.output}, {"weights", r.weights}};
           },
           {1e-7f, 1e-5f}, {1e-6f, 1e-5f});
}

// Transformer layers: attention, two or three LayerNorms (which divide by a standard deviation that
// can be well below 1, amplifying absolute rounding) and a 16-wide feed-forward. Forward: needs
// atol 0, given 5e-7. The gradients pass back through every block and each LayerNorm backward
// (which subtracts two means of products): needs atol <= 4.7e-7, given 2e-6.
BOOST_AUTO_TEST_CASE(transformer_encoder_layer_post_ln_pre_ln_gelu) {
  for (const std::string c : {"enc_post", "enc_pre", "enc_gelu"}) {
    Generator gen(1);
    TransformerEncoderLayer m(layer_options(c), gen);
    run_case(c, m, {"src"}, {"src_key_padding_mask"},
             [&](const Inputs& in) {
               const Tensor& src = in.at("src");
               return Outputs{
                   {"y", m.forward(src, causal_if(c, src.size(1)), in.at("src_key_padding_mask"))}};
             },
             {5e-7f, 1e-5f}, {2e-6f, 1e-5f});
  }
}

BOOST_AUTO_TEST_CASE(transformer_decoder_layer_post_ln_pre_ln) {
  for (const std::string c : {"dec_post", "dec_pre"}) {
    Generator gen(1);
    TransformerDecoderLayer m(layer_options(c), gen);
    run_case(c, m, {"tgt", "memory"},
             {"tgt_key_padding_mask", "memory_key_padding_mask", "memory_mask"},
             [&](const Inputs& in) {
               const Tensor& tgt = in.at("tgt");
               return Outputs{{"y", m.forward(tgt, in.at("memory"), causal_if(c, tgt.size(1)),
                                              in.at("memory_mask"), in.at("tgt_key_padding_mask"),
                                              in.at("memory_key_padding_mask"))}};
             },
             {5e-7f, 1e-5f}, {2e-6f, 1e-5f});
  }
}

// Two layers and a final LayerNorm: twice the depth of a layer. Forward needs atol 0, given 5e-7;
// gradients need <= 8.7e-7, given 3e-6.
BOOST_AUTO_TEST_CASE(transformer_encoder_stack_with_final_norm) {
  const std::string c = "enc_stack";
  Generator gen(1);
  TransformerEncoder m(layer_options(c), iopt(c, "num_layers"), gen);
  run_case(c, m, {"src"}, {"src_key_padding_mask"},
           [&](const Inputs& in) {
             const Tensor& src = in.at("src");
             return Outputs{
                 {"y", m.forward(src, causal_if(c, src.size(1)), in.at("src_key_padding_mask"))}};
           },
           {5e-7f, 1e-5f}, {3e-6f, 1e-5f});
}

BOOST_AUTO_TEST_CASE(transformer_decoder_stack_with_final_norm) {
  const std::string c = "dec_stack";
  Generator gen(1);
  TransformerDecoder m(layer_options(c), iopt(c, "num_layers"), gen);
  run_case(c, m, {"tgt", "memory"}, {"tgt_key_padding_mask", "memory_key_padding_mask"},
           [&](const Inputs& in) {
             const Tensor& tgt = in.at("tgt");
             return Outputs{
                 {"y", m.forward(tgt, in.at("memory"), causal_if(c, tgt.size(1)), Tensor(),
                                 in.at("tgt_key_padding_mask"), in.at("memory_key_padding_mask"))}};
           },
           {5e-7f, 1e-5f}, {3e-6f, 1e-5f});
}

// Bahdanau / Luong / scaled dot-product: one projection, a score, a masked softmax and a weighted
// sum of values, all with 3- to 6-term sums. Forward needs atol 0, given 1e-7; gradients need
// <= 2.1e-7, given 1e-6.
BOOST_AUTO_TEST_CASE(bahdanau_additive_attention_with_padding) {
  const std::string c = "additive";
  Generator gen(1);
  AdditiveAttention m(iopt(c, "query_dim"), iopt(c, "key_dim"), iopt(c, "attn_dim"), gen);
  run_attention_case(c, m);
}

BOOST_AUTO_TEST_CASE(luong_general_attention_with_padding) {
  const std::string c = "luong_general";
  Generator gen(1);
  LuongAttention m(LuongAttention::Kind::kGeneral, iopt(c, "query_dim"), iopt(c, "key_dim"), gen);
  run_attention_case(c, m);
}

BOOST_AUTO_TEST_CASE(luong_dot_attention_with_padding_and_causal) {
  const std::string c = "luong_dot";
  Generator gen(1);
  const int64_t d = fixture(c + ".query").size(2);
  LuongAttention m(LuongAttention::Kind::kDot, d, d, gen);
  run_attention_case(c, m);
}

BOOST_AUTO_TEST_CASE(scaled_dot_product_attention_with_padding_and_causal) {
  ScaledDotProductAttention m;
  run_attention_case("sdpa", m);
}

BOOST_AUTO_TEST_SUITE_END()
