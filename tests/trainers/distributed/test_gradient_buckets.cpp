// GradientBuckets without MPI: two ranks played one after the other in this process. Rank 1 runs
// first with a communicator that records the buffers it would send; rank 0 then runs with one that
// adds rank 1's k-th buffer to its own k-th sum, which is what MPI_Iallreduce over two ranks does.
// (tests/distributed/ runs the real thing under mpirun.)
#include <boost/test/unit_test.hpp>

#include "autograd/ops.h"
#include "test_util.h"
#include "trainers/distributed/gradient_buckets.h"

using namespace attend;
using attend::test::param;

namespace {

// Rank `rank` of 2. Each sum either records the buffer (the other rank's part, for later) or adds
// the recorded buffer of the same position in the order of sums.
class TwoRanks final : public Communicator {
 public:
  explicit TwoRanks(int rank) : rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return 2; }
  std::string describe() const override { return "2 ranks (test)"; }
  std::unique_ptr<PendingSum> start_sum(std::span<float> values) override {
    sizes.push_back(values.size());
    if (other) {
      const std::vector<float>& theirs = other->sent.at(sent.size());
      BOOST_REQUIRE_EQUAL(theirs.size(), values.size());
      sent.emplace_back(values.begin(), values.end());
      for (size_t i = 0; i < values.size(); ++i) values[i] += theirs[i];
    } else {
      sent.emplace_back(values.begin(), values.end());
    }
    return single_process().start_sum(values);
  }
  std::vector<double> all_gather(std::span<const double> v) override {
    return {v.begin(), v.end()};
  }
  std::vector<std::string> all_gather_bytes(const std::string& b) override { return {b}; }
  void broadcast(std::span<float>, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(int code) override {
    throw std::runtime_error("abort " + std::to_string(code));
  }

  const TwoRanks* other = nullptr;  // set on the rank that runs second
  std::vector<std::vector<float>> sent;
  std::vector<size_t> sizes;  // of each sum, in the order started

 private:
  int rank_;
};

// A tiny model: three parameters of distinct sizes, so a sum's length says which bucket it is.
struct Model {
  Tensor w1 = param({7}, 1), w2 = param({5}, 2), w3 = param({3}, 3), unused = param({2}, 4);
  std::vector<Tensor> params() const { return {w1, w2, w3, unused}; }
  // Mean loss over the rows of x [n, 1]: each row r gives sum(w1 * x_r) + sum(tanh(w3 x_r)) +
  // (w2 · w2) x_r.
  Tensor loss(const Tensor& x) const {
    Tensor a = sum(reshape(w1, {1, 7}) * x, 1);        // [n]
    Tensor b = sum(tanh(reshape(w3, {1, 3}) * x), 1);  // [n]
    Tensor c = sum(w2 * w2) * reshape(x, {-1});        // [n]
    return mean(a + b + c);
  }
  void zero_grad() {
    for (Tensor p : params()) p.set_grad(Tensor());
  }
};

Tensor rows(std::vector<float> v) {
  const auto n = static_cast<int64_t>(v.size());
  return from_vector(v, {n, 1});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_gradient_buckets)

BOOST_AUTO_TEST_CASE(buckets_take_parameters_in_reverse_order_up_to_the_cap) {
  Model m;
  // 4 floats (16 bytes) a bucket: unused [2] + w3 [3] overflow it, so each parameter starts a new
  // one except where two fit; w1 [7] is larger than the cap and sits alone.
  GradientBuckets b(m.params(), single_process(), 16);
  BOOST_CHECK((b.layout() == std::vector<std::vector<size_t>>{{3}, {2}, {1}, {0}}));
  GradientBuckets big(m.params(), single_process(), 1 << 20);
  BOOST_CHECK_EQUAL(big.bucket_count(), 1u);
  BOOST_CHECK((big.layout()[0] == std::vector<size_t>{3, 2, 1, 0}));
  // A parameter listed twice (shared) is summed once.
  GradientBuckets shared({m.w1, m.w2, m.w1}, single_process(), 1 << 20);
  BOOST_CHECK_EQUAL(shared.layout()[0].size(), 2u);
}

BOOST_AUTO_TEST_CASE(two_ranks_sum_to_the_whole_batch) {
  // One process on the whole batch [4 rows] against two ranks on two rows each, every rank's mean
  // loss weighted by its share of the rows (as the trainer does).
  const std::vector<float> xs = {0.5f, -1.0f, 2.0f, 0.25f};
  Model whole;
  whole.loss(rows(xs)).backward();

  Model r0, r1;  // the same initial weights
  TwoRanks c0(0), c1(1);
  c0.other = &c1;
  // `unused` first, so that its bucket is the last: buckets w3, w2, w1, unused.
  const auto order = [](const Model& m) { return std::vector<Tensor>{m.unused, m.w1, m.w2, m.w3}; };
  GradientBuckets b1(order(r1), c1, 16), b0(order(r0), c0, 16);
  b1.begin();
  r1.loss(rows({xs[2], xs[3]})).backward(full({}, 0.5f));
  BOOST_CHECK_EQUAL(b1.finish(), 0);
  b0.begin();
  r0.loss(rows({xs[0], xs[1]})).backward(full({}, 0.5f));
  BOOST_CHECK_EQUAL(b0.finish(), 0);

  for (size_t k = 0; k < 3; ++k)
    attend::test::check_close(r0.params()[k].grad(), whole.params()[k].grad(), 1e-6f, 1e-5f);
  // No rank had a gradient for it: undefined, as in one process (Adam then leaves it alone).
  BOOST_CHECK(!r0.unused.grad().defined());
  BOOST_CHECK(!whole.unused.grad().defined());
  // Every sum but the last started while backward ran.
  BOOST_CHECK_EQUAL(b0.started_during_backward(), 3u);
  BOOST_CHECK((c0.sizes == c1.sizes));

  // A parameter backward never reaches holds its bucket, and so every later one, until finish().
  Model m;
  GradientBuckets held(m.params(), single_process(), 16);  // buckets unused, w3, w2, w1
  held.begin();
  m.loss(rows(xs)).backward();
  BOOST_CHECK_EQUAL(held.started_during_backward(), 0u);
  held.finish();
  attend::test::check_close(m.w1.grad(), whole.w1.grad(), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(sums_start_in_bucket_order_whatever_order_backward_finishes) {
  Model m;
  std::vector<std::string> finished;
  m.w2.register_post_accumulate_grad_hook([&](const Tensor&) { finished.push_back("w2"); });
  m.w3.register_post_accumulate_grad_hook([&](const Tensor&) { finished.push_back("w3"); });
  TwoRanks comm(0);
  GradientBuckets b({m.w1, m.w2, m.w3}, comm, 4);  // one parameter a bucket: w3, w2, w1
  b.begin();
  // The engine's ready stack runs the last operand of + first: w2's branch, then w3's.
  (sum(m.w3 * 2.0f) + sum(m.w2 * 3.0f)).backward();
  BOOST_REQUIRE((finished == std::vector<std::string>{"w2", "w3"}));
  b.finish();
  // w3's bucket first all the same, then w2's, then w1's (the last, started in finish()).
  BOOST_CHECK((comm.sizes == std::vector<size_t>{3 + 1, 5 + 1, 7 + 1 + 1}));
}

BOOST_AUTO_TEST_CASE(a_gradient_one_rank_lacks_comes_from_the_other) {
  Model r0, r1;
  TwoRanks c0(0), c1(1);
  c0.other = &c1;
  GradientBuckets b1(r1.params(), c1, 16), b0(r0.params(), c0, 16);
  b1.begin();
  (r1.loss(rows({1.0f})) + sum(r1.unused)).backward();  // rank 1 uses `unused`
  b1.finish();
  b0.begin();
  r0.loss(rows({1.0f})).backward();
  b0.finish();
  BOOST_REQUIRE(r0.unused.grad().defined());
  BOOST_CHECK_EQUAL(r0.unused.grad().data()[0], 1.0f);
  BOOST_CHECK_EQUAL(r0.unused.grad().data()[1], 1.0f);
}

BOOST_AUTO_TEST_CASE(a_rank_without_a_backward_pass_sends_zeros_and_faults_add_up) {
  Model r0, r1;
  TwoRanks c0(0), c1(1);
  c0.other = &c1;
  GradientBuckets b1(r1.params(), c1, 16), b0(r0.params(), c0, 16);
  b1.begin();  // rank 1: an empty share (or a backward that threw): nothing, and one fault
  BOOST_CHECK_EQUAL(b1.finish(1), 1);
  b0.begin();
  r0.loss(rows({2.0f})).backward();
  Model alone;
  alone.loss(rows({2.0f})).backward();
  BOOST_CHECK_EQUAL(b0.finish(0), 1);  // rank 1's fault reaches rank 0
  for (size_t k = 0; k < 3; ++k)
    attend::test::check_close(r0.params()[k].grad(), alone.params()[k].grad(), 0.0f, 0.0f);
  // Between begin() and finish() only: a later backward leaves the buckets alone.
  r0.zero_grad();
  r0.loss(rows({2.0f})).backward();
  BOOST_CHECK_EQUAL(c0.sizes.size(), 4u);
}

BOOST_AUTO_TEST_SUITE_END()
