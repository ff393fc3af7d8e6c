// Threads: the subnormal-float mode must reach every worker, not only the caller, or a threaded
// GEMM computes half its rows in one mode and half in the other; and the ops whose loops run on
// the workers (autograd/parallel.h) give the same bits at 1 and at 2 threads.
#include <boost/test/unit_test.hpp>
#include <cfloat>
#include <cmath>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "autograd/creation.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/random.h"
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

// Every value of one forward and backward pass through the ops that split their loops over the
// workers, at sizes above their thresholds (parallel.h's grains), flattened: the loss, then each
// input's gradient.
std::vector<float> pass_bits() {
  Generator gen(7);
  auto leaf = [&](const Shape& s) { return randn(s, gen, 0.0f, 0.5f).requires_grad_(); };
  const int64_t B = 16, T = 24, E = 128, H = 4;
  Tensor x = leaf({B, T, E}), w1 = leaf({3 * E, E}), b1 = leaf({3 * E});
  Tensor ln_w = leaf({E}), ln_b = leaf({E}), w_out = leaf({100, E});
  Tensor w_hh = leaf({4 * 64, 64}), h0 = leaf({B, 64}), c0 = leaf({B, 64});
  Tensor va = leaf({E});
  Tensor target = Tensor::empty({B * T});
  for (int64_t i = 0; i < B * T; ++i) target.data()[i] = static_cast<float>((i * 37) % 100);

  // Fused QKV projection (linear's two backward products side by side), multi-head attention
  // split by batch entry, layer norm, GELU (an elementwise map), softmax over the last axis.
  Tensor qkv = linear(x, w1, b1);                                          // [B, T, 3E]
  Tensor att = multi_head_attention(qkv, 0, qkv, E, qkv, 2 * E, H, E)[0];  // [B, T, E]
  Tensor hid = gelu(layer_norm(att + x, ln_w, ln_b));
  Tensor probs = softmax(hid * 0.5f, -1);
  // Bahdanau scores over the sequence, and an LSTM over time fed by the first 4 * 64 columns.
  Tensor scores = additive_attention_score(hid, hid, va);       // [B, T, T]
  Tensor gates = transpose(narrow(qkv, 2, 0, 4 * 64), 0, 1);    // [T, B, 4 * 64]
  Tensor hs = lstm_sequence(gates, w_hh, Tensor(), h0, c0)[0];  // [T, B, 64]
  Tensor logits = linear(reshape(probs + hid, {B * T, E}), w_out);
  Tensor loss = cross_entropy(logits, target) + mean(scores * scores) + mean(hs * hs);
  loss.backward();
  std::vector<float> bits{loss.item()};
  for (const Tensor* t : {&x, &w1, &b1, &ln_w, &ln_b, &w_out, &w_hh, &h0, &c0, &va})
    bits.insert(bits.end(), t->grad().data(), t->grad().data() + t->numel());
  return bits;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_threading)

#ifdef ATTEND_OPENMP
BOOST_FIXTURE_TEST_CASE(parallel_for_splits_a_long_loop_over_the_workers, ThreadState) {
  set_num_threads(2);
  std::vector<int> owner(1 << 20, -1);
  parallel_for(static_cast<int64_t>(owner.size()), kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) owner[i] = omp_get_thread_num();
  });
  // Two contiguous halves: thread 0 the first, thread 1 the second; nothing left out.
  BOOST_TEST(owner.front() == 0);
  BOOST_TEST(owner.back() == 1);
  BOOST_TEST(std::is_sorted(owner.begin(), owner.end()));
  // A loop shorter than two grains stays on the calling thread.
  std::set<int> short_owners;
  parallel_for(kElementwiseGrain, kElementwiseGrain,
               [&](int64_t, int64_t) { short_owners.insert(omp_get_thread_num()); });
  BOOST_TEST(short_owners == std::set<int>{0});
}
#endif

