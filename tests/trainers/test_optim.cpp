// Optimizers, gradient clipping and learning-rate schedules against PyTorch (reference values in
// tests/fixtures/layers.txt, written by tests/fixtures/gen_layer_fixtures.py; see that script for
// how each case is named), plus optimizer state_dict round trips, option errors, and the names
// optimizers and schedules go by on the command line and in config.json.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "test_util.h"
#include "trainers/lr_schedule.h"
#include "trainers/optim.h"

using namespace attend;

namespace {

const attend::test::FixtureFile& fixtures() {
  static const attend::test::FixtureFile f("layers.txt", "tests/fixtures/gen_layer_fixtures.py");
  return f;
}

bool has_fixture(const std::string& name) {
  return fixtures().has(name);
}

const Tensor& fixture(const std::string& name) {
  return fixtures().get(name);
}

// Option CASE.opt.KEY, or `def` (torch's default) when the generator did not pass it to torch.
float opt(const std::string& c, const std::string& key, float def) {
  const std::string n = c + ".opt." + key;
  return has_fixture(n) ? fixture(n).item() : def;
}
float opt(const std::string& c, const std::string& key) {
  return fixture(c + ".opt." + key).item();
}

Tensor copy_of(const Tensor& src) {
  Tensor t = Tensor::empty(src.shape());
  copy_(t, src);
  return t;
}

// check_close against fixture `name`; returns the largest absolute difference.
float expect_close(const Tensor& actual, const std::string& name, float atol, float rtol) {
  BOOST_REQUIRE_MESSAGE(actual.defined(), name << ": attend gave no tensor");
  const Tensor& expected = fixture(name);
  float worst = 0.0f;
  if (actual.shape() == expected.shape()) {
    for (int64_t i = 0; i < actual.numel(); ++i)
      worst = std::max(worst, std::fabs(actual.data()[i] - expected.data()[i]));
    BOOST_TEST_MESSAGE(name << ": max |attend - torch| = " << worst);
  }
  BOOST_TEST_CONTEXT(name) {
    attend::test::check_close(actual, expected, atol, rtol);
  }
  return worst;
}

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;

// Three steps on p [2, 3] and q [4] from CASE.p0, CASE.q0 with gradients CASE.gpS, CASE.gqS (a
// missing gqS: q has no gradient at step S), comparing CASE.pS, CASE.qS after each step.
void run_optimizer_case(const std::string& c, const MakeOptimizer& make, float atol, float rtol) {
  Tensor p = copy_of(fixture(c + ".p0")).requires_grad_();
  Tensor q = copy_of(fixture(c + ".q0")).requires_grad_();
  std::unique_ptr<Optimizer> o = make({p, q});
  float worst = 0;
  for (int s = 1; s <= 3; ++s) {
    const std::string S = std::to_string(s);
    p.set_grad(copy_of(fixture(c + ".gp" + S)));
    q.set_grad(has_fixture(c + ".gq" + S) ? copy_of(fixture(c + ".gq" + S)) : Tensor());
    o->step();
    worst = std::max(worst, expect_close(p, c + ".p" + S, atol, rtol));
    worst = std::max(worst, expect_close(q, c + ".q" + S, atol, rtol));
  }
  BOOST_TEST_MESSAGE("case " << c << ": max |attend - torch| over 3 steps = " << worst);
}

SGDOptions sgd_options(const std::string& c) {
  SGDOptions o;
  o.lr = opt(c, "lr");
  o.momentum = opt(c, "momentum", 0.0f);
  o.dampening = opt(c, "dampening", 0.0f);
  o.weight_decay = opt(c, "weight_decay", 0.0f);
  o.nesterov = opt(c, "nesterov", 0.0f) != 0.0f;
  return o;
}

// Options torch was given; the rest stay at attend's defaults (which must be torch's).
template <class Options = AdamOptions>
Options adam_options(const std::string& c) {
  Options o;
  o.lr = opt(c, "lr");
  o.beta1 = opt(c, "beta1", o.beta1);
  o.beta2 = opt(c, "beta2", o.beta2);
  o.eps = opt(c, "eps", o.eps);
  o.weight_decay = opt(c, "weight_decay", o.weight_decay);
  return o;
}

// A deterministic gradient for step s of parameter k.
Tensor grad_for(const Shape& shape, int s, int k) {
  Generator g(static_cast<uint64_t>(100 * s + k));
  return randn(shape, g);
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<size_t>(a.numel())) == 0;
}

