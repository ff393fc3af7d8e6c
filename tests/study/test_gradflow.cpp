// The gradient-flow study (study/gradflow.h): the recall task, the measured input gradients
// against finite differences, vanishing gradients in a tanh RNN but not through attention, and
// an attention encoder that learns the task.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <set>

#include "autograd/creation.h"
#include "autograd/ops.h"
#include "study/gradflow.h"

using namespace attend;
using namespace attend::study;

BOOST_AUTO_TEST_SUITE(test_gradflow)

BOOST_AUTO_TEST_CASE(recall_task_labels_are_the_first_token) {
  RecallTask task;
  task.num_keys = 5;
  task.num_distractors = 3;
  Generator gen(3);
  const RecallBatch b = make_recall_batch(task, 7, 400, gen);
  BOOST_TEST(b.tokens.shape().str() == "[400, 8]");
  BOOST_TEST(b.labels.shape().str() == "[400]");
  std::set<float> keys, distractors;
  for (int64_t i = 0; i < 400; ++i) {
    BOOST_TEST(b.labels.data()[i] == b.tokens.at({i, 0}));
    keys.insert(b.tokens.at({i, 0}));
    for (int64_t t = 1; t < 8; ++t) distractors.insert(b.tokens.at({i, t}));
  }
  // Every key and every distractor occurs, and the two sets are disjoint.
  BOOST_TEST((keys == std::set<float>{0, 1, 2, 3, 4}));
  BOOST_TEST((distractors == std::set<float>{5, 6, 7}));
  // Another generator state, another batch.
  const RecallBatch c = make_recall_batch(task, 7, 400, gen);
  int same = 0;
  for (int64_t i = 0; i < 400; ++i) same += c.labels.data()[i] == b.labels.data()[i];
  BOOST_TEST(same < 200);
}

BOOST_AUTO_TEST_CASE(gradient_norms_are_indexed_by_distance) {
  // B = 2, T = 3, E = 2: position t has the norm 10^t in row 0 and 3 * 10^t in row 1.
  Tensor g = zeros({2, 3, 2});
  for (int64_t t = 0; t < 3; ++t) {
    g.data()[(0 * 3 + t) * 2 + 0] = 0.6f * std::pow(10.0f, t);
    g.data()[(0 * 3 + t) * 2 + 1] = 0.8f * std::pow(10.0f, t);
    g.data()[(1 * 3 + t) * 2 + 1] = -3.0f * std::pow(10.0f, t);
  }
  const std::vector<double> n = gradient_norm_by_distance(g);
  BOOST_REQUIRE(n.size() == 3u);
  BOOST_TEST(n[0] == 200.0, boost::test_tools::tolerance(1e-5));  // the last position
  BOOST_TEST(n[1] == 20.0, boost::test_tools::tolerance(1e-5));
  BOOST_TEST(n[2] == 2.0, boost::test_tools::tolerance(1e-5));  // the first: distance L = 2

  const auto buckets = distance_buckets(9);
  BOOST_REQUIRE(buckets.size() == 5u);  // 0, 1, 2-3, 4-7, 8-9
  BOOST_TEST(buckets[3].label() == "4-7");
  BOOST_TEST(buckets[4].lo == 8);
  BOOST_TEST(buckets[4].hi == 9);
  BOOST_TEST(bucket_mean({1, 2, 3, 5, 7}, {2, 4}) == 5.0);
}

