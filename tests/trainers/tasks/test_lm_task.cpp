// Language modelling (trainers/tasks/lm_task.cpp) and sampling (trainers/tasks/sampling.cpp):
// windows and shifted targets, fixed validation windows, bits per character, a tiny GPT learning
// a repeating text through the trainer (with gradient accumulation and matrices-only decay), and
// sampling: filters, determinism, and the cache giving the uncached tokens.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>
#include <numbers>

#include "models/gpt.h"
#include "test_util.h"
#include "trainers/experiment.h"
#include "trainers/tasks/lm_task.h"
#include "trainers/tasks/sampling.h"
#include "trainers/trainer.h"

using namespace attend;

namespace {

// A text with an obvious next character: "abcdefg\n" repeated.
std::shared_ptr<LMCorpus> repeating_corpus(int64_t copies = 40) {
  std::string text;
  for (int64_t i = 0; i < copies; ++i) text += "abcdefg\n";
  auto c = std::make_shared<LMCorpus>();
  c->vocab = CharVocab::build(text);
  std::vector<int64_t> ids = c->vocab.encode(text);
  const size_t n = ids.size() * 9 / 10;
  c->train.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n));
  c->valid.assign(ids.begin() + static_cast<std::ptrdiff_t>(n), ids.end());
  return c;
}

std::shared_ptr<GPT> tiny_gpt(int64_t vocab, uint64_t seed = 1, int64_t context = 8) {
  GPTOptions o;
  o.vocab_size = vocab;
  o.context = context;
  o.layers = 2;
  o.heads = 2;
  o.width = 16;
  o.dropout = 0.0f;
  Generator gen(seed);
  return std::make_shared<GPT>(o, gen, nullptr);
}

TrainerOptions quiet_options() {
  TrainerOptions o;
  o.progress.mode = ProgressOptions::Mode::kOff;
  o.quiet = true;
  o.test_at_end = false;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_lm_task)

BOOST_AUTO_TEST_CASE(targets_are_the_inputs_shifted_by_one) {
  auto data = repeating_corpus();
  auto model = tiny_gpt(data->vocab.size());
  LMTaskOptions o;
  o.batch_size = 3;
  o.eval_interval = 4;
  o.accumulate = 2;
  LanguageModelTask task(model, data, o);
  Generator shuffle(9);
  BOOST_CHECK_EQUAL(task.plan_epoch(0, shuffle), 8);  // eval_interval * accumulate micro-batches
  int64_t units = 0;
  Tensor loss = task.batch_loss(5, units);
  BOOST_CHECK_EQUAL(units, 3 * 8);
  // A fresh model predicts about uniformly: loss near ln V.
  BOOST_CHECK_CLOSE(loss.item(), std::log(8.0), 10);
}

BOOST_AUTO_TEST_CASE(validation_uses_the_same_windows_every_time) {
  auto data = repeating_corpus();
  auto model = tiny_gpt(data->vocab.size());
  LMTaskOptions o;
  o.batch_size = 4;
  o.eval_batches = 3;
  o.sample_tokens = 0;
  LanguageModelTask task(model, data, o);
  const auto a = task.evaluate(EvalSplit::kValid), b = task.evaluate(EvalSplit::kValid);
  BOOST_CHECK_EQUAL(a.at("loss"), b.at("loss"));
  BOOST_CHECK_CLOSE(a.at("bpc"), a.at("loss") / std::numbers::ln2, 1e-9);
  BOOST_CHECK_CLOSE(a.at("ppl"), std::exp(a.at("loss")), 1e-9);
  BOOST_CHECK(task.evaluation_text().empty());
}

BOOST_AUTO_TEST_CASE(a_tiny_gpt_learns_a_repeating_text_with_accumulation) {
  auto data = repeating_corpus();
  auto model = tiny_gpt(data->vocab.size(), 2);
  LMTaskOptions lo;
  lo.batch_size = 4;
  lo.eval_interval = 25;
  lo.accumulate = 2;
  lo.eval_batches = 4;
  lo.sample_tokens = 16;
  LanguageModelTask task(model, data, lo);
  TrainerOptions o = quiet_options();
  o.optimizer = OptimizerKind::kAdamW;
  o.weight_decay = 0.1f;
  o.decay_matrices_only = true;
  o.accumulate = 2;
  o.lr = 1e-2f;
  o.epochs = 4;
  int64_t steps = 0;
  o.on_step = [&](int64_t s) { steps = s; };
  Trainer trainer(task, nullptr, o);
  const TrainResult r = trainer.fit();
  BOOST_CHECK_EQUAL(steps, 100);  // 4 epochs of 25 steps, each of 2 micro-batches
  BOOST_TEST_MESSAGE("valid loss " << r.best_valid.at("loss"));
  BOOST_CHECK_LT(r.best_valid.at("loss"), 0.1);
  // The sample continues the pattern from its newline.
  const std::string sample = task.evaluation_text().at("sample");
  BOOST_CHECK_EQUAL(sample.substr(0, 8), "abcdefg\n");
  BOOST_CHECK_GT(r.peak_rss_mb, 1.0);
}