std::vector<Tensor> fresh_params() {
  Generator g(5);
  Tensor a = randn({3, 4}, g), b = randn({5}, g);
  a.requires_grad_();
  b.requires_grad_();
  return {a, b};
}

void run_steps(Optimizer& o, const std::vector<Tensor>& params, int from, int to) {
  for (int s = from; s <= to; ++s) {
    for (size_t k = 0; k < params.size(); ++k) {
      Tensor p = params[k];
      p.set_grad(grad_for(p.shape(), s, static_cast<int>(k)));
    }
    o.step();
  }
}

// Optimizer A runs steps 1..4. Optimizer B runs 1..2 on other copies of the same parameters and
// saves its state; a fresh optimizer C on copies of B's parameters loads that state and runs 3..4.
// A's and C's parameters must be bitwise equal.
void check_resume(const std::string& what, const MakeOptimizer& make) {
  BOOST_TEST_CONTEXT(what) {
    std::vector<Tensor> pa = fresh_params(), pb = fresh_params();
    auto a = make(pa);
    run_steps(*a, pa, 1, 4);

    auto b = make(pb);
    run_steps(*b, pb, 1, 2);
    const std::map<std::string, Tensor> state = b->state_dict();
    BOOST_CHECK_EQUAL(state.at("step").item(), 2.0f);
    std::vector<Tensor> pc;
    for (const Tensor& t : pb) pc.push_back(copy_of(t).requires_grad_());
    b.reset();
    auto c = make(pc);
    c->load_state_dict(state);
    BOOST_CHECK_EQUAL(c->steps_taken(), 2);
    run_steps(*c, pc, 3, 4);
    BOOST_CHECK_EQUAL(c->steps_taken(), 4);
    for (size_t k = 0; k < pa.size(); ++k)
      BOOST_CHECK_MESSAGE(bitwise_equal(pa[k], pc[k]),
                          "parameter " << k << " differs after resuming from the state dict");
  }
}

