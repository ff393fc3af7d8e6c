// attend's own loops over the --threads workers, the same OpenMP workers OpenBLAS's products run
// on (CMakeLists.txt, ATTEND_OPENMP), so the two never add up to more threads than asked for.
// Without OpenMP every loop here is a plain loop on the calling thread.
//
// Results are the same bits for the same thread count: [0, n) is cut into contiguous ranges that
// depend only on n and the thread count, each index is computed by exactly one thread in the
// one-thread order, and a sum over items is one partial per range added in range order (with
// one range, exactly the one-thread loop).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#ifdef ATTEND_OPENMP
#include <omp.h>
#endif

namespace attend {

void make_fork_safe();  // autograd/threading.h

// How many ranges parallel_ranges should cut a loop of n items into: one per worker, fewer when
// a range would hold less than `grain` items (waking a sleeping worker costs a few microseconds),
// and 1 inside a parallel region or without OpenMP.
inline int64_t range_count(int64_t n, int64_t grain) {
#ifdef ATTEND_OPENMP
  if (omp_in_parallel()) return 1;
  return std::max<int64_t>(
      1, std::min<int64_t>(omp_get_max_threads(), n / std::max<int64_t>(grain, 1)));
#else
  (void)n, (void)grain;
  return 1;
#endif
}

// Calls body(k, begin, end) for k in [0, ranges), the k-th of `ranges` contiguous ranges
// covering [0, n), on as many workers. A loop that sums over its items keeps one partial result
// per range and adds them in k order afterwards: the same bits for the same thread count, and
// with one range exactly the one-thread loop. The body must not throw (an exception cannot leave
// an OpenMP region): validate before the loop.
template <class Body>
void parallel_ranges(int64_t n, int64_t ranges, Body body) {
  if (n <= 0) return;
#ifdef ATTEND_OPENMP
  if (ranges > 1) {
    make_fork_safe();
#pragma omp parallel num_threads(static_cast <int>(ranges))
    {
      // Every range is done even if the runtime gave fewer threads than asked for.
      const int64_t threads = omp_get_num_threads();
      for (int64_t k = omp_get_thread_num(); k < ranges; k += threads)
        body(k, n * k / ranges, n * (k + 1) / ranges);
    }
    return;
  }
#endif
  (void)ranges;
  body(int64_t{0}, int64_t{0}, n);
}

// The partial sums of a vector out [width] for a parallel_ranges loop that adds into it: range 0
// adds straight into out (so one range is exactly the one-thread loop), range k > 0 into a zeroed
// buffer of its own; fold() then adds those into out in range order. A null out needs no sum:
// of(k) is null for every range. Made on the calling thread, before the loop.
class RangePartials {
 public:
  RangePartials(float* out, int64_t width, int64_t ranges)
      : out_(out),
        width_(width),
        rest_(out ? static_cast<size_t>((ranges - 1) * width) : 0, 0.0f) {}
  float* of(int64_t k) { return !out_ ? nullptr : k == 0 ? out_ : rest_.data() + (k - 1) * width_; }
  void fold() {
    for (size_t i = 0; i < rest_.size(); ++i) out_[i % width_] += rest_[i];
  }

 private:
  float* out_;
  int64_t width_;
  std::vector<float> rest_;
};

// Calls body(begin, end) over ranges covering [0, n), one per worker (range_count), for loops
// whose items are independent: each index is computed by exactly one thread.
template <class Body>
void parallel_for(int64_t n, int64_t grain, Body body) {
  parallel_ranges(n, range_count(n, grain),
                  [&](int64_t, int64_t begin, int64_t end) { body(begin, end); });
}

// Runs a() and b() side by side when there are exactly two workers and each piece is at least
// kPairGrain operations (each then has a worker, and a BLAS call inside runs on one thread), one
// after the other otherwise. For two independent pieces of about equal work, such as the two
// products of a linear layer's backward: whole products on separate cores beat each product
// split over both, which synchronises the cores and packs the shared operand on each. The same
// rules as parallel_for: no throwing.
inline constexpr int64_t kPairGrain = int64_t{1} << 18;
template <class A, class B>
void parallel_pair(int64_t work_each, A a, B b) {
#ifdef ATTEND_OPENMP
  if (work_each >= kPairGrain && omp_get_max_threads() == 2 && !omp_in_parallel()) {
    make_fork_safe();
#pragma omp parallel num_threads(2)
    {
      if (omp_get_thread_num() == 0)
        a();
      else
        b();
    }
    return;
  }
#endif
  (void)work_each;
  a();
  b();
}

// A serial stream split over the workers: produce(c) runs for c = 0, 1, ..., chunks - 1 in that
// order on one worker (the calling thread), and consume(c) runs once for each chunk, on whichever
// worker is free, after produce(c) has returned. For work with a serial part (a random stream)
// and a parallel part (reading and writing memory): the first worker keeps producing while the
// others consume what it has made, and joins them when it is done. No barrier between chunks:
// a worker waiting for chunk c spins on a counter, since chunks take microseconds. Without a
// second worker, produce(c) and consume(c) alternate on the calling thread. Neither may throw.
template <class Produce, class Consume>
void produce_and_consume(int64_t chunks, Produce produce, Consume consume) {
#ifdef ATTEND_OPENMP
  if (chunks > 1 && omp_get_max_threads() > 1 && !omp_in_parallel()) {
    make_fork_safe();
    std::atomic<int64_t> produced{0}, taken{0};
#pragma omp parallel num_threads(omp_get_max_threads())
    {
      if (omp_get_thread_num() == 0)
        for (int64_t c = 0; c < chunks; ++c) {
          produce(c);
          produced.store(c + 1, std::memory_order_release);
        }
      for (int64_t c; (c = taken.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
        while (produced.load(std::memory_order_acquire) <= c) {
#if defined(__x86_64__) || defined(__i386__)
          __builtin_ia32_pause();
#endif
        }
        consume(c);
      }
    }
    return;
  }
#endif
  for (int64_t c = 0; c < chunks; ++c) {
    produce(c);
    consume(c);
  }
}

// Items per thread for loops of plain arithmetic (a few operations per float): below this, the
// wake-up costs more than the second thread saves.
inline constexpr int64_t kElementwiseGrain = 1 << 15;

// Elements per chunk of dropout's coins (kernels::dropout_coins): a tensor of fewer than two
// chunks draws and applies its coins on the calling thread.
inline constexpr int64_t kDropoutChunk = 1 << 14;

// Rows per thread for a row-wise loop whose rows hold `row_length` floats and cost about
// `cost` plain operations per float (an exp is several).
inline int64_t rows_grain(int64_t row_length, int64_t cost = 1) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, row_length * cost));
}

}  // namespace attend
