#include "layers/dropout.h"

#include <tuple>
#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"

#include <sstream>

namespace attend {

Dropout::Dropout(float prob, std::shared_ptr<Generator> gen) : p(prob), gen_(std::move(gen)) {
  if (!(p >= 0.0f && p <= 1.0f))
    throw std::invalid_argument("Dropout: p must be in [0, 1], got " + std::to_string(p));
  if (!gen_) throw std::invalid_argument("Dropout: a generator is required");
}

std::string Dropout::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p << ", inplace=False";
  return os.str();
}

// --- descriptor ----------------------------------------------------------------------------------

// In training, with the generator re-seeded before every forward: the same mask for every finite
// difference.
const LayerInfo dropout_layer{
    .name = "Dropout", .kind = OpKind::kLayer, .samples = [] {
      std::vector<Sample> out;
      for (auto [p, shape, seed] :
           {std::tuple<float, Shape, uint64_t>{0.3f, {4, 5}, 8}, {0.4f, {4, 6}, 8}}) {
        auto gen = std::make_shared<Generator>(7);
        auto m = std::make_shared<Dropout>(p, gen);
        out.push_back(layer_sample(shape.str() + ", p " + format_g(p), m,
                                   {{"x", make_input(shape, seed)}}, [m, gen](const Inputs& x) {
                                     gen->manual_seed(7);
                                     return m->forward(x[0]);
                                   }));
      }
      return out;
    }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> dropout_layer_infos() {
  return {&dropout_layer};
}

}  // namespace attend