template <class E>
void expect_throw(const std::function<void()>& f, const std::string& what) {
  try {
    f();
    BOOST_ERROR(what << ": no exception thrown");
  } catch (const E& e) {
    BOOST_CHECK_MESSAGE(true, what << ": " << e.what());
  } catch (const std::exception& e) {
    BOOST_ERROR(what << ": wrong exception type: " << e.what());
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_optim)

// SGD: each step is p -= lr * (a momentum sum of O(1) gradients), the same float32 operations as
// torch in the same order: atol 1e-7 + rtol 1e-6 (a few ulps of the O(1) parameters).
BOOST_AUTO_TEST_CASE(sgd_momentum_dampening_nesterov_weight_decay) {
  for (const std::string c : {"sgd_mom", "sgd_damp", "sgd_nesterov_wd"})
    run_optimizer_case(
        c,
        [&c](std::vector<Tensor> ps) {
          return std::unique_ptr<Optimizer>(new SGD(std::move(ps), sgd_options(c)));
        },
        1e-7f, 1e-6f);
}

// Adam / AdamW: torch computes the bias corrections in double and attend in float32, and the
// update divides by sqrt(v) + eps; the update is lr-sized (1e-2) on O(1) parameters, so the
// parameters agree to atol 1e-7 + rtol 1e-6.
BOOST_AUTO_TEST_CASE(adam_with_weight_decay_and_adamw) {
  run_optimizer_case(
      "adam_wd",
      [](std::vector<Tensor> ps) {
        return std::unique_ptr<Optimizer>(new Adam(std::move(ps), adam_options("adam_wd")));
      },
      1e-7f, 1e-6f);
  run_optimizer_case(
      "adamw",
      [](std::vector<Tensor> ps) {
        return std::unique_ptr<Optimizer>(
            new AdamW(std::move(ps), adam_options<AdamWOptions>("adamw")));
      },
      1e-7f, 1e-6f);
}

// torch.optim.AdamW(params, lr=0.1): the other options at torch's defaults, weight_decay=1e-2
// included (optim.h: "torch.optim.AdamW (default weight decay 1e-2)"). With lr 0.1 a missing decay
// changes the parameters by 1e-3 relative per step, far outside the tolerance.
BOOST_AUTO_TEST_CASE(adamw_default_weight_decay_is_torchs) {
  run_optimizer_case(
      "adamw_default_wd",
      [](std::vector<Tensor> ps) {
        return std::unique_ptr<Optimizer>(
            new AdamW(std::move(ps), adam_options<AdamWOptions>("adamw_default_wd")));
      },
      1e-7f, 1e-6f);
}

// q has no gradient in step 1 (torch skips it and creates its state at step 2, so q's bias
// correction counts q's own steps: 1 at the second optimizer step, 2 at the third).
BOOST_AUTO_TEST_CASE(adam_parameter_without_gradient_is_skipped_as_torch) {
  run_optimizer_case(
      "adam_skip",
      [](std::vector<Tensor> ps) {
        return std::unique_ptr<Optimizer>(new Adam(std::move(ps), adam_options("adam_skip")));
      },
      1e-7f, 1e-6f);
}

// clip_grad_norm_: the norm of 10 O(1) values accumulated in double (torch: float32) and a scale
// by max_norm / (norm + 1e-6): rtol 1e-6 (atol 1e-7) for the norm and the clipped gradients.
BOOST_AUTO_TEST_CASE(clip_grad_norm_and_value) {
  for (const std::string c : {"clip_norm", "clip_norm_noop"}) {
    Tensor p = zeros({2, 3}).requires_grad_(), q = zeros({4}).requires_grad_();
    p.set_grad(copy_of(fixture(c + ".gp")));
    q.set_grad(copy_of(fixture(c + ".gq")));
    const float total = clip_grad_norm_({p, q}, opt(c, "max_norm"));
    expect_close(full(Shape{}, total), c + ".total_norm", 1e-7f, 1e-6f);
    expect_close(p.grad(), c + ".gp_out", 1e-7f, 1e-6f);
    expect_close(q.grad(), c + ".gq_out", 1e-7f, 1e-6f);
  }
  // clip_grad_value_ is a clamp: exact.
  const std::string c = "clip_value";
  Tensor p = zeros({2, 3}).requires_grad_(), q = zeros({4}).requires_grad_();
  p.set_grad(copy_of(fixture(c + ".gp")));
  q.set_grad(copy_of(fixture(c + ".gq")));
  clip_grad_value_({p, q}, opt(c, "clip"));
  expect_close(p.grad(), c + ".gp_out", 0.0f, 0.0f);
  expect_close(q.grad(), c + ".gq_out", 0.0f, 0.0f);
}

// The lr in effect at optimizer steps 1..N. torch's StepLR multiplies by gamma repeatedly and
// attend takes a power; the Python formulas run in double: rtol 1e-6 everywhere.
BOOST_AUTO_TEST_CASE(step_cosine_warmup_noam_schedules) {
  auto check = [](const std::string& c, const LRSchedule& s) {
    const Tensor& ref = fixture(c + ".lr");
    Tensor got = Tensor::empty(ref.shape());
    for (int64_t i = 0; i < ref.numel(); ++i) got.data()[i] = s.lr_at(i + 1);
    expect_close(got, c + ".lr", 0.0f, 1e-6f);
  };
  check("sched_step",
        StepLR(opt("sched_step", "base"), static_cast<int64_t>(opt("sched_step", "step_size")),
               opt("sched_step", "gamma")));
  // Not an independent reference: the generator evaluates CosineWarmupLR::lr_at's own formula.
  check("sched_cosine", CosineWarmupLR(opt("sched_cosine", "base"),
                                       static_cast<int64_t>(opt("sched_cosine", "warmup")),
                                       static_cast<int64_t>(opt("sched_cosine", "total")),
                                       opt("sched_cosine", "min_lr")));
  check("sched_noam",
        NoamLR(static_cast<int64_t>(opt("sched_noam", "d_model")),
               static_cast<int64_t>(opt("sched_noam", "warmup")), opt("sched_noam", "factor")));
}

// torch.optim.lr_scheduler.ReduceLROnPlateau, modes min and max, factor 0.5, patience 2, min_lr:
// the lr after each observed metric (rtol 1e-6: torch multiplies in double).
BOOST_AUTO_TEST_CASE(reduce_lr_on_plateau_min_and_max) {
  for (const std::string c : {"plateau_min", "plateau_max"}) {
    ReduceLROnPlateau r(opt(c, "lr"), opt(c, "maximize") != 0, opt(c, "factor"),
                        static_cast<int>(opt(c, "patience")), opt(c, "threshold"),
                        opt(c, "min_lr"));
    const Tensor& metric = fixture(c + ".metric");
    Tensor got = Tensor::empty(metric.shape());
    for (int64_t i = 0; i < metric.numel(); ++i) got.data()[i] = r.observe(metric.data()[i]);
    expect_close(got, c + ".lr", 0.0f, 1e-6f);

    // state()/set_state(): stopping half way and resuming in a fresh scheduler continues
    // identically.
    ReduceLROnPlateau a(opt(c, "lr"), opt(c, "maximize") != 0, opt(c, "factor"),
                        static_cast<int>(opt(c, "patience")), opt(c, "threshold"),
                        opt(c, "min_lr"));
    const int64_t half = metric.numel() / 2;
    for (int64_t i = 0; i < half; ++i) a.observe(metric.data()[i]);
    // factor, patience etc. are constructor options, not state: b gets the same ones.
    ReduceLROnPlateau b(opt(c, "lr"), opt(c, "maximize") != 0, opt(c, "factor"),
                        static_cast<int>(opt(c, "patience")), opt(c, "threshold"),
                        opt(c, "min_lr"));
    b.set_state(a.state());
    BOOST_CHECK_EQUAL(b.lr(), a.lr());
    for (int64_t i = half; i < metric.numel(); ++i)
      BOOST_CHECK_EQUAL(b.observe(metric.data()[i]), got.data()[i]);
  }
}

// --- state_dict round trips --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(state_dict_round_trip_continues_identically) {
  check_resume("SGD momentum nesterov", [](std::vector<Tensor> ps) {
    SGDOptions o;
    o.lr = 0.05f;
    o.momentum = 0.9f;
    o.nesterov = true;
    o.weight_decay = 1e-3f;
    return std::unique_ptr<Optimizer>(new SGD(std::move(ps), o));
  });
  check_resume("Adam", [](std::vector<Tensor> ps) {
    AdamOptions o;
    o.lr = 0.01f;
    o.weight_decay = 0.1f;
    return std::unique_ptr<Optimizer>(new Adam(std::move(ps), o));
  });
  check_resume("AdamW", [](std::vector<Tensor> ps) {
    AdamWOptions o;
    o.lr = 0.01f;
    o.weight_decay = 0.1f;
    return std::unique_ptr<Optimizer>(new AdamW(std::move(ps), o));
  });
}