// Two passes at 2 threads give the same bits (the bitwise resume tests rely on it): attend's
// loops split over outputs (rows, columns, batch entries), never over the terms of one sum, and
// a race would show as a difference somewhere in these 120,000 values. The 1-thread pass agrees
// to rounding only: OpenBLAS's threaded products round differently from its 1-thread ones.
BOOST_FIXTURE_TEST_CASE(a_pass_gives_the_same_bits_every_time_at_two_threads, ThreadState) {
  set_num_threads(1);
  const std::vector<float> one = pass_bits();
  set_num_threads(2);
  const std::vector<float> two = pass_bits(), again = pass_bits();
  BOOST_REQUIRE_EQUAL(two.size(), again.size());
  BOOST_TEST(std::memcmp(two.data(), again.data(), two.size() * sizeof(float)) == 0);
  BOOST_REQUIRE_EQUAL(one.size(), two.size());
  BOOST_TEST(std::isfinite(one[0]));
  int64_t far = 0;
  for (size_t i = 0; i < one.size(); ++i)
    far += !(std::abs(one[i] - two[i]) <= 1e-5f + 1e-3f * std::abs(one[i]));
  BOOST_TEST(far == 0);
}

// linear scans a large input for zeros on every worker and takes its sparse path only when the
// whole input is at most 1/16 nonzero: whichever path, at 1 and at 2 threads, the values are
// x W^T to rounding, a NaN input reaches its output row, and the sparse path (rows computed one
// by one) gives the same bits at both thread counts.
BOOST_FIXTURE_TEST_CASE(linear_scans_for_zeros_on_every_worker, ThreadState) {
  const int64_t rows = 512, in_f = 300, out_f = 8;
  Generator gen(11);
  Tensor w = randn({out_f, in_f}, gen);
  // Nonzero fraction of the first and of the second half of the rows: sparse throughout; each
  // half under the limit alone but the whole over it; the first half dense.
  for (const auto& [first, second] : {std::pair{0.02f, 0.03f}, {0.09f, 0.09f}, {0.5f, 0.01f}}) {
    Tensor x = zeros({rows, in_f});
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t k = 0; k < in_f; ++k)
        if (gen.uniform() < (r < rows / 2 ? first : second))
          x.data()[r * in_f + k] = gen.uniform() - 0.5f;
    x.data()[(rows - 3) * in_f + 17] = std::nanf("");
    BOOST_TEST_CONTEXT("nonzero fractions " << first << " and " << second) {
      set_num_threads(1);
      Tensor one = linear(x, w);
      set_num_threads(2);
      Tensor two = linear(x, w);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t o = 0; o < out_f; ++o) {
          double ref = 0;
          for (int64_t k = 0; k < in_f; ++k)
            ref += static_cast<double>(x.data()[r * in_f + k]) * w.data()[o * in_f + k];
          for (const Tensor* out : {&one, &two}) {
            const float got = out->data()[r * out_f + o];
            if (r == rows - 3)
              BOOST_REQUIRE(std::isnan(got));
            else
              BOOST_REQUIRE_SMALL(got - ref, 1e-4 * (1 + std::abs(ref)));
          }
        }
      if (first < 0.05f)
        BOOST_TEST(std::memcmp(one.data(), two.data(), one.numel() * sizeof(float)) == 0);
    }
  }
}

