// Tensor basics: creation functions, random tensors and the Generator (reproducibility, state
// round trip, distribution moments), storage alignment, item(), and printing. The expected text
// of printed tensors is what PyTorch prints for the same values (torch.tensor(...) in Python,
// default print options), followed by attend's ", shape=[...]".
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/allocator.h"
#include "test_util.h"

using namespace attend;
using attend::test::check_close;

namespace {

using attend::test::check_mentions;
using attend::test::shape_error_message;

bool same_values(const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape())) return false;
  for (int64_t i = 0; i < a.numel(); ++i)
    if (a.data()[i] != b.data()[i]) return false;
  return true;
}

int64_t count_different(const Tensor& a, const Tensor& b) {
  int64_t n = 0;
  for (int64_t i = 0; i < a.numel(); ++i) n += a.data()[i] != b.data()[i];
  return n;
}

struct Moments {
  double mean, std;
};
Moments moments(const Tensor& t) {
  double s = 0, s2 = 0;
  for (int64_t i = 0; i < t.numel(); ++i) s += t.data()[i];
  const double m = s / t.numel();
  for (int64_t i = 0; i < t.numel(); ++i) s2 += (t.data()[i] - m) * (t.data()[i] - m);
  return {m, std::sqrt(s2 / (t.numel() - 1))};
}

bool aligned64(const Tensor& t) {
  return reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0;
}

// Checks t prints as expected, showing both texts (with their newlines) on failure.
void check_prints(const Tensor& t, const std::string& expected) {
  const std::string actual = t.str();
  BOOST_CHECK_MESSAGE(actual == expected, "printed\n" << actual << "\nexpected\n" << expected);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_tensor)

// --- creation ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(constant_tensors) {
  Tensor z = zeros({2, 3}), o = ones({4}), f = full({2, 1, 2}, -1.5f), s = full({}, 7.0f);
  BOOST_CHECK(z.shape() == Shape({2, 3}));
  BOOST_CHECK(f.shape() == Shape({2, 1, 2}));
  BOOST_CHECK_EQUAL(s.ndim(), 0);
  BOOST_CHECK_EQUAL(s.numel(), 1);
  for (int64_t i = 0; i < 6; ++i) BOOST_CHECK_EQUAL(z.data()[i], 0.0f);
  for (int64_t i = 0; i < 4; ++i) BOOST_CHECK_EQUAL(o.data()[i], 1.0f);
  for (int64_t i = 0; i < 4; ++i) BOOST_CHECK_EQUAL(f.data()[i], -1.5f);
  BOOST_CHECK_EQUAL(s.item(), 7.0f);
  BOOST_CHECK(zeros_like(f).shape() == f.shape());
  BOOST_CHECK(ones_like(f).shape() == f.shape());
  BOOST_CHECK_EQUAL(zeros_like(f).data()[3], 0.0f);
  BOOST_CHECK_EQUAL(ones_like(f).data()[3], 1.0f);
  BOOST_CHECK_EQUAL(zeros({3, 0}).numel(), 0);
  // Created tensors are leaves that do not require grad.
  BOOST_CHECK(!z.requires_grad());
  BOOST_CHECK(z.is_leaf());
}

