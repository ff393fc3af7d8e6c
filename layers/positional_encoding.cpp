#include "layers/positional_encoding.h"

#include <cmath>

namespace attend {

namespace {
Tensor add_positions(const Tensor& x, int64_t start, const Tensor& table, int64_t d,
                     int64_t max_len, const char* who) {
  if (x.ndim() != 3 || x.size(2) != d)
    throw ShapeError(std::string(who) + ": input of shape " + x.shape().str() + " must be [B, T, " +
                     std::to_string(d) + "]");
  if (start < 0 || x.size(1) > max_len - start)
    throw ShapeError(std::string(who) + ": sequence length " + std::to_string(start + x.size(1)) +
                     " exceeds max_len " + std::to_string(max_len));
  return x + narrow(table, 0, start, x.size(1));  // [T, d] broadcasts over the batch
}
}  // namespace

SinusoidalPositionalEncoding::SinusoidalPositionalEncoding(int64_t d, int64_t n)
    : d_model(d), max_len(n) {
  Tensor t = Tensor::empty({n, d});
  for (int64_t pos = 0; pos < n; ++pos)
    for (int64_t i = 0; i < d; ++i) {
      const double angle =
          static_cast<double>(pos) / std::pow(10000.0, static_cast<double>(i - i % 2) / d);
      t.data()[pos * d + i] = static_cast<float>(i % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  pe = register_buffer("pe", t);
}

Tensor SinusoidalPositionalEncoding::forward(const Tensor& x) {
  return add_positions(x, 0, pe, d_model, max_len, "SinusoidalPositionalEncoding");
}

Tensor SinusoidalPositionalEncoding::forward_from(const Tensor& x, int64_t start) {
  return add_positions(x, start, pe, d_model, max_len, "SinusoidalPositionalEncoding");
}

std::string SinusoidalPositionalEncoding::extra_repr() const {
  return "d_model=" + std::to_string(d_model) + ", max_len=" + std::to_string(max_len);
}

LearnedPositionalEncoding::LearnedPositionalEncoding(int64_t d, int64_t n, Generator& gen)
    : d_model(d), max_len(n) {
  weight = register_parameter("weight", randn({n, d}, gen, 0.0f, 0.02f));
}

Tensor LearnedPositionalEncoding::forward(const Tensor& x) {
  return add_positions(x, 0, weight, d_model, max_len, "LearnedPositionalEncoding");
}

Tensor LearnedPositionalEncoding::forward_from(const Tensor& x, int64_t start) {
  return add_positions(x, start, weight, d_model, max_len, "LearnedPositionalEncoding");
}

std::string LearnedPositionalEncoding::extra_repr() const {
  return "d_model=" + std::to_string(d_model) + ", max_len=" + std::to_string(max_len);
}

}  // namespace attend
