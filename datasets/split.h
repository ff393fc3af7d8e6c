// Seeded shuffling and train/valid/test splits. Every random choice takes a Generator (or a seed),
// so the same seed gives the same split on every machine.
#pragma once

#include <cstdint>
#include <vector>

#include "autograd/random.h"

namespace attend {

// Fisher-Yates shuffle in place, drawing from gen.
void shuffle(std::vector<int64_t>& items, Generator& gen);

// A random permutation of 0..n-1.
std::vector<int64_t> permutation(int64_t n, Generator& gen);

// Positions of the examples in each split; disjoint, together 0..n-1, each sorted ascending.
struct SplitIndices {
  std::vector<int64_t> train, valid, test;
};

// Splits n examples: valid and test get round(n * fraction) examples each, chosen by a
// permutation seeded with seed; train gets the rest. Throws DataError on fractions outside
// [0, 1] or summing above 1.
SplitIndices random_split(int64_t n, double valid_fraction, double test_fraction, uint64_t seed);

// The same with exact counts.
SplitIndices random_split_counts(int64_t n, int64_t n_valid, int64_t n_test, uint64_t seed);

}  // namespace attend
