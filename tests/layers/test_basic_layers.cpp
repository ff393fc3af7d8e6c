// Linear, Embedding, LayerNorm, Dropout and Sequential against finite differences, w.r.t. their
// inputs (gradcheck) and every parameter (gradcheck_parameters).
#include <boost/test/unit_test.hpp>

#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/sequential.h"
#include "test_util.h"

using namespace attend;
using attend::test::check_parameter_gradients;
using attend::test::param;

BOOST_AUTO_TEST_SUITE(test_basic_layers)

BOOST_AUTO_TEST_CASE(linear_input_and_parameters) {
  Generator g(1);
  for (bool bias : {true, false}) {
    Linear fc(4, 3, g, bias);
    Tensor x = param({2, 5, 4}, 2);
    ATTEND_CHECK_GRAD([&](const std::vector<Tensor>& in) { return fc.forward(in[0]); },
                      std::vector<Tensor>({x}));
    BOOST_CHECK_EQUAL(check_parameter_gradients(fc, [&] { return fc.forward(x.detach()); }),
                      fc.num_parameters());
  }
}

BOOST_AUTO_TEST_CASE(embedding_parameters_with_padding_and_repeats) {
  Generator g(3);
  Embedding emb(6, 3, g, /*padding_idx=*/0);
  // The padding row deliberately gets no gradient (torch.nn.Embedding), which is not the true
  // derivative: the finite-difference check uses ids without padding.
  Tensor no_pad = from_indices({1, 2, 4, 1, 5, 3}, {2, 3});
  BOOST_CHECK_EQUAL(check_parameter_gradients(emb, [&] { return emb.forward(no_pad); }),
                    emb.num_parameters());
  Tensor ids = from_indices({1, 0, 4, 1, 5, 0}, {2, 3});
  emb.zero_grad();
  emb.forward(ids).sum().backward();
  for (int j = 0; j < 3; ++j) {
    BOOST_CHECK_EQUAL(emb.weight.grad().at({0, j}), 0.0f);  // padding row: no gradient
    BOOST_CHECK_EQUAL(emb.weight.grad().at({1, j}), 2.0f);  // id 1 used twice
  }
}

BOOST_AUTO_TEST_CASE(layer_norm_input_and_parameters) {
  LayerNorm ln(5);
  Generator g(4);
  ln.weight.data()[1] = 1.7f;  // away from the identity so the weight matters
  ln.bias.data()[2] = -0.3f;
  Tensor x = param({3, 5}, 5, -2.0f, 2.0f);
  ATTEND_CHECK_GRAD([&](const std::vector<Tensor>& in) { return ln.forward(in[0]); },
                    std::vector<Tensor>({x}));
  BOOST_CHECK_EQUAL(check_parameter_gradients(ln, [&] { return ln.forward(x.detach()); }), 10);
}

BOOST_AUTO_TEST_CASE(dropout_module_gradcheck_with_fixed_mask) {
  auto gen = std::make_shared<Generator>(7);
  Dropout drop(0.4f, gen);
  Tensor x = param({4, 6}, 8);
  // The same mask in every evaluation: re-seed the shared generator before each forward.
  ATTEND_CHECK_GRAD(
      [&](const std::vector<Tensor>& in) {
        gen->manual_seed(7);
        return drop.forward(in[0]);
      },
      std::vector<Tensor>({x}));
  drop.eval();
  BOOST_CHECK(drop.forward(x).is_same(x));
}

BOOST_AUTO_TEST_CASE(sequential_mlp_input_and_parameters) {
  Generator g(9);
  Sequential mlp({std::make_shared<Linear>(3, 4, g),
                  std::make_shared<Activation>("Tanh", attend::tanh),
                  std::make_shared<Linear>(4, 2, g)});
  Tensor x = param({5, 3}, 10);
  ATTEND_CHECK_GRAD([&](const std::vector<Tensor>& in) { return mlp.forward(in[0]); },
                    std::vector<Tensor>({x}));
  BOOST_CHECK_EQUAL(check_parameter_gradients(mlp, [&] { return mlp.forward(x.detach()); }),
                    mlp.num_parameters());
}

BOOST_AUTO_TEST_CASE(parameter_check_catches_a_wrong_gradient) {
  // A hook that scales the weight's gradient by 1.1 must make the parameter check fail.
  Generator g(11);
  Linear fc(3, 2, g);
  fc.weight.register_hook([](const Tensor& grad) { return grad * 1.1f; });
  Tensor x = param({4, 3}, 12);
  GradcheckResult res =
      gradcheck_parameters([&] { return fc.forward(x.detach()); }, fc.named_parameters());
  BOOST_CHECK(!res.ok);
  BOOST_CHECK_MESSAGE(res.message.find("parameter weight") != std::string::npos, res.message);
}

BOOST_AUTO_TEST_SUITE_END()
