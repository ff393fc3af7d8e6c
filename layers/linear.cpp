#include "layers/linear.h"

#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"

#include <cmath>

namespace attend {

Linear::Linear(int64_t in, int64_t out, Generator& gen, bool with_bias)
    : in_features(in), out_features(out) {
  // kaiming_uniform_(a=sqrt(5)) on [out, in] reduces to U(-1/sqrt(in), 1/sqrt(in)); bias likewise.
  const float bound = in > 0 ? 1.0f / std::sqrt(static_cast<float>(in)) : 0.0f;
  weight = register_parameter("weight", uniform({out, in}, -bound, bound, gen));
  if (with_bias) bias = register_parameter("bias", uniform({out}, -bound, bound, gen));
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) +
         ", out_features=" + std::to_string(out_features) +
         ", bias=" + (bias.defined() ? "True" : "False");
}

// --- descriptor ----------------------------------------------------------------------------------

// With and without bias; fixtures with and without bias on [2, 3, 4]: four-term dot products, so
// float32 rounding differs from torch's only in the last bit or two: atol 1e-6 (values are O(1))
// + rtol 1e-5.
const LayerInfo linear_layer{
    .name = "Linear",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          std::vector<Sample> out;
          Generator gen(1);
          auto m = std::make_shared<Linear>(4, 3, gen);
          randomise_biases(*m, 2);
          out.push_back(layer_sample("[2, 4]", m, {{"x", make_input({2, 4}, 3)}},
                                     [m](const Inputs& x) { return m->forward(x[0]); }));
          Generator g(1);
          for (bool bias : {true, false}) {
            auto fc = std::make_shared<Linear>(4, 3, g, bias);
            out.push_back(layer_sample(bias ? "[2, 5, 4]" : "[2, 5, 4] without bias", fc,
                                       {{"x", make_input({2, 5, 4}, 2)}},
                                       [fc](const Inputs& x) { return fc->forward(x[0]); }));
          }
          return out;
        },
    .fixtures =
        [] {
          std::vector<FixtureCase> out;
          for (const char* key : {"linear", "linear_nobias"})
            out.push_back(layer_fixture(
                "layers.txt", key,
                [](const FixtureTensors& t) {
                  Generator gen(1);  // the initial values are overwritten by torch's
                  return std::make_shared<Linear>(t.iopt("in_features"), t.iopt("out_features"),
                                                  gen, t.iopt("bias") != 0);
                },
                {"x"}, {},
                [](Module& m, const std::map<std::string, Tensor>& in) {
                  return std::vector<std::pair<std::string, Tensor>>{
                      {"y", static_cast<Linear&>(m).forward(in.at("x"))}};
                },
                {1e-6f, 1e-5f}, {1e-6f, 1e-5f}));
          return out;
        }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> linear_layer_infos() {
  return {&linear_layer};
}

}  // namespace attend
