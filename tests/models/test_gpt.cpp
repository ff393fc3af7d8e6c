// GPT (models/gpt.cpp): parameter gradients match finite differences, attention is causal, the
// key/value cache gives the numbers of the full forward, the output projection is the token
// embedding, the residual projections get the scaled initialisation, bad sizes are refused, and
// three training steps (loss, clipping, AdamW with decay groups) give PyTorch's numbers.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <memory>

#include "models/gpt.h"
#include "models/registry.h"
#include "test_util.h"
#include "trainers/optim.h"

using namespace attend;

namespace {

GPTOptions tiny(float dropout = 0.0f) {
  GPTOptions o;
  o.vocab_size = 7;
  o.context = 6;
  o.layers = 2;
  o.heads = 2;
  o.width = 8;
  o.dropout = dropout;
  return o;
}

// Standard deviation of a tensor's elements.
double stddev(const Tensor& t) {
  double s = 0, s2 = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    s += t.data()[i];
    s2 += static_cast<double>(t.data()[i]) * t.data()[i];
  }
  const double n = static_cast<double>(t.numel());
  return std::sqrt(s2 / n - (s / n) * (s / n));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_gpt)

BOOST_AUTO_TEST_CASE(parameter_gradients_match_finite_differences) {
  for (bool tanh_form : {false, true}) {
    GPTOptions o = tiny();
    o.gelu_tanh = tanh_form;
    Generator gen(3);
    GPT model(o, gen, nullptr);
    // Larger weights than GPT-2's 0.02, so every path carries a gradient finite differences see.
    for (auto& [name, p] : model.named_parameters())
      if (p.ndim() >= 2) copy_(p, randn(p.shape(), gen, 0.0f, 0.5f));
    const Tensor tokens = from_indices({1, 4, 2, 6, 0, 3, 5, 5, 2, 1}, {2, 5});
    const Tensor target = from_indices({4, 2, 6, 0, 3, 5, 2, 1, 0, 6}, {10});
    auto loss = [&] {
      return cross_entropy(reshape(model.forward(tokens), {-1, o.vocab_size}), target);
    };
    BOOST_CHECK_GT(attend::test::check_parameter_gradients(model, loss), 500);
  }
}

BOOST_AUTO_TEST_CASE(a_position_never_sees_later_tokens) {
  Generator gen(1);
  GPT model(tiny(), gen, nullptr);
  const Tensor a = model.forward(from_indices({1, 2, 3, 4, 5, 6}, {1, 6}));
  const Tensor b = model.forward(from_indices({1, 2, 3, 0, 0, 0}, {1, 6}));
  // Positions 0..2 agree exactly; position 3 differs (it sees its own token).
  attend::test::check_close(narrow(a, 1, 0, 3), narrow(b, 1, 0, 3), 0.0f, 0.0f);
  BOOST_CHECK_GT(max(abs(narrow(a, 1, 3, 1) - narrow(b, 1, 3, 1))).item(), 1e-4f);
}

BOOST_AUTO_TEST_CASE(cached_steps_give_the_full_forward_logits) {
  Generator gen(2);
  GPTOptions o = tiny();
  o.width = 12;
  o.heads = 3;
  GPT model(o, gen, nullptr);
  for (auto& [name, p] : model.named_parameters())
    if (p.ndim() >= 2) copy_(p, randn(p.shape(), gen, 0.0f, 0.3f));
  model.eval();
  NoGradGuard no_grad;
  const Tensor tokens = from_indices({3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 0, 2}, {2, 6});
  const Tensor full_logits = model.forward(tokens);  // [2, 6, V]
  auto cache = model.start_cache();
  // A prompt of three positions at once, then one position at a time.
  Tensor first = model.forward_cached(*cache, narrow(tokens, 1, 0, 3));
  attend::test::check_close(first, narrow(full_logits, 1, 0, 3), 1e-5f, 1e-4f);
  for (int64_t t = 3; t < 6; ++t) {
    Tensor step = model.forward_cached(*cache, narrow(tokens, 1, t, 1));
    BOOST_TEST_CONTEXT("position " << t) {
      attend::test::check_close(step, narrow(full_logits, 1, t, 1), 1e-5f, 1e-4f);
    }
  }
  BOOST_CHECK_EQUAL(cache->length(), 6);
  // The context is full: one more position is refused with the shapes named.
  attend::test::check_mentions(attend::test::shape_error_message(
                                   [&] { model.forward_cached(*cache, narrow(tokens, 1, 0, 1)); }),
                               {"gpt", "context of 6"});
}