// The resume check can fail: without the loaded state (fresh moments, step 0) Adam diverges.
BOOST_AUTO_TEST_CASE(resume_without_state_differs) {
  AdamOptions o;
  o.lr = 0.01f;
  std::vector<Tensor> pa = fresh_params(), pb = fresh_params();
  Adam a(pa, o);
  run_steps(a, pa, 1, 4);
  Adam b(pb, o);
  run_steps(b, pb, 1, 2);
  Adam c(pb, o);  // no load_state_dict
  run_steps(c, pb, 3, 4);
  BOOST_CHECK(!bitwise_equal(pa[0], pb[0]));
}

BOOST_AUTO_TEST_CASE(state_dict_contents_and_load_errors) {
  std::vector<Tensor> ps = fresh_params();
  AdamOptions ao;
  ao.lr = 0.01f;
  Adam a(ps, ao);
  run_steps(a, ps, 1, 1);
  auto sd = a.state_dict();
  // step, lr, both moments of both parameters, and each parameter's own step count
  BOOST_CHECK_EQUAL(sd.size(), 8u);
  BOOST_CHECK_EQUAL(sd.at("param_step.1").item(), 1.0f);
  BOOST_CHECK_EQUAL(sd.at("lr").item(), 0.01f);
  BOOST_CHECK(sd.at("exp_avg.0").shape() == Shape({3, 4}));
  BOOST_CHECK(sd.at("exp_avg_sq.1").shape() == Shape({5}));

  std::vector<Tensor> other = fresh_params();
  Adam fresh(other, ao);
  auto without = [&sd](const std::string& key) {
    auto m = sd;
    m.erase(key);
    return m;
  };
  expect_throw<std::invalid_argument>([&] { fresh.load_state_dict(without("step")); },
                                      "state without 'step'");
  auto bad_shape = sd;
  bad_shape["exp_avg.0"] = zeros({4, 3});
  expect_throw<std::invalid_argument>([&] { fresh.load_state_dict(bad_shape); },
                                      "moment of the wrong shape");
  auto bad_index = sd;
  bad_index["exp_avg.7"] = zeros({5});
  expect_throw<std::invalid_argument>([&] { fresh.load_state_dict(bad_index); },
                                      "moment for a parameter that does not exist");
  auto bad_key = sd;
  bad_key["nonsense"] = zeros({1});
  expect_throw<std::invalid_argument>([&] { fresh.load_state_dict(bad_key); }, "unexpected key");
  // A failed load leaves the optimizer as it was.
  BOOST_CHECK_EQUAL(fresh.steps_taken(), 0);
}

