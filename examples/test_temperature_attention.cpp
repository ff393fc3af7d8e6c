// Tests of the example layer (docs/extending.md, step 2): its descriptor's samples against finite
// differences (parameters, the temperature included, and inputs), agreement with Luong's general
// attention, what the temperature does to the weights, and its shape errors.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <string>

#include "autograd/gradcheck.h"
#include "autograd/op_info.h"
#include "examples/ops_softplus.h"
#include "examples/temperature_attention.h"
#include "layers/layer_info.h"

using namespace attend;
using attend::examples::TemperatureAttention;

namespace {

//   B = 2, Tq = 3, Tk = 4, Dq = 5, Dk = 6, Dv = 3
struct Batch {
  Tensor query, keys, values, key_padding_mask;
};
Batch make_inputs(uint64_t seed) {
  Generator gen(seed);
  Batch in;
  in.query = uniform({2, 3, 5}, -1, 1, gen);   // [B, Tq, Dq]
  in.keys = uniform({2, 4, 6}, -1, 1, gen);    // [B, Tk, Dk]
  in.values = uniform({2, 4, 3}, -1, 1, gen);  // [B, Tk, Dv]
  // The second sentence is one key shorter: its last key is padding.
  in.key_padding_mask = from_vector({0, 0, 0, 0, 0, 0, 0, 1}, {2, 4});
  return in;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_temperature_attention)

BOOST_AUTO_TEST_CASE(registers_its_parameters_and_starts_at_the_given_temperature) {
  Generator gen(1);
  for (float tau : {0.05f, 1.0f, 16.0f}) {
    TemperatureAttention att(5, 6, tau, gen);
    const auto params = att.named_parameters();
    BOOST_REQUIRE_EQUAL(params.size(), 2u);
    // A module's own parameters come first, then its submodules' (as in PyTorch).
    BOOST_CHECK_EQUAL(params[0].first, "raw_temperature");
    BOOST_CHECK(params[0].second.shape() == (Shape{1}));
    BOOST_CHECK_EQUAL(params[1].first, "key_proj.weight");
    BOOST_CHECK(params[1].second.shape() == (Shape{5, 6}));
    BOOST_CHECK_CLOSE(att.temperature().item(), tau, 1e-3);
  }
  TemperatureAttention att(5, 6, 2.0f, gen);
  const std::string printed = att.str();  // the module tree, as PyTorch prints it
  for (const char* part : {"TemperatureAttention(", "query_dim=5, key_dim=6, temperature=2",
                           "(key_proj): Linear(in_features=6, out_features=5, bias=False)"})
    BOOST_CHECK_MESSAGE(printed.find(part) != std::string::npos, printed);
}

// The descriptor's samples against finite differences: every parameter (the temperature
// included) at three temperatures, and the inputs through the context and the weights.
BOOST_AUTO_TEST_CASE(is_registered_and_its_samples_pass_gradcheck) {
  const OpInfo* info = layer_registry().find("TemperatureAttention");
  BOOST_REQUIRE_MESSAGE(info, "TemperatureAttention is not registered");
  const std::vector<Sample> samples = info->samples();
  BOOST_REQUIRE_EQUAL(samples.size(), 4u);
  for (const Sample& s : samples) {
    const GradcheckResult r = check_sample(s);
    BOOST_CHECK_MESSAGE(r.ok, s.name << ": " << r.message);
  }
  BOOST_CHECK_EQUAL(check_sample(samples[0]).checked, 5 * 6 + 1);  // key_proj.weight, raw_temp.
  BOOST_CHECK_EQUAL(check_sample(samples[3]).checked,
                    2 * 3 * 5 + 2 * 4 * 6 + 2 * 4 * 3 + 5 * 6 + 1);  // and the inputs
}

BOOST_AUTO_TEST_CASE(the_loss_depends_on_the_temperature) {
  const Batch in = make_inputs(2);
  for (float tau : {0.5f, 1.0f, 3.0f}) {
    Generator gen(3);
    TemperatureAttention att(5, 6, tau, gen);
    Generator g(4);
    Tensor r_out = uniform({2, 3, 3}, -1, 1, g);
    sum(att.forward(in.query, in.keys, in.values, in.key_padding_mask).context * r_out).backward();
    BOOST_CHECK_GT(std::fabs(att.raw_temperature.grad().item()), 1e-6f);
  }
}

BOOST_AUTO_TEST_CASE(equals_luong_general_attention_on_queries_divided_by_the_temperature) {
  // q^T W k / tau = (q / tau)^T W k: the same scores as LuongAttention("general") on q / tau.
  const Batch in = make_inputs(7);
  Generator gen(8);
  TemperatureAttention att(5, 6, 2.5f, gen);
  LuongAttention luong(LuongAttention::Kind::kGeneral, 5, 6, gen);
  copy_(luong.key_proj->weight, att.key_proj->weight);
  const float tau = att.temperature().item();
  AttentionResult a = att.forward(in.query, in.keys, in.values, in.key_padding_mask);
  AttentionResult b = luong.forward(in.query / tau, in.keys, in.values, in.key_padding_mask);
  for (int64_t i = 0; i < a.context.numel(); ++i)
    BOOST_CHECK_SMALL(a.context.data()[i] - b.context.data()[i], 1e-5f);
  for (int64_t i = 0; i < a.weights.numel(); ++i)
    BOOST_CHECK_SMALL(a.weights.data()[i] - b.weights.data()[i], 1e-5f);
}

BOOST_AUTO_TEST_CASE(a_high_temperature_spreads_the_weights_and_a_low_one_sharpens_them) {
  const Batch in = make_inputs(9);
  Generator gen(10);
  TemperatureAttention hot(5, 6, 1000.0f, gen);
  TemperatureAttention cold(5, 6, 1e-3f, gen);
  Tensor w_hot = hot.forward(in.query, in.keys, in.values, in.key_padding_mask).weights;
  Tensor w_cold = cold.forward(in.query, in.keys, in.values, in.key_padding_mask).weights;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t q = 0; q < 3; ++q) {
      const int64_t keys = b == 0 ? 4 : 3;  // the second sentence's last key is padding
      float top = 0;
      for (int64_t k = 0; k < 4; ++k) {
        const float h = w_hot.at({b, q, k}), c = w_cold.at({b, q, k});
        if (k < keys) {
          BOOST_CHECK_CLOSE(h, 1.0f / static_cast<float>(keys), 1.0);  // percent
        } else {
          BOOST_CHECK_EQUAL(h, 0.0f);  // padding gets no weight at any temperature
          BOOST_CHECK_EQUAL(c, 0.0f);
        }
        top = std::max(top, c);
      }
      BOOST_CHECK_GT(top, 0.99f);
    }
}

BOOST_AUTO_TEST_CASE(bad_shapes_and_temperatures_are_named) {
  Generator gen(11);
  BOOST_CHECK_THROW(TemperatureAttention(5, 6, 0.0f, gen), std::invalid_argument);
  TemperatureAttention att(5, 6, 1.0f, gen);
  const Batch in = make_inputs(12);
  try {
    att.forward(in.query, in.values, in.values);  // keys of the wrong size
    BOOST_ERROR("no ShapeError");
  } catch (const ShapeError& e) {
    BOOST_CHECK_MESSAGE(std::string(e.what()).find(
                            "TemperatureAttention: keys must be [B, Tk, 6]") != std::string::npos,
                        e.what());
  }
  BOOST_CHECK_THROW(att.forward(in.query, in.keys, in.values, from_vector({0, 0}, {2, 1})),
                    ShapeError);
}

BOOST_AUTO_TEST_SUITE_END()
