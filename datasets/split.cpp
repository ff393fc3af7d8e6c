// Shuffles and splits (see split.h).
#include "datasets/split.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "datasets/data_error.h"

namespace attend {

void shuffle(std::vector<int64_t>& items, Generator& gen) {
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[gen.randint(i)]);
}

std::vector<int64_t> permutation(int64_t n, Generator& gen) {
  std::vector<int64_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  shuffle(p, gen);
  return p;
}

SplitIndices random_split(int64_t n, double valid_fraction, double test_fraction, uint64_t seed) {
  const bool ok = valid_fraction >= 0 && valid_fraction <= 1 && test_fraction >= 0 &&
                  test_fraction <= 1 && valid_fraction + test_fraction <= 1;
  if (!ok)
    throw DataError("random_split: fractions valid " + std::to_string(valid_fraction) +
                    " and test " + std::to_string(test_fraction) +
                    " must be in [0, 1] and sum to at most 1");
  const auto count = [n](double f) { return static_cast<int64_t>(std::llround(f * n)); };
  return random_split_counts(n, count(valid_fraction),
                             std::min(count(test_fraction), n - count(valid_fraction)), seed);
}

SplitIndices random_split_counts(int64_t n, int64_t n_valid, int64_t n_test, uint64_t seed) {
  if (n < 0 || n_valid < 0 || n_test < 0 || n_valid + n_test > n)
    throw DataError("random_split: cannot take " + std::to_string(n_valid) + " valid and " +
                    std::to_string(n_test) + " test examples from " + std::to_string(n));
  Generator gen(seed);
  const std::vector<int64_t> p = permutation(n, gen);
  SplitIndices s;
  s.valid.assign(p.begin(), p.begin() + n_valid);
  s.test.assign(p.begin() + n_valid, p.begin() + n_valid + n_test);
  s.train.assign(p.begin() + n_valid + n_test, p.end());
  for (auto* v : {&s.train, &s.valid, &s.test}) std::sort(v->begin(), v->end());
  return s;
}

}  // namespace attend
