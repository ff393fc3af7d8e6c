// B4 (BENCHMARKS.md): single ops, forward + backward, on attend's engine, and the machine's
// 1024^3 sgemm rate through OpenBLAS (the ceiling). The PyTorch side is bench/b4_pytorch.py;
// bench/run_b4.sh runs both alternately and prints one table.
//
// Each kernel iteration: clear the leaves' .grad (untimed), then time forward + y.backward(g)
// from a fixed upstream gradient g with std::chrono::steady_clock. Reported: median, min and max
// ms over --steps timed iterations after --warmup untimed ones.
#include <cblas.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "autograd/threading.h"
#include "bench/timing.h"
#include "layers/rnn.h"

namespace {

using attend::Tensor;
using Clock = std::chrono::steady_clock;

using attend::bench::Stats;
using attend::bench::summarize;

struct Kernel {
  std::string name;
  std::string shape;
  std::vector<Tensor> leaves;  // .grad cleared before every iteration
  std::function<Tensor()> forward;
  Tensor upstream;  // fixed gradient of the output
};

struct KernelResult {
  std::string name, shape;
  Stats stats;
  double grad_checksum = 0;  // sum of all leaves' gradients after the last iteration
};

KernelResult run_kernel(Kernel& k, int warmup, int steps) {
  auto clear = [&k] {
    for (Tensor& t : k.leaves) t.set_grad(Tensor());
  };
  for (int i = 0; i < warmup; ++i) {
    clear();
    k.forward().backward(k.upstream);
  }
  std::vector<double> ms;
  ms.reserve(steps);
  for (int i = 0; i < steps; ++i) {
    clear();
    const auto t0 = Clock::now();
    Tensor y = k.forward();
    y.backward(k.upstream);
    const auto t1 = Clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  KernelResult r{k.name, k.shape, summarize(std::move(ms)), 0.0};
  for (const Tensor& t : k.leaves) {
    const Tensor g = t.grad();
    for (int64_t i = 0; i < g.numel(); ++i) r.grad_checksum += g.data()[i];
  }
  return r;
}

struct SgemmResult {
  int n = 0, reps = 0;
  double best_gflops = 0, median_gflops = 0;
};

// C = A B for n x n x n through cblas_sgemm: 2 n^3 flops per call.
SgemmResult measure_sgemm(int n, int reps) {
  attend::Generator gen(1);
  Tensor a = attend::randn({n, n}, gen), b = attend::randn({n, n}, gen);
  Tensor c = attend::zeros({n, n});
  auto call = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n,
                0.0f, c.data(), n);
  };
  for (int i = 0; i < 2; ++i) call();  // thread pool start-up, page faults, caches
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    call();
    const auto t1 = Clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  const Stats s = summarize(ms);
  const double flop = 2.0 * n * static_cast<double>(n) * n;
  return {n, reps, flop / (s.min_ms * 1e6), flop / (s.median_ms * 1e6)};
}

std::vector<Kernel> make_kernels() {
  using attend::Generator;
  using attend::randn;
  Generator gen(0);
  std::vector<Kernel> ks;
  {  // matmul 256x256 @ 256x256, both operands need grad
    Tensor a = randn({256, 256}, gen).requires_grad_();
    Tensor b = randn({256, 256}, gen).requires_grad_();
    ks.push_back({"matmul",
                  "256x256 @ 256x256",
                  {a, b},
                  [a, b] { return attend::matmul(a, b); },
                  randn({256, 256}, gen)});
  }
  {  // matmul 1024x1024 @ 1024x1024 through the engine: how close forward + backward (three
     // sgemm calls and the graph around them) comes to the bare 1024^3 sgemm rate
    Tensor a = randn({1024, 1024}, gen).requires_grad_();
    Tensor b = randn({1024, 1024}, gen).requires_grad_();
    ks.push_back({"matmul1024",
                  "1024x1024 @ 1024x1024",
                  {a, b},
                  [a, b] { return attend::matmul(a, b); },
                  randn({1024, 1024}, gen)});
  }
  {  // softmax over the last axis of [3072, 24] (B2's attention: 32 x 4 heads x 24 queries)
    Tensor x = randn({3072, 24}, gen).requires_grad_();
    ks.push_back({"softmax",
                  "3072x24, dim -1",
                  {x},
                  [x] { return attend::softmax(x, -1); },
                  randn({3072, 24}, gen)});
  }
  {  // layer norm over the last axis of [768, 128], with weight and bias
    Tensor x = randn({768, 128}, gen).requires_grad_();
    Tensor w = (1.0f + 0.1f * randn({128}, gen)).detach().requires_grad_();
    Tensor b = (0.1f * randn({128}, gen)).detach().requires_grad_();
    ks.push_back({"layer_norm",
                  "768x128, weight+bias",
                  {x, w, b},
                  [x, w, b] { return attend::layer_norm(x, w, b, 1e-5f); },
                  randn({768, 128}, gen)});
  }
  {  // one LSTM cell step: batch 32, input 128, hidden 256 (x W_ih^T, h W_hh^T, fused pointwise);
     // output h and c side by side so one upstream gradient reaches both
    auto cell = std::make_shared<attend::LSTMCell>(128, 256, gen);
    Tensor x = randn({32, 128}, gen), h = randn({32, 256}, gen), c = randn({32, 256}, gen);
    std::vector<Tensor> leaves = cell->parameters();
    ks.push_back({"lstm_cell", "batch 32, input 128, hidden 256", leaves,
                  [cell, x, h, c] {
                    auto [h1, c1] = cell->forward(x, h, c);
                    return attend::concat({h1, c1}, 1);
                  },
                  randn({32, 512}, gen)});
  }
  return ks;
}

}  // namespace