#ifdef ATTEND_OPENMP
// produce_and_consume: every chunk produced once, in order, on the calling thread, and consumed
// once, after it was produced, at 1 and at 2 threads.
BOOST_FIXTURE_TEST_CASE(produce_and_consume_takes_each_chunk_once_after_it_is_made, ThreadState) {
  const int64_t chunks = 300;
  for (int threads : {1, 2}) {
    BOOST_TEST_CONTEXT(threads << " threads") {
      set_num_threads(threads);
      std::vector<int64_t> order;
      std::vector<std::atomic<int>> made(chunks), used(chunks);
      std::atomic<int64_t> early{0}, producers_off_caller{0};
      produce_and_consume(
          chunks,
          [&](int64_t c) {
            producers_off_caller += omp_get_thread_num() != 0;
            order.push_back(c);
            made[c].store(1);
          },
          [&](int64_t c) {
            early += made[c].load() == 0;
            used[c].fetch_add(1);
          });
      BOOST_TEST(producers_off_caller.load() == 0);
      BOOST_TEST(early.load() == 0);
      BOOST_REQUIRE_EQUAL(order.size(), static_cast<size_t>(chunks));
      for (int64_t c = 0; c < chunks; ++c) {
        BOOST_TEST(order[c] == c);
        BOOST_TEST(used[c].load() == 1);
      }
    }
  }
}
#endif

// Dropout over several chunks of coins (kernels::dropout_coins: drawn on the calling thread,
// applied by whichever worker is free at 2 threads): the same bits at 1 and 2 threads, dropped
// exactly where the same seed's uniform() is below p, the generator left where one draw per element
// leaves it, and the backward's mask the forward's.
BOOST_FIXTURE_TEST_CASE(dropout_draws_the_same_coins_at_one_and_two_threads, ThreadState) {
  const int64_t n = 5 * kDropoutChunk + 123;  // the last chunk partial
  const float p = 0.3f;
  Generator data(5);
  const Tensor x = randn({n}, data, 1.0f, 0.1f);  // no zeros: a dropped element reads 0
  for (bool needs_grad : {false, true}) {
    BOOST_TEST_CONTEXT("input needs a gradient: " << needs_grad) {
      std::vector<Tensor> outs, grads;
      std::vector<uint64_t> next;
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        Generator gen(21);
        Tensor in = needs_grad ? x.detach().requires_grad_() : x.detach();
        Tensor y = dropout(in, p, true, gen);
        if (needs_grad) {
          y.sum().backward();
          grads.push_back(in.grad());
        }
        outs.push_back(y);
        next.push_back(gen.next_u64());
      }
      BOOST_TEST(std::memcmp(outs[0].data(), outs[1].data(), n * sizeof(float)) == 0);
      Generator reference(21);
      int64_t wrong = 0;
      for (int64_t i = 0; i < n; ++i)
        wrong += (outs[1].data()[i] == 0.0f) != (reference.uniform() < p);
      BOOST_TEST(wrong == 0);
      BOOST_TEST(next[0] == reference.next_u64());
      BOOST_TEST(next[1] == next[0]);
      if (needs_grad)
        for (int64_t i = 0; i < n; ++i)
          BOOST_REQUIRE_EQUAL(grads[1].data()[i],
                              outs[1].data()[i] == 0.0f ? 0.0f : 1.0f / (1.0f - p));
    }
  }
}

// Multi-head attention splits the batch entries over the workers and runs each head's product
// on one thread (B2's 24 x 24 x 32, GPT's 64 x 64 x 32): the output and the gradient have the
// same bits at 1 and 2 threads.
BOOST_FIXTURE_TEST_CASE(attention_gives_the_same_bits_at_one_and_two_threads, ThreadState) {
  const int64_t E = 128, H = 4;
  for (int64_t T : {24, 64}) {
    BOOST_TEST_CONTEXT("T " << T) {
      Generator gen(3);
      const Tensor qkv = randn({12, T, 3 * E}, gen), g = randn({12, T, E}, gen);
      std::vector<std::vector<float>> bits;
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        Tensor in = qkv.detach().requires_grad_();
        Tensor out = multi_head_attention(in, 0, in, E, in, 2 * E, H, E, causal_mask(T))[0];
        out.backward(g);
        std::vector<float> b(out.data(), out.data() + out.numel());
        b.insert(b.end(), in.grad().data(), in.grad().data() + in.numel());
        bits.push_back(std::move(b));
      }
      BOOST_TEST(std::memcmp(bits[0].data(), bits[1].data(), bits[0].size() * sizeof(float)) == 0);
    }
  }
}

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
