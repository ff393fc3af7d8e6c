// Linear, Embedding, LayerNorm, Dropout and Sequential: what finite differences cannot show
// (their gradients against finite differences are the layers' samples, layers/*.cpp, run by
// tests/study/test_descriptors.cpp): the padding row of an Embedding gets exactly no gradient,
// Dropout is the identity in eval(), and gradcheck_parameters catches a wrong parameter gradient.
#include <boost/test/unit_test.hpp>

#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/linear.h"
#include "test_util.h"

using namespace attend;
using attend::test::param;

BOOST_AUTO_TEST_SUITE(test_basic_layers)

BOOST_AUTO_TEST_CASE(embedding_padding_row_gets_no_gradient_and_repeats_add_up) {
  Generator g(3);
  Embedding emb(6, 3, g, /*padding_idx=*/0);
  Tensor ids = from_indices({1, 0, 4, 1, 5, 0}, {2, 3});
  emb.forward(ids).sum().backward();
  for (int j = 0; j < 3; ++j) {
    BOOST_CHECK_EQUAL(emb.weight.grad().at({0, j}), 0.0f);  // padding row: no gradient
    BOOST_CHECK_EQUAL(emb.weight.grad().at({1, j}), 2.0f);  // id 1 used twice
  }
}

BOOST_AUTO_TEST_CASE(dropout_module_is_the_identity_in_eval) {
  auto gen = std::make_shared<Generator>(7);
  Dropout drop(0.4f, gen);
  Tensor x = param({4, 6}, 8);
  drop.eval();
  BOOST_CHECK(drop.forward(x).is_same(x));
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
