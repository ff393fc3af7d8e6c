#include "layers/conv.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"

namespace attend {

Conv1d::Conv1d(int64_t in, int64_t out, int64_t kernel, Generator& gen, int64_t pad, bool with_bias)
    : in_channels(in), out_channels(out), kernel_size(kernel), padding(pad) {
  if (in < 1 || out < 1 || kernel < 1 || pad < 0)
    throw std::invalid_argument(
        "Conv1d: channels and kernel size must be >= 1 and padding >= 0, "
        "got in " +
        std::to_string(in) + ", out " + std::to_string(out) + ", kernel " + std::to_string(kernel) +
        ", padding " + std::to_string(pad));
  // kaiming_uniform_(a=sqrt(5)) over fan_in = in * kernel: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  const float bound = 1.0f / std::sqrt(static_cast<float>(in * kernel));
  weight = register_parameter("weight", uniform({out, in, kernel}, -bound, bound, gen));
  if (with_bias) bias = register_parameter("bias", uniform({out}, -bound, bound, gen));
}

std::string Conv1d::extra_repr() const {
  return std::to_string(in_channels) + ", " + std::to_string(out_channels) + ", kernel_size=(" +
         std::to_string(kernel_size) + ",), stride=(1,)" +
         (padding ? ", padding=(" + std::to_string(padding) + ",)" : std::string()) +
         (bias.defined() ? "" : ", bias=False");
}

// Padding on both sides with a bias; none and no bias, the kernel as wide as the input.
const LayerInfo conv1d_layer{
    .name = "Conv1d", .kind = OpKind::kLayer, .samples = [] {
      Generator gen(205);
      auto padded = std::make_shared<Conv1d>(2, 3, 3, gen, /*pad=*/1);
      auto plain = std::make_shared<Conv1d>(3, 2, 4, gen, /*pad=*/0, /*with_bias=*/false);
      return std::vector<Sample>{
          layer_sample("[2, 2, 5], 3 filters of width 3, padding 1", padded,
                       {{"x", make_input({2, 2, 5}, 206)}},
                       [padded](const Inputs& x) { return padded->forward(x[0]); }),
          layer_sample("[1, 3, 4], 2 filters of width 4, no padding, no bias", plain,
                       {{"x", make_input({1, 3, 4}, 212)}},
                       [plain](const Inputs& x) { return plain->forward(x[0]); })};
    }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> conv_layer_infos() {
  return {&conv1d_layer};
}

}  // namespace attend
