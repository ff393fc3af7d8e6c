// One-dimensional convolution (torch.nn.functional.conv1d with stride 1, dilation 1, groups 1), as
// im2col and one GEMM per batch row. Location-aware attention convolves the previous alignment
// with it (layers/location_attention.h).
//   B = batch, C = input channels, O = output channels, K = kernel width, T = input length,
//   P = zero padding on each side, U = T + 2P - K + 1 output positions
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "autograd/gemm.h"
#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/sample_inputs.h"

namespace attend {
namespace {

// The columns of one batch row: col [U, C*K] with col[u, c*K + k] = x[c, u + k - P], zero where
// that falls in the padding. x [C, T].
void im2col(const float* x, int64_t C, int64_t T, int64_t K, int64_t P, int64_t U, float* col) {
  for (int64_t u = 0; u < U; ++u)
    for (int64_t c = 0; c < C; ++c) {
      float* dst = col + u * C * K + c * K;
      for (int64_t k = 0; k < K; ++k) {
        const int64_t t = u + k - P;
        dst[k] = t >= 0 && t < T ? x[c * T + t] : 0.0f;
      }
    }
}

// The adjoint of im2col: dx[c, u + k - P] += dcol[u, c*K + k] inside the input.
void col2im(const float* dcol, int64_t C, int64_t T, int64_t K, int64_t P, int64_t U, float* dx) {
  for (int64_t u = 0; u < U; ++u)
    for (int64_t c = 0; c < C; ++c) {
      const float* src = dcol + u * C * K + c * K;
      for (int64_t k = 0; k < K; ++k) {
        const int64_t t = u + k - P;
        if (t >= 0 && t < T) dx[c * T + t] += src[k];
      }
    }
}

// A case of tests/fixtures/speech.txt (gen_speech_fixtures.py): torch.nn.functional.conv1d on x,
// w and, when the case has one, b, with the case's padding.
FixtureCase conv1d_fixture(const char* key, bool with_bias) {
  std::vector<std::string> inputs = {"x", "w"};
  if (with_bias) inputs.emplace_back("b");
  FixtureCase c = autograd_fixture(key, std::move(inputs),
                                   [](const Inputs& x, const FixtureTensors& t) {
                                     return conv1d(x[0], x[1], x.size() > 2 ? x[2] : Tensor(),
                                                   t.iopt("padding"));
                                   },
                                   {2e-6f, 1e-5f}, {5e-6f, 1e-5f});
  c.file = "speech.txt";
  return c;
}

}  // namespace

// Padding on both sides, none with the kernel as wide as the input, without a bias, an empty
// batch.
const OpInfo conv1d_op{
    .name = "conv1d",
    .samples =
        [] {
          const auto f = [](int64_t padding) {
            return [padding](const Inputs& x) {
              return conv1d(x[0], x[1], x.size() > 2 ? x[2] : Tensor(), padding);
            };
          };
          return std::vector<Sample>{
              {.name = "[2, 3, 6] * [4, 3, 3] + bias, padding 1",
               .inputs = {make_input({2, 3, 6}, 201), make_input({4, 3, 3}, 202),
                          make_input({4}, 203)},
               .f = f(1)},
              {.name = "[2, 2, 5] * [3, 2, 4] + bias, padding 2",
               .inputs = {make_input({2, 2, 5}, 6), make_input({3, 2, 4}, 7), make_input({3}, 8)},
               .f = f(2)},
              {.name = "[1, 3, 7] * [2, 3, 7], no bias, padding 0",
               .inputs = {make_input({1, 3, 7}, 9), make_input({2, 3, 7}, 10)},
               .f = f(0)},
              {.name = "[0, 2, 5] * [3, 2, 3] + bias, padding 1 (empty batch)",
               .inputs = {make_input({0, 2, 5}, 11), make_input({3, 2, 3}, 12),
                          make_input({3}, 13)},
               .f = f(1)}};
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{conv1d_fixture("conv1d_pad", true),
                                          conv1d_fixture("conv1d_plain", false),
                                          conv1d_fixture("conv1d_wide", false)};
        }};

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t padding) {
  ProfileScope profile_scope(conv1d_op.name);
  if (x.ndim() != 3 || weight.ndim() != 3 || weight.size(1) != x.size(1) ||
      (bias.defined() && !(bias.shape() == Shape{weight.size(0)})))
    throw ShapeError("conv1d: input " + x.shape().str() + ", weight " + weight.shape().str() +
                     (bias.defined() ? " and bias " + bias.shape().str() : std::string()) +
                     " must be [B, C, T], [O, C, K] and [O]");
  if (padding < 0)
    throw std::invalid_argument("conv1d: padding must be >= 0, got " + std::to_string(padding));
  const int64_t B = x.size(0), C = x.size(1), T = x.size(2), O = weight.size(0), K = weight.size(2),
                P = padding, U = T + 2 * P - K + 1;
  if (U < 0)
    throw ShapeError("conv1d: kernel width " + std::to_string(K) + " is longer than the input " +
                     x.shape().str() + " with padding " + std::to_string(P));
  const int64_t CK = C * K;
  Tensor out = Tensor::empty({B, O, U});
  std::vector<float> col(static_cast<size_t>(U * CK));
  for (int64_t b = 0; b < B; ++b) {
    float* ob = out.data() + b * O * U;
    if (bias.defined())
      for (int64_t o = 0; o < O; ++o) std::fill_n(ob + o * U, U, bias.data()[o]);
    if (U == 0) continue;
    if (CK == 0) {
      if (!bias.defined()) std::fill_n(ob, O * U, 0.0f);
      continue;
    }
    im2col(x.data() + b * C * T, C, T, K, P, U, col.data());
    // out_b [O, U] = W [O, CK] col^T [CK, U] (+ bias already there)
    kernels::gemm(false, true, O, U, CK, 1.0f, weight.data(), col.data(),
                  bias.defined() ? 1.0f : 0.0f, ob);
  }

  const bool gx = x.requires_grad(), gw = weight.requires_grad(),
             gb = bias.defined() && bias.requires_grad();
  Tensor sx = x.detach(), sw = weight.detach();
  return record(conv1d_op, out, {&x, &weight, &bias}, [=](const Tensor& g) {
    // g [B, O, U]. dW = sum_b g_b col_b ; dcol_b = g_b^T W ; dx_b = col2im(dcol_b) ; db = sum g.
    Tensor dx = gx ? zeros({B, C, T}) : Tensor(), dw = gw ? zeros({O, C, K}) : Tensor(),
           db = gb ? zeros({O}) : Tensor();
    std::vector<float> cols(static_cast<size_t>(U * CK)), dcol(gx ? U * CK : 0);
    for (int64_t b = 0; b < B && U > 0 && CK > 0; ++b) {
      const float* gb_ = g.data() + b * O * U;
      if (gw) {
        im2col(sx.data() + b * C * T, C, T, K, P, U, cols.data());
        kernels::gemm(false, false, O, CK, U, 1.0f, gb_, cols.data(), 1.0f, dw.data());
      }
      if (gx) {
        kernels::gemm(true, false, U, CK, O, 1.0f, gb_, sw.data(), 0.0f, dcol.data());
        col2im(dcol.data(), C, T, K, P, U, dx.data() + b * C * T);
      }
    }
    if (gb)
      for (int64_t b = 0; b < B; ++b)
        for (int64_t o = 0; o < O; ++o) {
          const float* row = g.data() + (b * O + o) * U;
          float s = 0;
          for (int64_t u = 0; u < U; ++u) s += row[u];
          db.data()[o] += s;
        }
    return std::vector<Tensor>{dx, dw, db};
  });
}

// The descriptors above, for op_registry() (autograd/CMakeLists.txt generates the call).
std::vector<const OpInfo*> ops_conv_op_infos() {
  return {&conv1d_op};
}

}  // namespace attend
