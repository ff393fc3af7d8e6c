#include "layers/layer_norm.h"

#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"

#include <sstream>

namespace attend {

LayerNorm::LayerNorm(int64_t d, float e, bool affine, bool with_bias) : dim(d), eps(e) {
  if (affine) weight = register_parameter("weight", ones({d}));
  if (affine && with_bias) bias = register_parameter("bias", zeros({d}));
}

std::string LayerNorm::extra_repr() const {
  std::ostringstream os;
  os << "(" << dim << ",), eps=" << eps
     << ", elementwise_affine=" << (weight.defined() ? "True" : "False");
  if (weight.defined() && !bias.defined()) os << ", bias=False";
  return os.str();
}

// --- descriptor ----------------------------------------------------------------------------------

// Fixture: LayerNorm over 6 values, mean and variance in float32 on both sides; atol 1e-6 + rtol
// 1e-5 for the output (O(1) values) and 2e-6 + 1e-5 for gradients (their formula subtracts two
// sums, so the absolute error scales with |gy| * |x_hat| rather than with the result).
const LayerInfo layer_norm_layer{
    .name = "LayerNorm",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          std::vector<Sample> out;
          auto m = std::make_shared<LayerNorm>(6);
          randomise_biases(*m, 5);
          out.push_back(layer_sample("[2, 3, 6]", m, {{"x", make_input({2, 3, 6}, 6)}},
                                     [m](const Inputs& x) { return m->forward(x[0]); }));
          auto ln = std::make_shared<LayerNorm>(5);
          ln->weight.data()[1] = 1.7f;  // away from the identity so the weight matters
          ln->bias.data()[2] = -0.3f;
          out.push_back(layer_sample("[3, 5] in [-2, 2]", ln,
                                     {{"x", make_input({3, 5}, 5, -2.0f, 2.0f)}},
                                     [ln](const Inputs& x) { return ln->forward(x[0]); }));
          // Weight only (bias=False): the op's weight-only path, matched with PyTorch by the
          // layer_norm_w fixture of autograd/ops_nn.cpp.
          auto nb = std::make_shared<LayerNorm>(4, 1e-5f, true, false);
          Generator wg(7);
          copy_(nb->weight, uniform({4}, 0.5f, 1.5f, wg));
          out.push_back(layer_sample("[2, 3, 4], no bias", nb, {{"x", make_input({2, 3, 4}, 8)}},
                                     [nb](const Inputs& x) { return nb->forward(x[0]); }));
          return out;
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{layer_fixture(
              "layers.txt", "layer_norm",
              [](const FixtureTensors& t) { return std::make_shared<LayerNorm>(t.iopt("dim")); },
              {"x"}, {},
              [](Module& m, const std::map<std::string, Tensor>& in) {
                return std::vector<std::pair<std::string, Tensor>>{
                    {"y", static_cast<LayerNorm&>(m).forward(in.at("x"))}};
              },
              {1e-6f, 1e-5f}, {2e-6f, 1e-5f})};
        }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> layer_norm_layer_infos() {
  return {&layer_norm_layer};
}

}  // namespace attend
