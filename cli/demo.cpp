// `attend demo`: the engine end to end on generated data, until the model zoo exists.
#include "cli/demo.h"

#include <cmath>
#include <cstdio>
#include <numbers>

#include "autograd/ops.h"

namespace attend::cli {

namespace {

// Two interleaved spirals: points [n, 2], labels [n] in {0, 1}.
void make_spirals(int64_t n, Generator& gen, Tensor& x, Tensor& y) {
  x = Tensor::empty({n, 2});
  y = Tensor::empty({n});
  for (int64_t i = 0; i < n; ++i) {
    const int cls = static_cast<int>(i % 2);
    const float t = 0.25f + 3.0f * gen.uniform();  // radius and angle grow together
    const float angle = t * 1.75f * static_cast<float>(std::numbers::pi) +
                        cls * static_cast<float>(std::numbers::pi);
    x.data()[2 * i] = t * std::cos(angle) / 3.25f + 0.05f * gen.normal();
    x.data()[2 * i + 1] = t * std::sin(angle) / 3.25f + 0.05f * gen.normal();
    y.data()[i] = static_cast<float>(cls);
  }
}

Tensor xavier(int64_t out, int64_t in, Generator& gen) {
  const float a = std::sqrt(6.0f / static_cast<float>(in + out));
  Tensor w = uniform({out, in}, -a, a, gen);
  w.requires_grad_();
  return w;
}

}  // namespace

double run_demo(const DemoOptions& opt) {
  Generator gen(opt.seed);
  Tensor x, y;
  make_spirals(512, gen, x, y);
  const int64_t h = opt.hidden;
  std::vector<Tensor> params = {xavier(h, 2, gen), zeros({h}),        xavier(h, h, gen),
                                zeros({h}),        xavier(2, h, gen), zeros({2})};
  for (Tensor& p : params) p.requires_grad_();
  // Adam state.
  std::vector<Tensor> m, v;
  for (const Tensor& p : params) {
    m.push_back(zeros(p.shape()));
    v.push_back(zeros(p.shape()));
  }
  const float b1 = 0.9f, b2 = 0.999f, adam_eps = 1e-8f;
  auto forward = [&](const Tensor& in) {
    Tensor a = tanh(linear(in, params[0], params[1]));
    a = tanh(linear(a, params[2], params[3]));
    return linear(a, params[4], params[5]);  // logits [n, 2]
  };
  std::printf("fitting a 2-%lld-%lld-2 MLP to two spirals (512 points), Adam lr %g, seed %llu\n",
              static_cast<long long>(h), static_cast<long long>(h), opt.lr,
              static_cast<unsigned long long>(opt.seed));
  for (int step = 1; step <= opt.steps; ++step) {
    Tensor loss = cross_entropy(forward(x), y);
    for (Tensor& p : params) p.set_grad(Tensor());
    loss.backward();
    NoGradGuard ng;
    const float c1 = 1.0f - std::pow(b1, static_cast<float>(step)),
                c2 = 1.0f - std::pow(b2, static_cast<float>(step));
    for (size_t k = 0; k < params.size(); ++k) {
      float* p = params[k].data();
      const float* g = params[k].grad().data();
      float* mk = m[k].data();
      float* vk = v[k].data();
      for (int64_t i = 0; i < params[k].numel(); ++i) {
        mk[i] = b1 * mk[i] + (1 - b1) * g[i];
        vk[i] = b2 * vk[i] + (1 - b2) * g[i] * g[i];
        p[i] -= opt.lr * (mk[i] / c1) / (std::sqrt(vk[i] / c2) + adam_eps);
      }
    }
    if (step == 1 || step % (opt.steps / 10 > 0 ? opt.steps / 10 : 1) == 0)
      std::printf("step %4d  loss %.4f\n", step, loss.item());
  }
  NoGradGuard ng;
  Tensor pred = argmax(forward(x), 1);
  int64_t correct = 0;
  for (int64_t i = 0; i < y.numel(); ++i) correct += pred.data()[i] == y.data()[i];
  const double acc = static_cast<double>(correct) / static_cast<double>(y.numel());
  std::printf("training accuracy %.1f%%\n", 100.0 * acc);
  return acc;
}

}  // namespace attend::cli
