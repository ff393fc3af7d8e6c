#include "autograd/sample_inputs.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "autograd/creation.h"

namespace attend {

Tensor make_input(const Shape& s, uint64_t seed, float lo, float hi) {
  Generator g(seed);
  Tensor t = uniform(s, lo, hi, g);
  t.requires_grad_();
  return t;
}

Tensor away_from_zero(const Shape& s, uint64_t seed, bool positive) {
  Generator g(seed);
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const float v = 0.2f + g.uniform();
    t.data()[i] = positive || g.uniform() < 0.5f ? v : -v;
  }
  t.requires_grad_();
  return t;
}

Tensor distinct_values(const Shape& s, uint64_t seed) {
  Tensor t = Tensor::empty(s);
  const int64_t n = t.numel();
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = 0.1f * static_cast<float>(i) - 0.05f * n;
  Generator g(seed);
  for (int64_t i = n - 1; i > 0; --i) std::swap(v[i], v[g.randint(static_cast<uint64_t>(i + 1))]);
  std::copy(v.begin(), v.end(), t.data());
  t.requires_grad_();
  return t;
}

Tensor standardized_rows(const Shape& s, uint64_t seed) {
  Tensor t = make_input(s, seed);
  const int64_t d = s[s.ndim() - 1];
  float* p = t.data();
  for (int64_t r = 0; r < t.numel() / d; ++r, p += d) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < d; ++j) mean += p[j];
    mean /= static_cast<double>(d);
    for (int64_t j = 0; j < d; ++j) var += (p[j] - mean) * (p[j] - mean);
    const double inv = 1.0 / std::sqrt(var / static_cast<double>(d) + 1e-12);
    for (int64_t j = 0; j < d; ++j) p[j] = static_cast<float>((p[j] - mean) * inv);
  }
  return t;
}

Tensor random_indices(const Shape& s, int64_t limit, uint64_t seed) {
  Generator g(seed);
  std::vector<int64_t> v(static_cast<size_t>(s.numel()));
  for (auto& x : v) x = static_cast<int64_t>(g.randint(static_cast<uint64_t>(limit)));
  return from_indices(v, s);
}

std::pair<Tensor, Tensor> edge_terms_away_from_kink(const Shape& s, const std::vector<int64_t>& src,
                                                    const std::vector<int64_t>& dst, float margin,
                                                    uint64_t offset) {
  const int64_t per_node = s.numel() / s[0];
  for (uint64_t seed = 1; seed < 100000; ++seed) {
    Tensor a = make_input(s, seed), b = make_input(s, seed + offset);
    bool ok = true;
    for (size_t e = 0; e < src.size() && ok; ++e)
      for (int64_t j = 0; j < per_node && ok; ++j)
        ok = std::fabs(a.data()[src[e] * per_node + j] + b.data()[dst[e] * per_node + j]) > margin;
    if (ok) return {a, b};
  }
  throw std::runtime_error("edge_terms_away_from_kink: no seed keeps every edge sum clear of 0");
}

Tensor key_padding(const std::vector<int64_t>& lengths, int64_t tk) {
  std::vector<float> v;
  for (int64_t n : lengths)
    for (int64_t j = 0; j < tk; ++j) v.push_back(j >= n ? 1.0f : 0.0f);
  return from_vector(v, {static_cast<int64_t>(lengths.size()), tk});
}

namespace sample_graph {
Tensor src_t() {
  return from_indices(kSrc, {kE});
}
Tensor dst_t() {
  return from_indices(kDst, {kE});
}
}  // namespace sample_graph

}  // namespace attend
