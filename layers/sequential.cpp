#include "layers/sequential.h"

#include <tuple>
#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"
#include "layers/linear.h"

namespace attend {

Sequential::Sequential(std::vector<std::shared_ptr<UnaryModule>> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

void Sequential::push_back(std::shared_ptr<UnaryModule> m) {
  modules_.push_back(register_module(std::to_string(modules_.size()), std::move(m)));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (auto& m : modules_) h = m->forward(h);
  return h;
}

// --- descriptors ---------------------------------------------------------------------------------

// An MLP: Linear, Tanh, Linear.
const LayerInfo sequential_layer{
    .name = "Sequential", .kind = OpKind::kLayer, .samples = [] {
      std::vector<Sample> out;
      for (auto [seed, bias_seed, rows, x_seed] :
           {std::tuple<uint64_t, uint64_t, int64_t, uint64_t>{9, 10, 2, 11}, {9, 0, 5, 10}}) {
        Generator gen(seed);
        auto m = std::make_shared<Sequential>(std::vector<std::shared_ptr<UnaryModule>>{
            std::make_shared<Linear>(3, 4, gen), std::make_shared<Activation>("Tanh", &tanh),
            std::make_shared<Linear>(4, 2, gen)});
        if (bias_seed) randomise_biases(*m, bias_seed);
        out.push_back(layer_sample("MLP 3-4-2 on [" + std::to_string(rows) + ", 3]", m,
                                   {{"x", make_input({rows, 3}, x_seed)}},
                                   [m](const Inputs& x) { return m->forward(x[0]); }));
      }
      return out;
    }};

const LayerInfo activation_layer{
    .name = "Activation", .kind = OpKind::kLayer, .samples = [] {
      auto m = std::make_shared<Activation>("Tanh", &tanh);
      return std::vector<Sample>{layer_sample("Tanh on [3, 4]", m, {{"x", make_input({3, 4}, 12)}},
                                              [m](const Inputs& x) { return m->forward(x[0]); })};
    }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> sequential_layer_infos() {
  return {&sequential_layer, &activation_layer};
}

}  // namespace attend