BOOST_AUTO_TEST_CASE(output_projection_is_the_token_embedding) {
  Generator gen(4);
  GPTOptions o = tiny();
  GPT model(o, gen, nullptr);
  const int64_t C = o.width, V = o.vocab_size, L = o.layers, T = o.context;
  // wte + wpe + per block (2 norms, in/out projections, MLP) + ln_f; no separate lm_head.
  const int64_t block =
      2 * 2 * C + (3 * C * C + 3 * C) + (C * C + C) + (4 * C * C + 4 * C) + (4 * C * C + C);
  BOOST_CHECK_EQUAL(model.num_parameters(), V * C + T * C + L * block + 2 * C);
  // The logits are h wte^T: changing a row of wte changes that token's logit.
  const Tensor tokens = from_indices({1, 2}, {1, 2});
  const Tensor before = model.forward(tokens);
  // (Not a constant shift: layer-normed features sum to zero, so it would cancel.)
  for (int64_t j = 0; j < C; ++j)
    model.wte->weight.data()[5 * C + j] += 0.3f * static_cast<float>(j % 3);
  const Tensor after = model.forward(tokens);
  BOOST_CHECK_GT(std::fabs(after.data()[5] - before.data()[5]), 1e-4f);
}

BOOST_AUTO_TEST_CASE(without_bias_only_weights_remain_and_the_cache_still_agrees) {
  // nanoGPT's bias=False: the linear layers lose their biases and the layer norms keep a weight.
  GPTOptions o = tiny();
  o.bias = false;
  Generator gen(9);
  GPT model(o, gen, nullptr);
  const int64_t C = o.width, V = o.vocab_size, L = o.layers, T = o.context;
  const int64_t block = 2 * C + 3 * C * C + C * C + 4 * C * C + 4 * C * C;
  BOOST_CHECK_EQUAL(model.num_parameters(), V * C + T * C + L * block + C);
  for (auto& [name, p] : model.named_parameters())
    BOOST_CHECK_MESSAGE(!name.ends_with("bias"), name << " is a bias");
  // Weight-only norms still normalise: the model's output changes with a norm weight.
  model.eval();
  NoGradGuard no_grad;
  const Tensor tokens = from_indices({3, 1, 4, 1, 5, 2}, {1, 6});
  const Tensor full_logits = model.forward(tokens);
  auto cache = model.start_cache();
  for (int64_t t = 0; t < 6; ++t)
    attend::test::check_close(model.forward_cached(*cache, narrow(tokens, 1, t, 1)),
                              narrow(full_logits, 1, t, 1), 1e-5f, 1e-4f);
  model.ln_f->weight.data()[0] = 3.0f;
  BOOST_CHECK_GT(max(abs(model.forward(tokens) - full_logits)).item(), 1e-4f);
}

BOOST_AUTO_TEST_CASE(gpt2_initialisation_scales_the_residual_projections) {
  GPTOptions o;
  o.vocab_size = 50;
  o.context = 32;
  o.layers = 8;
  o.heads = 4;
  o.width = 64;
  Generator gen(5);
  GPT model(o, gen, nullptr);
  const double resid = 0.02 / std::sqrt(2.0 * 8);
  BOOST_CHECK_CLOSE(stddev(model.wte->weight), 0.02, 10);
  BOOST_CHECK_CLOSE(stddev(model.blocks[0]->c_fc->weight), 0.02, 10);
  BOOST_CHECK_CLOSE(stddev(model.blocks[0]->attn->in_proj_weight), 0.02, 10);
  BOOST_CHECK_CLOSE(stddev(model.blocks[3]->c_proj->weight), resid, 10);
  BOOST_CHECK_CLOSE(stddev(model.blocks[7]->attn->out_proj->weight), resid, 10);
  BOOST_CHECK_EQUAL(max(abs(model.blocks[0]->c_fc->bias)).item(), 0.0f);
}

BOOST_AUTO_TEST_CASE(weight_decay_groups_exempt_biases_norms_and_embeddings) {
  Generator gen(6);
  GPT model(tiny(), gen, nullptr);
  const std::vector<bool> decays = matrices_decay(model);
  const auto named = model.named_parameters();
  BOOST_REQUIRE_EQUAL(decays.size(), named.size());
  for (size_t i = 0; i < named.size(); ++i) {
    const std::string& n = named[i].first;
    const bool matrix = n.ends_with("in_proj_weight") || n.ends_with("out_proj.weight") ||
                        n.ends_with("c_fc.weight") || n.ends_with("c_proj.weight");
    BOOST_CHECK_MESSAGE(decays[i] == matrix, n << " decays: " << decays[i]);
  }
}

BOOST_AUTO_TEST_CASE(attention_weights_are_causal_and_normalised) {
  Generator gen(7);
  GPT model(tiny(), gen, nullptr);
  const auto w = model.attention_weights(from_indices({1, 2, 3, 4}, {1, 4}));
  BOOST_REQUIRE_EQUAL(w.size(), 2u);
  BOOST_CHECK(w[1].shape() == Shape({1, 2, 4, 4}));
  for (int64_t h = 0; h < 2; ++h)
    for (int64_t i = 0; i < 4; ++i) {
      double row = 0;
      for (int64_t j = 0; j < 4; ++j) {
        const float v = w[0].data()[(h * 4 + i) * 4 + j];
        if (j > i) BOOST_CHECK_EQUAL(v, 0.0f);
        row += v;
      }
      BOOST_CHECK_CLOSE(row, 1.0, 1e-3);
    }
}

