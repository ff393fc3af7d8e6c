// Threads and the subnormal-float mode: set_flush_denormal must reach OpenBLAS's worker threads
// too, not only the caller, or a threaded GEMM computes half its rows in one mode and half in the
// other.
#include <boost/test/unit_test.hpp>
#include <cfloat>
#include <cmath>

#include "autograd/ops.h"
#include "autograd/threading.h"
#include "test_util.h"

using namespace attend;

namespace {

// Restores the library defaults (flush off, the thread count it found) after each case.
struct ThreadState {
  int threads = num_threads();
  ~ThreadState() {
    set_flush_denormal(false);
    set_num_threads(threads);
  }
};

constexpr float kSubnormal = 1e-40f;  // below FLT_MIN (1.18e-38), above 0

// a [n, n] of subnormals @ b [n, n] of 1e30: each output is n * 1e-10 in IEEE arithmetic and
// exactly 0 when subnormal inputs read as zero. n = 512 is large enough that OpenBLAS splits it
// over its threads.
Tensor subnormal_product(int64_t n) {
  Tensor a = full({n, n}, kSubnormal), b = full({n, n}, 1e30f);
  return matmul(a, b);
}

int64_t count_zeros(const Tensor& t) {
  int64_t z = 0;
  for (int64_t i = 0; i < t.numel(); ++i) z += t.data()[i] == 0.0f;
  return z;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_threading)

BOOST_FIXTURE_TEST_CASE(off_by_default_keeps_gradual_underflow, ThreadState) {
  BOOST_TEST(!flush_denormal());
  Tensor x = full({64}, kSubnormal);
  Tensor y = x * 1.0f;  // [64]: a subnormal stays itself
  BOOST_TEST(y.data()[7] == kSubnormal);
  Tensor tiny = full({64}, 1e-20f) * 1e-20f;  // 1e-40: produced, not flushed
  BOOST_TEST(std::fpclassify(tiny.data()[0]) == FP_SUBNORMAL);
}

BOOST_FIXTURE_TEST_CASE(on_flushes_inputs_and_results_on_the_calling_thread, ThreadState) {
  BOOST_TEST(set_flush_denormal(true));
  BOOST_TEST(flush_denormal());
  Tensor y = full({64}, kSubnormal) * 1e30f;  // DAZ: the subnormal input reads as 0
  BOOST_TEST(y.data()[7] == 0.0f);
  Tensor tiny = full({64}, 1e-20f) * 1e-20f;  // FTZ: a subnormal result is written as 0
  BOOST_TEST(tiny.data()[0] == 0.0f);
  Tensor normal = full({64}, 2e-38f) * 1.0f;  // just above FLT_MIN: untouched
  BOOST_TEST(normal.data()[0] == 2e-38f);
  BOOST_TEST(set_flush_denormal(false));
  BOOST_TEST(!flush_denormal());
  Tensor back = full({64}, 1e-20f) * 1e-20f;
  BOOST_TEST(std::fpclassify(back.data()[0]) == FP_SUBNORMAL);
}

BOOST_FIXTURE_TEST_CASE(on_reaches_every_openblas_thread, ThreadState) {
  set_num_threads(2);
  const int64_t n = 512;
  // Warm the pool first, so its workers exist (created in the default mode) before the switch.
  Tensor before = subnormal_product(n);
  BOOST_TEST(count_zeros(before) == 0);
  BOOST_TEST(std::abs(before.data()[0] - n * 1e-10f) <= 1e-3f * n * 1e-10f);
  set_flush_denormal(true);
  // Every row, whichever thread computed it, sees the subnormals as zero.
  Tensor after = subnormal_product(n);
  BOOST_TEST(count_zeros(after) == n * n);
  set_flush_denormal(false);
  Tensor again = subnormal_product(n);
  BOOST_TEST(count_zeros(again) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