BOOST_AUTO_TEST_CASE(top_k_one_and_temperature_zero_are_greedy) {
  const float logits[] = {0.1f, 2.0f, -1.0f, 1.9f};
  Generator gen(1);
  SampleOptions greedy;
  greedy.temperature = 0.0f;
  SampleOptions top1;
  top1.top_k = 1;
  SampleOptions nucleus;
  nucleus.top_p = 0.01f;
  for (int i = 0; i < 20; ++i) {
    BOOST_CHECK_EQUAL(sample_token(logits, 4, greedy, gen), 1);
    BOOST_CHECK_EQUAL(sample_token(logits, 4, top1, gen), 1);
    BOOST_CHECK_EQUAL(sample_token(logits, 4, nucleus, gen), 1);
  }
  // top-k 2 draws only the two best, both of them over many draws.
  SampleOptions top2;
  top2.top_k = 2;
  int counts[4] = {0, 0, 0, 0};
  for (int i = 0; i < 400; ++i) ++counts[sample_token(logits, 4, top2, gen)];
  BOOST_CHECK_EQUAL(counts[0] + counts[2], 0);
  BOOST_CHECK_GT(counts[1], 120);
  BOOST_CHECK_GT(counts[3], 120);
}

BOOST_AUTO_TEST_CASE(sampling_frequencies_follow_the_softmax) {
  const float logits[] = {0.0f, std::log(3.0f)};  // probabilities 1/4 and 3/4
  Generator gen(2);
  SampleOptions o;
  int ones = 0;
  for (int i = 0; i < 4000; ++i) ones += sample_token(logits, 2, o, gen) == 1;
  BOOST_CHECK_CLOSE(ones / 4000.0, 0.75, 4);
  // Temperature 2 flattens to sqrt(3) : 1, about 0.634.
  o.temperature = 2.0f;
  ones = 0;
  for (int i = 0; i < 4000; ++i) ones += sample_token(logits, 2, o, gen) == 1;
  BOOST_CHECK_CLOSE(ones / 4000.0, std::sqrt(3.0) / (1 + std::sqrt(3.0)), 5);
}

BOOST_AUTO_TEST_CASE(cached_and_uncached_sampling_draw_the_same_tokens) {
  auto model = tiny_gpt(9, 3, 24);
  Generator init(4);
  for (auto& [name, p] : model->named_parameters())
    if (p.ndim() >= 2) copy_(p, randn(p.shape(), init, 0.0f, 0.3f));
  SampleOptions o;
  o.tokens = 20;  // prompt 4 + 20 = the whole context
  o.top_k = 5;
  o.temperature = 0.9f;
  Generator g1(7), g2(7), g3(8);
  o.cache = true;
  const auto cached = sample(*model, {1, 2, 3, 4}, o, g1);
  o.cache = false;
  const auto uncached = sample(*model, {1, 2, 3, 4}, o, g2);
  BOOST_CHECK_EQUAL_COLLECTIONS(cached.begin(), cached.end(), uncached.begin(), uncached.end());
  const auto other_seed = sample(*model, {1, 2, 3, 4}, o, g3);
  BOOST_CHECK(other_seed != uncached);
  // Past the context both keep going (cropped or restarted), and the streamed tokens are the
  // returned ones.
  o.tokens = 60;
  std::vector<int64_t> streamed;
  for (bool cache : {true, false}) {
    o.cache = cache;
    streamed.clear();
    Generator g(5);
    const auto out = sample(*model, {1}, o, g, [&](int64_t t) { streamed.push_back(t); });
    BOOST_CHECK_EQUAL(out.size(), 60u);
    BOOST_CHECK(out == streamed);
  }
}

BOOST_AUTO_TEST_SUITE_END()