BOOST_AUTO_TEST_CASE(arange_both_forms) {
  check_close(arange(5), from_vector({0, 1, 2, 3, 4}), 0, 0);
  BOOST_CHECK(arange(0).shape() == Shape({0}));
  check_close(arange(-3.0f, 3.0f), from_vector({-3, -2, -1, 0, 1, 2}), 0, 0);
  check_close(arange(1.0f, 2.5f, 0.5f), from_vector({1, 1.5f, 2}), 0, 0);  // end excluded
  check_close(arange(1.0f, 2.6f, 0.5f), from_vector({1, 1.5f, 2, 2.5f}), 0, 0);
  check_close(arange(5.0f, 0.0f, -1.5f), from_vector({5, 3.5f, 2, 0.5f}), 0, 0);
  // torch.arange(0, 1, 0.1) has 10 elements (ceil((end - start) / step)), element i = 0.1 * i.
  Tensor t = arange(0.0f, 1.0f, 0.1f);
  BOOST_REQUIRE(t.shape() == Shape({10}));
  for (int i = 0; i < 10; ++i) BOOST_CHECK_SMALL(t.data()[i] - 0.1 * i, 1e-6);
  BOOST_CHECK(arange(2.0f, 2.0f).shape() == Shape({0}));
  BOOST_CHECK_THROW(arange(0.0f, 5.0f, 0.0f), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(arange_inconsistent_step_sign_throws) {
  // torch.arange(0, 5, -1): "upper bound and larger bound inconsistent with step sign".
  BOOST_CHECK_THROW(arange(0.0f, 5.0f, -1.0f), std::invalid_argument);
  BOOST_CHECK_THROW(arange(5.0f, 0.0f, 1.0f), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(from_vector_and_from_indices) {
  Tensor t = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  BOOST_CHECK(t.shape() == Shape({2, 3}));
  BOOST_CHECK_EQUAL(t.at({1, 0}), 4.0f);
  BOOST_CHECK_EQUAL(t.at({0, 2}), 3.0f);
  Tensor v = from_vector({0.5f, -1.0f});
  BOOST_CHECK(v.shape() == Shape({2}));
  BOOST_CHECK_EQUAL(v.data()[1], -1.0f);
  BOOST_CHECK_EQUAL(from_vector({9}, {}).item(), 9.0f);
  check_mentions(shape_error_message([] {
                   from_vector({1, 2, 3, 4, 5}, {2, 3});
                 }),
                 {"from_vector", "5", "[2, 3]"});
  check_mentions(shape_error_message([] { from_vector({1, 2}, {}); }), {"from_vector", "2", "[]"});

  // Indices are whole-number floats, exact up to 2^24.
  Tensor idx = from_indices({0, 3, 7, 16777216}, {2, 2});
  BOOST_CHECK(idx.shape() == Shape({2, 2}));
  BOOST_CHECK_EQUAL(idx.data()[0], 0.0f);
  BOOST_CHECK_EQUAL(idx.data()[1], 3.0f);
  BOOST_CHECK_EQUAL(idx.data()[2], 7.0f);
  BOOST_CHECK_EQUAL(idx.data()[3], 16777216.0f);
  check_mentions(shape_error_message([] {
                   from_indices({1, 2, 3}, {2});
                 }),
                 {"from_indices", "3", "[2]"});
}

// --- random tensors and the Generator ----------------------------------------------------------

BOOST_AUTO_TEST_CASE(random_tensors_are_reproducible_from_the_seed) {
  Generator g1(42), g2(42), g3(43);
  Tensor a = randn({1000}, g1), b = randn({1000}, g2), c = randn({1000}, g3);
  BOOST_CHECK(same_values(a, b));
  BOOST_CHECK_GT(count_different(a, c), 990);
  // The stream continues: the next draw differs from the first one but matches between equal seeds.
  Tensor a2 = rand({1000}, g1), b2 = rand({1000}, g2);
  BOOST_CHECK(same_values(a2, b2));
  Tensor u1 = uniform({500}, -3.0f, 2.0f, g1), u2 = uniform({500}, -3.0f, 2.0f, g2);
  BOOST_CHECK(same_values(u1, u2));
  Generator g4(42);
  BOOST_CHECK_GT(count_different(rand({1000}, g4), a2),
                 990);  // a fresh seed-42 stream starts elsewhere

  Generator h1(7), h2(8);
  BOOST_CHECK_GT(count_different(rand({1000}, h1), rand({1000}, h2)), 990);
  Generator k1(7), k2(8);
  BOOST_CHECK_GT(count_different(uniform({1000}, 5, 6, k1), uniform({1000}, 5, 6, k2)), 990);
}

BOOST_AUTO_TEST_CASE(random_values_lie_in_their_ranges) {
  Generator g(1);
  Tensor r = rand({100000}, g);
  Tensor u = uniform({100000}, -2.0f, 3.0f, g);
  float rmin = 1, rmax = 0, umin = 10, umax = -10;
  for (int64_t i = 0; i < r.numel(); ++i) {
    rmin = std::min(rmin, r.data()[i]);
    rmax = std::max(rmax, r.data()[i]);
    umin = std::min(umin, u.data()[i]);
    umax = std::max(umax, u.data()[i]);
  }
  BOOST_CHECK_GE(rmin, 0.0f);
  BOOST_CHECK_LT(rmax, 1.0f);
  BOOST_CHECK_LT(rmin, 0.001f);  // and the range is covered
  BOOST_CHECK_GT(rmax, 0.999f);
  BOOST_CHECK_GE(umin, -2.0f);
  BOOST_CHECK_LT(umax, 3.0f);
  // Uniform[a, b): mean (a+b)/2, std (b-a)/sqrt(12); 100k samples give ~0.3% standard error.
  const Moments mr = moments(r), mu = moments(u);
  BOOST_CHECK_SMALL(mr.mean - 0.5, 0.005);
  BOOST_CHECK_SMALL(mr.std - 1 / std::sqrt(12.0), 0.005);
  BOOST_CHECK_SMALL(mu.mean - 0.5, 0.025);
  BOOST_CHECK_SMALL(mu.std - 5 / std::sqrt(12.0), 0.02);
}

BOOST_AUTO_TEST_CASE(randn_moments_over_100k_samples) {
  Generator g(2024);
  Tensor x = randn({100000}, g);
  const Moments m = moments(x);
  // Standard errors: mean 1/sqrt(n) = 0.0032, std 1/sqrt(2n) = 0.0022; bounds are about 6 of them.
  BOOST_CHECK_SMALL(m.mean, 0.02);
  BOOST_CHECK_SMALL(m.std - 1.0, 0.015);
  // Shape of the distribution: P(|x| < 1) = 0.6827, P(|x| < 2) = 0.9545 for a standard normal.
  int64_t within1 = 0, within2 = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    within1 += std::fabs(x.data()[i]) < 1;
    within2 += std::fabs(x.data()[i]) < 2;
  }
  BOOST_CHECK_SMALL(within1 / 1e5 - 0.6827, 0.01);
  BOOST_CHECK_SMALL(within2 / 1e5 - 0.9545, 0.005);
  for (int64_t i = 0; i < x.numel(); ++i) BOOST_REQUIRE(std::isfinite(x.data()[i]));

  Tensor y = randn({100000}, g, 2.0f, 3.0f);
  const Moments my = moments(y);
  BOOST_CHECK_SMALL(my.mean - 2.0, 0.06);
  BOOST_CHECK_SMALL(my.std - 3.0, 0.045);
}

BOOST_AUTO_TEST_CASE(generator_state_round_trip_continues_the_stream) {
  // After an odd number of normal() draws a spare Box-Muller value is pending: the state must carry
  // it.
  for (int warmup : {0, 1, 2, 3, 10}) BOOST_TEST_CONTEXT("after " << warmup << " normal draws") {
      Generator g(99);
      for (int i = 0; i < warmup; ++i) g.normal();
      const std::string saved = g.state();
      auto draw = [](Generator& gen) {
        std::vector<double> v;
        for (int i = 0; i < 5; ++i) v.push_back(gen.normal());
        for (int i = 0; i < 5; ++i) v.push_back(gen.uniform());
        v.push_back(static_cast<double>(gen.next_u64()));
        v.push_back(static_cast<double>(gen.randint(1000)));
        Tensor t = randn({7}, gen);
        for (int i = 0; i < 7; ++i) v.push_back(t.data()[i]);
        return v;
      };
      const std::vector<double> expected = draw(g);
      Generator h(12345);  // a different stream, overwritten by the saved state
      h.set_state(saved);
      BOOST_CHECK_EQUAL(h.seed(), 99u);
      const std::vector<double> got = draw(h);
      BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
      // Rewinding the original generator itself works too.
      g.set_state(saved);
      const std::vector<double> again = draw(g);
      BOOST_CHECK_EQUAL_COLLECTIONS(again.begin(), again.end(), expected.begin(), expected.end());
    }
  Generator g(1);
  BOOST_CHECK_THROW(g.set_state("not a generator state"), std::invalid_argument);
  BOOST_CHECK_THROW(g.set_state(""), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(manual_seed_restarts_the_stream) {
  Generator g(5);
  const float first = g.normal();
  g.normal();
  g.normal();  // leaves a spare pending
  g.manual_seed(5);
  BOOST_CHECK_EQUAL(g.normal(), first);
  BOOST_CHECK_EQUAL(g.seed(), 5u);
}

// --- storage, item, at -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(data_is_64_byte_aligned) {
  for (int64_t n : {1, 2, 3, 7, 15, 16, 17, 100, 1000, 1023, 4097, 100003}) {
    BOOST_TEST_CONTEXT(n << " elements") {
      Tensor e = Tensor::empty({n});
      BOOST_CHECK(aligned64(e));
      BOOST_CHECK(aligned64(zeros({n})));
      BOOST_CHECK(aligned64(add(e, 1.0f)));
      BOOST_CHECK(aligned64(reshape(e, {1, n})));
    }
  }
  // Buffers that come back from the allocator's cache are aligned too.
  std::vector<Tensor> keep;
  for (int i = 0; i < 50; ++i) keep.push_back(Tensor::empty({static_cast<int64_t>(1 + 37 * i)}));
  keep.clear();
  for (int i = 0; i < 50; ++i)
    BOOST_CHECK(aligned64(Tensor::empty({static_cast<int64_t>(1 + 37 * i)})));
  Tensor x = zeros({3, 5});
  BOOST_CHECK(aligned64(transpose(x, 0, 1)));
  BOOST_CHECK(aligned64(narrow(x, 1, 1, 3)));
}

BOOST_AUTO_TEST_CASE(allocation_limit_refuses_storage_past_its_cap) {
  // What Experiment::from_checkpoint builds a model under, so a forged size cannot exhaust memory.
  {
    AllocationLimit limit(4096);
    Tensor a = Tensor::empty({500});  // 2000 bytes, in a 2048-byte bucket
    BOOST_CHECK_EQUAL(limit.used_bytes(), 2048);
    BOOST_CHECK_THROW(Tensor::empty({1000000000}), AllocationLimitError);
    BOOST_CHECK_EQUAL(limit.used_bytes(), 2048);  // the refused one took nothing
    {
      AllocationLimit inner(100);  // the innermost limit counts
      BOOST_CHECK_THROW(Tensor::empty({500}), AllocationLimitError);
    }
    Tensor b = Tensor::empty({500});
    BOOST_CHECK_EQUAL(limit.used_bytes(), 4096);
    BOOST_CHECK_THROW(Tensor::empty({1}), AllocationLimitError);
  }
  BOOST_CHECK_EQUAL(Tensor::empty({1000}).numel(), 1000);  // no limit once it is gone
}

BOOST_AUTO_TEST_CASE(item_of_one_element_tensors_only) {
  BOOST_CHECK_EQUAL(full({}, 2.5f).item(), 2.5f);
  BOOST_CHECK_EQUAL(full({1}, -3.0f).item(), -3.0f);
  BOOST_CHECK_EQUAL(full({1, 1, 1}, 4.0f).item(), 4.0f);
  check_mentions(shape_error_message([] { ones({2}).item(); }), {"item", "[2]"});
  check_mentions(shape_error_message([] { ones({2, 3}).item(); }), {"item", "[2, 3]"});
  check_mentions(shape_error_message([] { zeros({0}).item(); }), {"item", "[0]"});
}

BOOST_AUTO_TEST_CASE(at_and_size) {
  Tensor t = from_vector({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 3, 2});
  BOOST_CHECK_EQUAL(t.at({1, 2, 1}), 11.0f);
  BOOST_CHECK_EQUAL(t.at({1, 0, 0}), 6.0f);
  BOOST_CHECK_EQUAL(t.at({0, 1, 1}), 3.0f);
  BOOST_CHECK_THROW(t.at({2, 0, 0}), ShapeError);
  BOOST_CHECK_THROW(t.at({0, 0}), ShapeError);
  BOOST_CHECK_EQUAL(t.size(0), 2);
  BOOST_CHECK_EQUAL(t.size(-1), 2);
  BOOST_CHECK_EQUAL(t.size(-2), 3);
  BOOST_CHECK_THROW(t.size(3), ShapeError);
}

// --- printing ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(prints_small_tensors_like_pytorch) {
  // Whole numbers: "1." with the width of the widest.
  check_prints(from_vector({1, 2, 3, 4}, {2, 2}),
               "tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2])");
  check_prints(from_vector({1, -10}), "tensor([  1., -10.], shape=[2])");
  check_prints(from_vector({-3, 7, 0}), "tensor([-3.,  7.,  0.], shape=[3])");
  check_prints(from_vector({1, 1000}), "tensor([   1., 1000.], shape=[2])");
  check_prints(zeros({2, 3}), "tensor([[0., 0., 0.],\n        [0., 0., 0.]], shape=[2, 3])");
  check_prints(arange(12),
               "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11.], shape=[12])");
  // Fractions: 4 decimals, right-aligned.
  check_prints(from_vector({1.5f, -2.25f, 3.0f}), "tensor([ 1.5000, -2.2500,  3.0000], shape=[3])");
  check_prints(from_vector({0.5f, -1.25f, 10.0f, 2.0f}, {2, 2}),
               "tensor([[ 0.5000, -1.2500],\n        [10.0000,  2.0000]], shape=[2, 2])");
  check_prints(from_vector({0.1f, 100.0f}), "tensor([  0.1000, 100.0000], shape=[2])");
  check_prints(full({9}, 0.5f),
               "tensor([0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000], "
               "shape=[9])");
  // Scientific notation: a range over 1000, anything above 1e8, or anything below 1e-4.
  check_prints(from_vector({1e-5f, 1.0f}), "tensor([1.0000e-05, 1.0000e+00], shape=[2])");
  check_prints(from_vector({0.1f, 100.1f}), "tensor([1.0000e-01, 1.0010e+02], shape=[2])");
  check_prints(from_vector({1e9f, 1.0f}), "tensor([1.0000e+09, 1.0000e+00], shape=[2])");
  check_prints(from_vector({123456.7f, 0.5f}), "tensor([1.2346e+05, 5.0000e-01], shape=[2])");
  check_prints(from_vector({1e-4f, 0.5f}), "tensor([1.0000e-04, 5.0000e-01], shape=[2])");
  // 0-d tensors, and -0.
  check_prints(full({}, 3.5f), "tensor(3.5000, shape=[])");
  check_prints(full({}, 3.0f), "tensor(3., shape=[])");
  check_prints(full({}, -0.0f), "tensor(-0., shape=[])");
  // Rank 3: a blank line between the outermost blocks.
  check_prints(reshape(arange(8), {2, 2, 2}),
               "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., "
               "7.]]], shape=[2, 2, 2])");
  // NaN and infinities among fractions.
  const float nan = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  check_prints(from_vector({1.5f, nan, -inf}), "tensor([1.5000,    nan,   -inf], shape=[3])");
  check_prints(zeros({0}), "tensor([], shape=[0])");
  // The stream operator prints the same text.
  std::ostringstream os;
  os << from_vector({1, 2});
  BOOST_CHECK_EQUAL(os.str(), "tensor([1., 2.], shape=[2])");
}

BOOST_AUTO_TEST_CASE(prints_autograd_state) {
  Tensor p = from_vector({1, 2});
  p.requires_grad_();
  const std::string leaf = p.str();
  BOOST_CHECK_MESSAGE(leaf.rfind("tensor([1., 2.], shape=[2]", 0) == 0, leaf);
  BOOST_CHECK_MESSAGE(leaf.find("requires_grad=true") != std::string::npos, leaf);
  const std::string op = (p * 2.0f).str();
  BOOST_CHECK_MESSAGE(op.rfind("tensor([2., 4.], shape=[2]", 0) == 0, op);
  BOOST_CHECK_MESSAGE(op.find("grad_fn=<") != std::string::npos, op);
  BOOST_CHECK_EQUAL(from_vector({1, 2}).str(), "tensor([1., 2.], shape=[2])");
  BOOST_CHECK_EQUAL(Tensor().str(), "tensor(undefined)");
}

BOOST_AUTO_TEST_CASE(prints_whole_numbers_over_a_wide_range_in_scientific_notation) {
  // torch: whole numbers also switch to scientific notation when max / min > 1000.
  check_prints(from_vector({1, 2000}), "tensor([1.0000e+00, 2.0000e+03], shape=[2])");
}

BOOST_AUTO_TEST_CASE(nan_and_inf_do_not_widen_whole_numbers) {
  // torch sizes columns from the finite non-zero values only: "nan" is not padded against "1.".
  const float nan = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  check_prints(from_vector({1, nan, inf}), "tensor([1., nan, inf], shape=[3])");
  check_prints(from_vector({0, nan}), "tensor([0., nan], shape=[2])");
}

BOOST_AUTO_TEST_CASE(long_rows_wrap_at_80_columns_like_pytorch) {
  check_prints(full({10}, 0.5f),
               "tensor([0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000,\n"
               "        0.5000], shape=[10])");
}

BOOST_AUTO_TEST_CASE(large_tensor_prints_summarized_and_short) {
  Tensor x = arange(10000);
  const std::string s = x.str();
  BOOST_TEST_MESSAGE("arange(10000) prints as " << s);
  BOOST_CHECK(s.find("...") != std::string::npos);
  BOOST_CHECK_LT(s.size(), 200u);
  BOOST_CHECK(s.rfind("tensor([", 0) == 0);
  BOOST_CHECK(s.find("shape=[10000]") != std::string::npos);
  // The first and last three values are shown, the middle is not.
  BOOST_CHECK(s.find("5000") == std::string::npos);
  Tensor m = reshape(arange(10000), {100, 100});
  const std::string sm = m.str();
  BOOST_CHECK(sm.find("...") != std::string::npos);
  BOOST_CHECK_LT(sm.size(), 1500u);
  BOOST_CHECK(sm.find("shape=[100, 100]") != std::string::npos);
  // 1000 elements is torch's threshold: up to it everything is printed.
  BOOST_CHECK(arange(1000).str().find("...") == std::string::npos);
  BOOST_CHECK(arange(1001).str().find("...") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(summarized_text_matches_pytorch) {
  // torch.tensor([0.25 + (i % 4) * 0.5 for i in range(10000)]):
  Tensor x = Tensor::empty({10000});
  for (int64_t i = 0; i < 10000; ++i) x.data()[i] = 0.25f + static_cast<float>(i % 4) * 0.5f;
  const std::string expected =
      "tensor([0.2500, 0.7500, 1.2500,  ..., 0.7500, 1.2500, 1.7500], shape=[10000])";
  check_prints(x, expected);
  // Only the printed values decide the format: a large value hidden in the middle changes nothing.
  x.data()[5000] = 12345.678f;
  check_prints(x, expected);
  // torch.tensor([(i % 7) * 0.5 + 0.5 for i in range(10000)]).reshape(100, 100):
  Tensor m = Tensor::empty({100, 100});
  for (int64_t i = 0; i < 10000; ++i) m.data()[i] = static_cast<float>(i % 7) * 0.5f + 0.5f;
  check_prints(
      m,
      "tensor([[0.5000, 1.0000, 1.5000,  ..., 3.5000, 0.5000, 1.0000],\n"
      "        [1.5000, 2.0000, 2.5000,  ..., 1.0000, 1.5000, 2.0000],\n"
      "        [2.5000, 3.0000, 3.5000,  ..., 2.0000, 2.5000, 3.0000],\n"
      "        ...,\n"
      "        [3.0000, 3.5000, 0.5000,  ..., 2.5000, 3.0000, 3.5000],\n"
      "        [0.5000, 1.0000, 1.5000,  ..., 3.5000, 0.5000, 1.0000],\n"
      "        [1.5000, 2.0000, 2.5000,  ..., 1.0000, 1.5000, 2.0000]], shape=[100, 100])");
}

BOOST_AUTO_TEST_SUITE_END()
