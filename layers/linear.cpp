#include "layers/linear.h"

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

}  // namespace attend
