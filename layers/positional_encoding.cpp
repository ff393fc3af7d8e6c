#include "layers/positional_encoding.h"

#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"

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

// --- descriptors ---------------------------------------------------------------------------------

// x + pe[:T]; times x too, so that the gradient depends on the table.
const LayerInfo sinusoidal_layer{
    .name = "SinusoidalPositionalEncoding", .kind = OpKind::kLayer, .samples = [] {
      auto m = std::make_shared<SinusoidalPositionalEncoding>(4, 8);
      auto wide = std::make_shared<SinusoidalPositionalEncoding>(6, 50);
      return std::vector<Sample>{
          layer_sample("[2, 3, 4], times x", m, {{"x", make_input({2, 3, 4}, 12)}},
                       [m](const Inputs& x) { return m->forward(x[0]) * x[0]; }),
          layer_sample("[2, 5, 6]", wide, {{"x", make_input({2, 5, 6}, 150)}},
                       [wide](const Inputs& x) { return wide->forward(x[0]); })};
    }};

const LayerInfo learned_positions_layer{
    .name = "LearnedPositionalEncoding", .kind = OpKind::kLayer, .samples = [] {
      Generator gen(13), g(160);
      auto m = std::make_shared<LearnedPositionalEncoding>(4, 5, gen);
      auto n = std::make_shared<LearnedPositionalEncoding>(4, 10, g);
      return std::vector<Sample>{
          layer_sample("[2, 3, 4], table of 5", m, {{"x", make_input({2, 3, 4}, 14)}},
                       [m](const Inputs& x) { return m->forward(x[0]); }),
          layer_sample("[2, 3, 4], table of 10", n, {{"x", make_input({2, 3, 4}, 161)}},
                       [n](const Inputs& x) { return n->forward(x[0]); })};
    }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> positional_encoding_layer_infos() {
  return {&sinusoidal_layer, &learned_positions_layer};
}

}  // namespace attend
