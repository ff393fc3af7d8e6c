#include "autograd/creation.h"

#include <algorithm>
#include <cmath>

namespace attend {

Tensor full(const Shape& shape, float value) {
  Tensor t = Tensor::empty(shape);
  std::fill_n(t.data(), t.numel(), value);
  return t;
}
Tensor zeros(const Shape& shape) {
  return full(shape, 0.0f);
}
Tensor ones(const Shape& shape) {
  return full(shape, 1.0f);
}
Tensor zeros_like(const Tensor& t) {
  return zeros(t.shape());
}
Tensor ones_like(const Tensor& t) {
  return ones(t.shape());
}

Tensor arange(int64_t n) {
  return arange(0.0f, static_cast<float>(n), 1.0f);
}

Tensor arange(float start, float end, float step) {
  if (step == 0.0f) throw std::invalid_argument("arange: step must be non-zero");
  if ((end - start) * step < 0)
    throw std::invalid_argument("arange: the range [" + std::to_string(start) + ", " +
                                std::to_string(end) + ") is inconsistent with the sign of step " +
                                std::to_string(step));
  double count = std::ceil((static_cast<double>(end) - start) / step);
  int64_t n = count > 0 ? static_cast<int64_t>(count) : 0;
  Tensor t = Tensor::empty({n});
  for (int64_t i = 0; i < n; ++i)
    t.data()[i] = static_cast<float>(start + static_cast<double>(step) * i);
  return t;
}

Tensor from_vector(const std::vector<float>& values, const Shape& shape) {
  if (static_cast<int64_t>(values.size()) != shape.numel())
    throw ShapeError("from_vector: " + std::to_string(values.size()) +
                     " values do not fill shape " + shape.str() + " (" +
                     std::to_string(shape.numel()) + " elements)");
  Tensor t = Tensor::empty(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

Tensor from_vector(const std::vector<float>& values) {
  return from_vector(values, Shape{static_cast<int64_t>(values.size())});
}

Tensor from_indices(const std::vector<int64_t>& values, const Shape& shape) {
  if (static_cast<int64_t>(values.size()) != shape.numel())
    throw ShapeError("from_indices: " + std::to_string(values.size()) +
                     " values do not fill shape " + shape.str());
  Tensor t = Tensor::empty(shape);
  for (size_t i = 0; i < values.size(); ++i) t.data()[i] = static_cast<float>(values[i]);
  return t;
}

Tensor randn(const Shape& shape, Generator& gen, float mean, float std) {
  Tensor t = Tensor::empty(shape);
  float* p = t.data();
  for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = mean + std * gen.normal();
  return t;
}

Tensor rand(const Shape& shape, Generator& gen) {
  return uniform(shape, 0.0f, 1.0f, gen);
}

Tensor uniform(const Shape& shape, float low, float high, Generator& gen) {
  Tensor t = Tensor::empty(shape);
  float* p = t.data();
  for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = low + (high - low) * gen.uniform();
  return t;
}

}  // namespace attend