// <d loss / d x, u> against (loss(x + eps u) - loss(x - eps u)) / (2 eps), for a direction u
// at one position (the farthest from the output, then the nearest) and for a dense direction.
BOOST_AUTO_TEST_CASE(input_gradient_matches_finite_differences) {
  RecallTask task;
  task.num_keys = 3;
  task.num_distractors = 2;
  const int64_t len = 4, e = 4, h = 5, b = 2, t_len = len + 1;
  for (EncoderKind kind :
       {EncoderKind::kRNN, EncoderKind::kLSTM, EncoderKind::kGRU, EncoderKind::kAttention}) {
    BOOST_TEST_CONTEXT(encoder_name(kind)) {
      Generator gen(11);
      RecallModel model(kind, task, e, h, t_len, gen);
      const RecallBatch batch = make_recall_batch(task, len, b, gen);
      Tensor x;
      {
        NoGradGuard no_grad;
        x = model.embed(batch.tokens);
      }
      const Tensor g = input_gradient(model, x, batch.labels);
      BOOST_REQUIRE(g.defined());
      BOOST_TEST(g.shape().str() == x.shape().str());
      for (const Tensor& p : model.parameters()) {  // left alone and still trainable
        BOOST_TEST(!p.grad().defined());
        BOOST_TEST(p.requires_grad());
      }
      for (int64_t pos : {int64_t{-1}, int64_t{0}, t_len - 1}) {
        Generator dir_gen(static_cast<uint64_t>(pos + 5));
        Tensor u = randn(x.shape(), dir_gen);
        if (pos >= 0)
          for (int64_t i = 0; i < b; ++i)
            for (int64_t t = 0; t < t_len; ++t)
              if (t != pos)
                for (int64_t j = 0; j < e; ++j) u.data()[(i * t_len + t) * e + j] = 0;
        double analytic = 0;
        for (int64_t i = 0; i < x.numel(); ++i) analytic += double(g.data()[i]) * u.data()[i];
        const float eps = 1e-2f;
        NoGradGuard no_grad;
        const double up = recall_loss(model, add(x, mul(u, eps)), batch.labels).item();
        const double down = recall_loss(model, sub(x, mul(u, eps)), batch.labels).item();
        const double numeric = (up - down) / (2.0 * eps);
        BOOST_TEST_INFO("position " << pos << ": analytic " << analytic << ", numeric " << numeric);
        BOOST_TEST(std::abs(analytic - numeric) <= 2e-3 + 2e-2 * std::abs(numeric));
        BOOST_TEST(std::abs(analytic) > 1e-4);  // a real gradient, not zero against zero
      }
    }
  }
}

// At initialisation, with small recurrent weights, the tanh RNN's gradient shrinks with each
// step back, while every position is one hop from the attention pooling's output.
BOOST_AUTO_TEST_CASE(rnn_gradients_vanish_with_distance_attention_does_not) {
  RecallTask task;
  const int64_t len = 30;
  Generator data(5);
  const RecallBatch batch = make_recall_batch(task, len, 64, data);
  auto norms = [&](EncoderKind kind, float weight_scale) {
    Generator gen(7);
    RecallModel model(kind, task, 16, 16, len + 1, gen);
    if (model.rnn) {
      NoGradGuard no_grad;
      for (auto& [name, p] : model.rnn->named_parameters())
        if (name.rfind("weight_hh", 0) == 0) mul_(p, weight_scale);
    }
    Tensor x;
    {
      NoGradGuard no_grad;
      x = model.embed(batch.tokens);
    }
    return gradient_norm_by_distance(input_gradient(model, x, batch.labels));
  };
  const std::vector<double> rnn = norms(EncoderKind::kRNN, 0.5f);
  BOOST_REQUIRE(rnn.size() == size_t(len + 1));
  BOOST_TEST(rnn[0] > 0.0);
  const auto buckets = distance_buckets(len);  // 0, 1, 2-3, 4-7, 8-15, 16-30
  for (size_t i = 1; i < buckets.size(); ++i)
    BOOST_TEST(bucket_mean(rnn, buckets[i]) < 0.7 * bucket_mean(rnn, buckets[i - 1]));
  BOOST_TEST(rnn[len] < 1e-4 * rnn[0]);

  const std::vector<double> att = norms(EncoderKind::kAttention, 1.0f);
  const auto [lo, hi] = std::minmax_element(att.begin(), att.end());
  BOOST_TEST(*lo > 0.0);
  BOOST_TEST(*hi < 3.0 * *lo);  // flat: no position more than 3x another
  BOOST_TEST(att[len] > 0.3 * att[0]);
}

BOOST_AUTO_TEST_CASE(attention_encoder_learns_recall_at_length_20) {
  GradflowConfig c;
  c.lengths = {20};
  c.encoders = {EncoderKind::kAttention};
  c.hidden = 16;
  c.steps = 150;
  c.eval_size = 256;
  const GradflowResult r = run_gradflow_study(c);
  BOOST_REQUIRE(r.encoders.size() == 1u);
  const EncoderResult& e = r.encoders[0];
  BOOST_TEST(r.gradflow_length == 20);
  BOOST_TEST(e.grad_init.size() == 21u);
  BOOST_TEST(e.grad_trained.size() == 21u);
  BOOST_TEST_MESSAGE("attention at L=20 after 150 steps: accuracy " << e.accuracy[0]);
  BOOST_TEST(e.accuracy[0] > 0.9);  // chance is 1/8
  BOOST_TEST(e.final_loss[0] < 0.5);
  // The tables and the JSON carry the numbers.
  BOOST_TEST(accuracy_table(r).find("attention") != std::string::npos);
  BOOST_TEST(gradflow_table(r).find("16-20") != std::string::npos);
  const auto j = gradflow_json(r);
  BOOST_TEST(j["encoders"]["attention"]["accuracy"][0].get<double>() == e.accuracy[0]);
}

BOOST_AUTO_TEST_SUITE_END()
