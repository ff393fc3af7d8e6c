// Creating tensors: constants, ranges, values, and random tensors from an explicit Generator.
#pragma once

#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"

namespace attend {

Tensor zeros(const Shape& shape);
Tensor ones(const Shape& shape);
Tensor full(const Shape& shape, float value);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
// [0, 1, ..., n-1] and [start, start+step, ...) below end, as in torch.arange.
Tensor arange(int64_t n);
Tensor arange(float start, float end, float step = 1.0f);
// Values in row-major order; their count must match the shape.
Tensor from_vector(const std::vector<float>& values, const Shape& shape);
// A 1-D tensor of these values.
Tensor from_vector(const std::vector<float>& values);
// Index tensors (token ids, node ids, class labels) are float32 tensors holding whole numbers,
// exact up to 2^24; this builds one from integers.
Tensor from_indices(const std::vector<int64_t>& values, const Shape& shape);

Tensor randn(const Shape& shape, Generator& gen, float mean = 0.0f, float std = 1.0f);
Tensor rand(const Shape& shape, Generator& gen);  // uniform [0, 1)
Tensor uniform(const Shape& shape, float low, float high, Generator& gen);

}  // namespace attend