// tests/fixtures/gen_gpt_fixtures.py: bench/gpt_pytorch.py's model from the same weights, trained
// three steps with the pieces `attend train --model gpt` uses (cross-entropy over every position,
// clipping by the global norm, AdamW decaying matrices_decay()'s group, a new learning rate each
// step; the trainer's glue around them is not exercised here), with and without biases (Adam's
// eps 1e-4: see the script). The two sides' rounding grows to a few 1e-6
// over three steps, as each Adam update is lr-sized whatever the gradient's size: losses and norms
// to 1e-4 relative, parameters to 2e-5 + 1e-4 relative. A decay in the wrong group moves a weight
// by lr * 0.1 * |w|, over 1e-3 here, and a missing clip changes the later updates' mix of
// gradients by tens of percent.
BOOST_AUTO_TEST_CASE(three_training_steps_match_pytorch) {
  const attend::test::FixtureFile fx("gpt.txt", "tests/fixtures/gen_gpt_fixtures.py");
  for (const std::string c : {"gpt_bias", "gpt_nobias"}) {
    BOOST_TEST_CONTEXT(c) {
      const auto opt = [&](const std::string& k) { return fx.get(c + ".opt." + k).item(); };
      GPTOptions o;
      o.vocab_size = static_cast<int64_t>(opt("vocab"));
      o.context = static_cast<int64_t>(opt("context"));
      o.layers = static_cast<int64_t>(opt("layers"));
      o.heads = static_cast<int64_t>(opt("heads"));
      o.width = static_cast<int64_t>(opt("width"));
      o.dropout = 0.0f;
      o.bias = opt("bias") != 0;
      Generator gen(0);
      GPT model(o, gen, nullptr);
      // A strict load: every parameter of attend's model is in the fixture, and nothing more.
      size_t stored = 0;
      for (const auto& [name, t] : fx.all()) stored += name.starts_with(c + ".param.");
      const auto named = model.named_parameters();
      BOOST_REQUIRE_EQUAL(stored, named.size());
      for (auto [name, p] : named) copy_(p, fx.get(c + ".param." + name));

      AdamWOptions ao;
      ao.beta2 = opt("beta2");
      ao.weight_decay = opt("weight_decay");
      ao.eps = opt("eps");
      AdamW adamw(model.parameters(), ao);
      adamw.set_weight_decay_groups(matrices_decay(model));
      const Tensor x = fx.get(c + ".x"), y = reshape(fx.get(c + ".y"), {-1});
      for (int s = 1; s <= 3; ++s) {
        BOOST_TEST_CONTEXT("step " << s) {
          adamw.set_lr(fx.get(c + ".lr" + std::to_string(s)).item());
          Tensor loss = cross_entropy(reshape(model.forward(x), {-1, o.vocab_size}), y);
          adamw.zero_grad();
          loss.backward();
          const float norm = clip_grad_norm_(model.parameters(), opt("clip"));
          adamw.step();
          BOOST_CHECK_CLOSE(loss.item(), fx.get(c + ".loss" + std::to_string(s)).item(), 1e-2);
          BOOST_CHECK_CLOSE(norm, fx.get(c + ".norm" + std::to_string(s)).item(), 1e-2);
        }
      }
      for (const auto& [name, p] : named) BOOST_TEST_CONTEXT(name) {
          attend::test::check_close(p, fx.get(c + ".final." + name), 2e-5f, 1e-4f);
        }
    }
  }
}

BOOST_AUTO_TEST_CASE(registered_with_its_hyperparameters) {
  const ModelEntry& e = find_model("gpt");
  BOOST_CHECK(e.task == TaskKind::kLanguageModel);
  Generator gen(8);
  ModelDims dims;
  dims.target_vocab = 11;
  auto m = create_model(
      "gpt",
      Hyperparams(e.hyperparams,
                  {{"layers", "1"}, {"width", "16"}, {"heads", "2"}, {"context", "8"}}),
      dims, gen, nullptr);
  auto* gpt = dynamic_cast<GPT*>(m.get());
  BOOST_REQUIRE(gpt);
  BOOST_CHECK_EQUAL(gpt->vocab_size(), 11);
  BOOST_CHECK_EQUAL(gpt->context_length(), 8);
  BOOST_CHECK(gpt->ln_f->bias.defined());  // biases unless asked otherwise
  auto nb = create_model(
      "gpt", Hyperparams(e.hyperparams, {{"width", "16"}, {"heads", "2"}, {"bias", "false"}}), dims,
      gen, nullptr);
  BOOST_CHECK(!dynamic_cast<GPT&>(*nb).ln_f->bias.defined());
  BOOST_CHECK(!dynamic_cast<GPT&>(*nb).blocks[0]->c_fc->bias.defined());
  BOOST_CHECK_THROW(
      create_model("gpt", Hyperparams(e.hyperparams, {{"width", "10"}, {"heads", "3"}}), dims, gen,
                   nullptr),
      HyperparamError);
}

BOOST_AUTO_TEST_SUITE_END()
