#include "layers/layer_norm.h"

#include <sstream>

namespace attend {

LayerNorm::LayerNorm(int64_t d, float e, bool affine) : dim(d), eps(e) {
  if (affine) {
    weight = register_parameter("weight", ones({d}));
    bias = register_parameter("bias", zeros({d}));
  }
}

std::string LayerNorm::extra_repr() const {
  std::ostringstream os;
  os << "(" << dim << ",), eps=" << eps
     << ", elementwise_affine=" << (weight.defined() ? "True" : "False");
  return os.str();
}

}  // namespace attend