int main(int argc, char** argv) {
  attend::choose_openmp_wait_policy(argv);  // as the attend command line does
  CLI::App app{"B4 kernels: single ops forward + backward on attend, plus the sgemm ceiling"};
  int threads = 1, steps = 50, warmup = 10, sgemm_n = 1024, sgemm_reps = 10;
  bool json = false, no_sgemm = false, keep_denormals = false;
  std::vector<std::string> only;
  app.add_option("--threads", threads, "OpenBLAS (= attend) threads")->check(CLI::Range(1, 256));
  app.add_option("--steps", steps, "Timed iterations per kernel")->check(CLI::Range(1, 1000000));
  app.add_option("--warmup", warmup, "Untimed warm-up iterations")->check(CLI::Range(0, 1000000));
  app.add_option("--sgemm-size", sgemm_n, "n of the n^3 sgemm ceiling")
      ->check(CLI::Range(16, 16384));
  app.add_option("--sgemm-reps", sgemm_reps, "Timed sgemm calls")->check(CLI::Range(1, 10000));
  app.add_option("--kernels", only, "Run only these kernels")
      ->check(CLI::IsMember({"matmul", "matmul1024", "softmax", "layer_norm", "lstm_cell"}));
  app.add_flag("--no-sgemm", no_sgemm, "Skip the sgemm ceiling");
  app.add_flag("--keep-denormals", keep_denormals,
               "Compute with subnormal floats instead of flushing them to zero (attend's default)");
  app.add_flag("--json", json, "One JSON object on stdout instead of text");
  CLI11_PARSE(app, argc, argv);

  try {
    attend::set_num_threads(threads);
    attend::set_flush_denormal(!keep_denormals);  // as the attend command line does
    const char* coretype_env = std::getenv("OPENBLAS_CORETYPE");
    std::vector<KernelResult> results;
    std::vector<Kernel> kernels = make_kernels();
    for (Kernel& k : kernels)
      if (only.empty() || std::find(only.begin(), only.end(), k.name) != only.end())
        results.push_back(run_kernel(k, warmup, steps));
    SgemmResult sg;
    if (!no_sgemm) sg = measure_sgemm(sgemm_n, sgemm_reps);

    if (json) {
      nlohmann::json j;
      j["side"] = "attend";
      j["threads"] = threads;
      j["blas_threads"] = attend::num_threads();
      j["core"] = attend::blas_core_name();
      j["flush_denormal"] = attend::flush_denormal();
      j["openblas_coretype_env"] = coretype_env ? nlohmann::json(coretype_env) : nlohmann::json();
      j["steps"] = steps;
      j["warmup"] = warmup;
      j["kernels"] = nlohmann::json::array();
      for (const KernelResult& r : results)
        j["kernels"].push_back({{"name", r.name},
                                {"shape", r.shape},
                                {"median_ms", r.stats.median_ms},
                                {"min_ms", r.stats.min_ms},
                                {"max_ms", r.stats.max_ms},
                                {"grad_checksum", r.grad_checksum}});
      if (!no_sgemm)
        j["sgemm"] = {{"n", sg.n},
                      {"reps", sg.reps},
                      {"best_gflops", sg.best_gflops},
                      {"median_gflops", sg.median_gflops}};
      std::cout << j.dump() << "\n";
      return 0;
    }

    std::printf("B4 kernels, attend: threads %d, OpenBLAS core %s, OPENBLAS_CORETYPE=%s\n", threads,
                attend::blas_core_name().c_str(), coretype_env ? coretype_env : "(unset)");
    std::printf("forward + backward, %d timed iterations after %d warm-up, ms per iteration\n",
                steps, warmup);
    std::printf("%-11s %-22s %10s %10s %10s\n", "kernel", "shape", "median", "min", "max");
    for (const KernelResult& r : results)
      std::printf("%-11s %-22s %10.4f %10.4f %10.4f\n", r.name.c_str(), r.shape.c_str(),
                  r.stats.median_ms, r.stats.min_ms, r.stats.max_ms);
    if (!no_sgemm)
      std::printf("sgemm %d^3: %.1f GFLOP/s best, %.1f median of %d calls (%d thread(s))\n", sg.n,
                  sg.best_gflops, sg.median_gflops, sg.reps, threads);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