BOOST_AUTO_TEST_CASE(load_rejects_step_counts_and_keys_that_are_no_numbers) {
  // Found by fuzz/fuzz_checkpoint: a step count of 4.8e30 was cast to int64_t (undefined
  // behaviour), and "lr" of the wrong shape failed after "step" had already changed.
  std::vector<Tensor> ps = fresh_params();
  Adam a(ps, AdamOptions{});
  run_steps(a, ps, 1, 1);
  const auto sd = a.state_dict();
  std::vector<Tensor> other = fresh_params();
  Adam fresh(other, AdamOptions{});
  const float lr = fresh.lr();
  auto expect_error = [&](const std::string& key, const Tensor& value, const std::string& what) {
    auto bad = sd;
    bad[key] = value;
    try {
      fresh.load_state_dict(bad);
      BOOST_ERROR(key << ": no exception thrown");
    } catch (const std::invalid_argument& e) {
      BOOST_CHECK_MESSAGE(std::string(e.what()).find(what) != std::string::npos,
                          "'" << e.what() << "' should contain '" << what << "'");
    }
    BOOST_CHECK_EQUAL(fresh.steps_taken(), 0);
    BOOST_CHECK_EQUAL(fresh.lr(), lr);
  };
  expect_error("param_step.0", full(Shape{}, 4.76108e30f),
               "'param_step.0' must be one whole number of steps >= 0");
  expect_error("step", full(Shape{}, -1.0f), "'step' must be one whole number");
  expect_error("step", full(Shape{}, 2.5f), "'step' must be one whole number");
  expect_error("step", full(Shape{}, std::nanf("")), "'step' must be one whole number");
  expect_error("lr", zeros({2}), "'lr' must be one finite number >= 0");
  expect_error("lr", full(Shape{}, INFINITY), "'lr' must be one finite number >= 0");
  expect_error("exp_avg.", zeros({3, 4}), "unexpected key 'exp_avg.' (expected NAME.INDEX)");
  expect_error("exp_avg.0x", zeros({3, 4}), "unexpected key 'exp_avg.0x'");
  expect_error("param_step.99999999999999999999", zeros({1}), "unexpected key");
  fresh.load_state_dict(sd);  // the real state still loads
  BOOST_CHECK_EQUAL(fresh.steps_taken(), 1);
}

// --- option errors -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(bad_options_throw) {
  using E = std::invalid_argument;
  auto sgd = [](SGDOptions o) { SGD s(fresh_params(), o); };
  auto adam = [](AdamOptions o) { Adam a(fresh_params(), o); };
  SGDOptions so;
  so.lr = -0.1f;
  expect_throw<E>([&] { sgd(so); }, "SGD negative lr");
  so.lr = std::nanf("");
  expect_throw<E>([&] { sgd(so); }, "SGD NaN lr");
  so = {};
  so.nesterov = true;  // momentum 0
  expect_throw<E>([&] { sgd(so); }, "SGD nesterov without momentum");
  so.momentum = 0.9f;
  so.dampening = 0.1f;
  expect_throw<E>([&] { sgd(so); }, "SGD nesterov with dampening");
  AdamOptions ao;
  ao.beta1 = 1.0f;
  expect_throw<E>([&] { adam(ao); }, "Adam beta1 = 1");
  ao = {};
  ao.beta2 = -0.1f;
  expect_throw<E>([&] { adam(ao); }, "Adam beta2 < 0");
  ao = {};
  ao.eps = -1e-8f;
  expect_throw<E>([&] { adam(ao); }, "Adam eps < 0");
  ao = {};
  ao.lr = -1.0f;
  expect_throw<E>([&] { AdamW w(fresh_params(), ao); }, "AdamW negative lr");
  expect_throw<E>([] { SGD s({zeros({2})}, SGDOptions{}); }, "parameter without requires_grad");

  expect_throw<E>([] { StepLR s(0.1f, 0, 0.5f); }, "StepLR step_size 0");
  expect_throw<E>([] { CosineWarmupLR s(0.1f, 10, 5); }, "CosineWarmupLR warmup > total");
  expect_throw<E>([] { CosineWarmupLR s(0.1f, -1, 5); }, "CosineWarmupLR warmup < 0");
  expect_throw<E>([] { CosineWarmupLR s(0.1f, 0, 0); }, "CosineWarmupLR total 0");
  expect_throw<E>([] { NoamLR s(0, 10); }, "NoamLR d_model 0");
  expect_throw<E>([] { NoamLR s(64, 0); }, "NoamLR warmup 0");
  expect_throw<E>([] { ReduceLROnPlateau r(0.1f, false, 1.0f); }, "ReduceLROnPlateau factor 1");
  expect_throw<E>([] { ReduceLROnPlateau r(0.1f, false, 0.0f); }, "ReduceLROnPlateau factor 0");
  expect_throw<E>([] { ReduceLROnPlateau(0.1f).set_state("garbage"); },
                  "ReduceLROnPlateau malformed state");
}

