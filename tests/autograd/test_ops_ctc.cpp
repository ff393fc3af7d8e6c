// ctc_loss: against the sum over every frame-level path (brute force on tiny sizes) and against
// finite differences; impossible targets and bad arguments. Its comparison with
// torch.nn.functional.ctc_loss is in its descriptor (autograd/ops_ctc.cpp, fixtures of
// tests/fixtures/speech.txt).
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "test_util.h"

using namespace attend;
using attend::test::check_close;
using attend::test::param;

namespace {

// -log of the summed probability of every path of T frames over C classes that collapses
// (merge repeats, drop blanks) to target: C^T paths, so tiny sizes only.
double brute_force_nll(const Tensor& logits, int64_t T, const std::vector<int64_t>& target,
                       int64_t blank) {
  const int64_t C = logits.size(-1);
  Tensor lp = log_softmax(logits.detach(), -1);  // [T', C]
  double total = 0;
  std::vector<int64_t> path(static_cast<size_t>(T), 0);
  for (int64_t code = 0; code < static_cast<int64_t>(std::pow(C, T)); ++code) {
    int64_t c = code;
    double logp = 0;
    for (int64_t t = 0; t < T; ++t, c /= C) {
      path[t] = c % C;
      logp += lp.data()[t * C + path[t]];
    }
    std::vector<int64_t> collapsed;
    for (int64_t t = 0; t < T; ++t)
      if (path[t] != blank && (t == 0 || path[t] != path[t - 1])) collapsed.push_back(path[t]);
    if (collapsed == target) total += std::exp(logp);
  }
  return -std::log(total);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_ctc)

BOOST_AUTO_TEST_CASE(matches_the_sum_over_every_path) {
  struct Case {
    std::vector<int64_t> target;
    int64_t frames, blank;
  };
  for (const Case& c : {Case{{1, 2}, 4, 0}, Case{{1, 1}, 5, 0}, Case{{2}, 3, 0}, Case{{}, 4, 0},
                        Case{{0, 1, 0}, 6, 3}, Case{{1, 1, 1}, 5, 0}}) {
    Tensor logits = param({1, 6, 4}, 10 + c.frames, -2, 2);
    std::vector<float> tv(c.target.begin(), c.target.end());
    if (tv.empty()) tv.push_back(0);
    Tensor targets = from_vector(tv, {1, static_cast<int64_t>(tv.size())});
    Tensor loss = ctc_loss(logits, targets, {c.frames}, {static_cast<int64_t>(c.target.size())},
                           c.blank, Reduction::kSum);
    BOOST_CHECK_CLOSE(loss.item(),
                      brute_force_nll(narrow(reshape(logits, {6, 4}), 0, 0, c.frames), c.frames,
                                      c.target, c.blank),
                      1e-3);
  }
}

BOOST_AUTO_TEST_CASE(gradcheck_every_reduction) {
  const Tensor targets = from_indices({1, 1, 2, 3, 2, 0, 0, 0, 0}, {3, 3});
  for (Reduction r : {Reduction::kMean, Reduction::kSum, Reduction::kNone})
    ATTEND_CHECK_GRAD(
        [&](const std::vector<Tensor>& x) {
          return ctc_loss(x[0], targets, {7, 4, 3}, {3, 1, 0}, 0, r);
        },
        std::vector<Tensor>({param({3, 7, 5}, 20, -2, 2)}));
  // blank as the last class, every frame needed (repeat: 1 blank between)
  ATTEND_CHECK_GRAD(
      [](const std::vector<Tensor>& x) {
        return ctc_loss(x[0], from_indices({0, 0, 1}, {1, 3}), {4}, {3}, 2);
      },
      std::vector<Tensor>({param({1, 4, 3}, 21, -2, 2)}));
}

BOOST_AUTO_TEST_CASE(impossible_targets_are_infinite_or_zero) {
  // 3 labels with a repeat need 4 frames; 3 frames cannot hold them.
  Tensor logits = param({1, 3, 4}, 30);
  Tensor targets = from_indices({1, 1, 2}, {1, 3});
  BOOST_CHECK(std::isinf(ctc_loss(logits, targets, {3}, {3}, 0, Reduction::kSum).item()));
  Tensor zero = ctc_loss(logits, targets, {3}, {3}, 0, Reduction::kSum, true);
  BOOST_CHECK_EQUAL(zero.item(), 0.0f);
  zero.backward();
  for (int64_t i = 0; i < logits.numel(); ++i) BOOST_CHECK_EQUAL(logits.grad().data()[i], 0.0f);
  // No frames: only the empty target is possible, with probability 1.
  BOOST_CHECK_EQUAL(ctc_loss(logits, targets, {0}, {0}, 0, Reduction::kSum).item(), 0.0f);
}

BOOST_AUTO_TEST_CASE(bad_arguments_name_what_is_wrong) {
  using attend::test::check_mentions;
  check_mentions(attend::test::shape_error_message([] {
                   ctc_loss(zeros({2, 5, 4}), zeros({3, 2}), {5, 5}, {2, 2});
                 }),
                 {"ctc_loss", "[2, 5, 4]", "[3, 2]"});
  check_mentions(attend::test::shape_error_message([] {
                   ctc_loss(zeros({2, 5, 4}), zeros({2, 2}), {5}, {2, 2});
                 }),
                 {"ctc_loss", "1 input lengths", "batch of 2"});
  auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  check_mentions(message([] {
                   ctc_loss(zeros({1, 5, 4}), zeros({1, 2}), {5}, {2}, 4);
                 }),
                 {"blank 4"});
  check_mentions(message([] {
                   ctc_loss(zeros({1, 5, 4}), from_indices({1, 0}, {1, 2}), {5}, {2});
                 }),
                 {"target 1 of row 0", "blank 0"});
  check_mentions(message([] {
                   ctc_loss(zeros({1, 5, 4}), from_indices({1, 7}, {1, 2}), {5}, {2});
                 }),
                 {"target 1", "7"});
  check_mentions(message([] {
                   ctc_loss(zeros({1, 5, 4}), zeros({1, 2}), {6}, {2});
                 }),
                 {"row 0", "input length 6"});
}

BOOST_AUTO_TEST_SUITE_END()