// Options that torch.optim rejects with "Invalid ... value" (PyTorch 1.13: SGD momentum < 0,
// SGD weight_decay < 0, Adam/AdamW weight_decay < 0).
BOOST_AUTO_TEST_CASE(bad_options_pytorch_rejects_too) {
  using E = std::invalid_argument;
  SGDOptions so;
  so.momentum = -0.5f;
  expect_throw<E>([&] { SGD s(fresh_params(), so); }, "SGD momentum < 0");
  so = {};
  so.weight_decay = -0.1f;
  expect_throw<E>([&] { SGD s(fresh_params(), so); }, "SGD weight_decay < 0");
  AdamOptions ao;
  ao.weight_decay = -0.1f;
  expect_throw<E>([&] { Adam a(fresh_params(), ao); }, "Adam weight_decay < 0");
  expect_throw<E>([&] { AdamW a(fresh_params(), ao); }, "AdamW weight_decay < 0");
}

// The trainer takes optimizer and schedule as enums, parsed once from the command line; an unknown
// name is refused there, naming it.
BOOST_AUTO_TEST_CASE(option_errors_name_the_option) {
  BOOST_CHECK_EXCEPTION(parse_optimizer_kind("adagrad"), std::invalid_argument,
                        [](const std::exception& e) {
                          return std::string(e.what()).find("adagrad") != std::string::npos;
                        });
  BOOST_CHECK_THROW(parse_schedule_kind("linear"), std::invalid_argument);
  test::check_mentions(
      [] {
        try {
          parse_schedule_kind("linear");
        } catch (const std::invalid_argument& e) {
          return std::string(e.what());
        }
        return std::string("no error");
      }(),
      {"unknown schedule 'linear'", "constant, step, cosine, noam, plateau"});
}

// config.json and existing run directories hold these words: each parses back to its kind.
BOOST_AUTO_TEST_CASE(names_are_the_stored_words) {
  const std::vector<std::pair<OptimizerKind, std::string>> optimizers = {
      {OptimizerKind::kAdam, "adam"},
      {OptimizerKind::kAdamW, "adamw"},
      {OptimizerKind::kSGD, "sgd"}};
  for (const auto& [kind, name] : optimizers) {
    BOOST_CHECK_EQUAL(to_string(kind), name);
    BOOST_CHECK(parse_optimizer_kind(name) == kind);
  }
  const std::vector<std::pair<ScheduleKind, std::string>> schedules = {
      {ScheduleKind::kConstant, "constant"},
      {ScheduleKind::kStep, "step"},
      {ScheduleKind::kCosine, "cosine"},
      {ScheduleKind::kNoam, "noam"},
      {ScheduleKind::kPlateau, "plateau"}};
  for (const auto& [kind, name] : schedules) {
    BOOST_CHECK_EQUAL(to_string(kind), name);
    BOOST_CHECK(parse_schedule_kind(name) == kind);
  }
  BOOST_CHECK_EQUAL(kOptimizerKinds.names().size(), optimizers.size());
  BOOST_CHECK_EQUAL(kScheduleKinds.names().size(), schedules.size());
}

BOOST_AUTO_TEST_SUITE_END()
