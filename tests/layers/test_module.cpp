// Module: registration, dotted names, train/eval, zero_grad, state dicts, printing.
#include <boost/test/unit_test.hpp>

#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/sequential.h"
#include "test_util.h"

using namespace attend;

namespace {

struct Block : Module {
  explicit Block(Generator& g) {
    fc = register_module("fc", std::make_shared<Linear>(4, 3, g));
    norm = register_module("norm", std::make_shared<LayerNorm>(3));
    scale = register_parameter("scale", ones({1}));
  }
  std::string type_name() const override { return "Block"; }
  std::shared_ptr<Linear> fc;
  std::shared_ptr<LayerNorm> norm;
  Tensor scale;
};

struct Net : Module {
  explicit Net(Generator& g) {
    emb = register_module("emb", std::make_shared<Embedding>(10, 4, g, 0));
    block = register_module("block", std::make_shared<Block>(g));
    drop = register_module("drop", std::make_shared<Dropout>(0.5f, std::make_shared<Generator>(1)));
  }
  std::string type_name() const override { return "Net"; }
  std::shared_ptr<Embedding> emb;
  std::shared_ptr<Block> block;
  std::shared_ptr<Dropout> drop;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(test_module)

BOOST_AUTO_TEST_CASE(named_parameters_are_dotted_and_ordered) {
  Generator g(0);
  Net net(g);
  std::vector<std::string> names;
  for (auto& [n, t] : net.named_parameters()) names.push_back(n);
  std::vector<std::string> expected = {"emb.weight",    "block.scale",       "block.fc.weight",
                                       "block.fc.bias", "block.norm.weight", "block.norm.bias"};
  BOOST_CHECK_EQUAL_COLLECTIONS(names.begin(), names.end(), expected.begin(), expected.end());
  BOOST_CHECK_EQUAL(net.num_parameters(), 40 + 1 + 12 + 3 + 3 + 3);
  for (const Tensor& p : net.parameters()) BOOST_CHECK(p.requires_grad());
  BOOST_CHECK_EQUAL(net.parameters(/*recurse=*/false).size(), 0u);
}

BOOST_AUTO_TEST_CASE(register_rejects_dots_and_duplicates) {
  struct Bad : Module {
    std::string type_name() const override { return "Bad"; }
    void add(const std::string& n) { register_parameter(n, zeros({1})); }
  } bad;
  BOOST_CHECK_THROW(bad.add("a.b"), std::invalid_argument);
  bad.add("w");
  BOOST_CHECK_THROW(bad.add("w"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(train_eval_reaches_every_submodule) {
  Generator g(0);
  Net net(g);
  BOOST_CHECK(net.drop->is_training());
  net.eval();
  BOOST_CHECK(!net.drop->is_training());
  BOOST_CHECK(!net.block->norm->is_training());
  Tensor x = ones({100});
  BOOST_CHECK(net.drop->forward(x).is_same(x));  // eval dropout is the identity
  net.train();
  Tensor y = net.drop->forward(x);
  int zeros_seen = 0;
  for (int i = 0; i < 100; ++i) zeros_seen += y.data()[i] == 0.0f;
  BOOST_CHECK(zeros_seen > 20 && zeros_seen < 80);
}

BOOST_AUTO_TEST_CASE(zero_grad_clears_all) {
  Generator g(0);
  Net net(g);
  Tensor out = net.block->fc->forward(net.emb->forward(from_indices({1, 2}, {2})));
  out.sum().backward();
  BOOST_CHECK(net.block->fc->weight.grad().defined());
  net.zero_grad();
  for (const Tensor& p : net.parameters()) BOOST_CHECK(!p.grad().defined());
}

BOOST_AUTO_TEST_CASE(state_dict_round_trip_and_errors) {
  Generator g1(1), g2(2);
  Net a(g1), b(g2);
  BOOST_CHECK_NE(a.block->fc->weight.data()[0], b.block->fc->weight.data()[0]);
  b.load_state_dict(a.state_dict());
  for (auto& [n, t] : a.state_dict()) attend::test::check_close(b.state_dict().at(n), t, 0, 0);
  // Loading copies values: the tensors held by b's layers are the same objects as before.
  BOOST_CHECK_EQUAL(b.block->fc->weight.data()[0], a.block->fc->weight.data()[0]);

  auto sd = a.state_dict();
  sd["block.fc.weight"] = zeros({2, 2});
  const float before = b.block->fc->bias.data()[0];
  try {
    b.load_state_dict(sd);
    BOOST_FAIL("no error");
  } catch (const std::invalid_argument& e) {
    BOOST_CHECK(std::string(e.what()).find("block.fc.weight") != std::string::npos);
    BOOST_CHECK(std::string(e.what()).find("[2, 2]") != std::string::npos);
  }
  BOOST_CHECK_EQUAL(b.block->fc->bias.data()[0], before);  // nothing changed
  auto missing = a.state_dict();
  missing.erase("emb.weight");
  BOOST_CHECK_THROW(b.load_state_dict(missing), std::invalid_argument);
  BOOST_CHECK_NO_THROW(b.load_state_dict(missing, /*strict=*/false));
  auto extra = a.state_dict();
  extra["nope"] = zeros({1});
  BOOST_CHECK_THROW(b.load_state_dict(extra), std::invalid_argument);
}

// Weight tying: one tensor under two names. parameters() and named_parameters() list it once
// (first name), state_dict() under both, and a state dict needs only one of them.
BOOST_AUTO_TEST_CASE(tied_parameters_are_listed_once) {
  Generator g(1);
  struct Tied : Module {
    explicit Tied(Generator& g) {
      emb = register_module("emb", std::make_shared<Embedding>(3, 4, g));
      out = register_module("out", std::make_shared<Linear>(4, 3, g));
      out->tie_weight(emb->weight);
    }
    std::string type_name() const override { return "Tied"; }
    std::shared_ptr<Embedding> emb;
    std::shared_ptr<Linear> out;
  } m(g);
  BOOST_CHECK(m.out->weight.is_same(m.emb->weight));
  std::vector<std::string> names;
  for (auto& [n, t] : m.named_parameters()) names.push_back(n);
  BOOST_CHECK((names == std::vector<std::string>{"emb.weight", "out.bias"}));
  BOOST_CHECK_EQUAL(m.parameters().size(), 2u);
  BOOST_CHECK_EQUAL(m.num_parameters(), 12 + 3);
  BOOST_CHECK_EQUAL(m.state_dict().size(), 3u);
  BOOST_CHECK(m.state_dict().at("out.weight").is_same(m.emb->weight));

  Generator g2(2);
  Tied other(g2);
  auto sd = other.state_dict();
  sd.erase("out.weight");
  m.load_state_dict(sd);  // loaded through emb.weight
  attend::test::check_close(m.out->weight, other.emb->weight, 0, 0);
  sd.erase("emb.weight");  // now neither name of the tied tensor is there
  BOOST_CHECK_THROW(m.load_state_dict(sd), std::invalid_argument);

  // Only a parameter of the same shape can be tied, and only an existing name.
  Linear wrong(4, 5, g);
  BOOST_CHECK_THROW(wrong.tie_weight(m.emb->weight), std::invalid_argument);
  struct Probe : Linear {
    using Linear::Linear;
    void tie(const std::string& name, const Tensor& t) { tie_parameter(name, t); }
  } probe(4, 3, g);
  BOOST_CHECK_THROW(probe.tie("kernel", m.emb->weight), std::invalid_argument);
  BOOST_CHECK_THROW(probe.tie("weight", m.emb->weight.detach()), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(prints_like_pytorch) {
  Generator g(0);
  Sequential seq({std::make_shared<Linear>(4, 8, g), std::make_shared<Activation>("ReLU", relu),
                  std::make_shared<Linear>(8, 2, g, false)});
  const std::string expected =
      "Sequential(\n"
      "  (0): Linear(in_features=4, out_features=8, bias=True)\n"
      "  (1): ReLU()\n"
      "  (2): Linear(in_features=8, out_features=2, bias=False)\n"
      ")";
  BOOST_CHECK_EQUAL(seq.str(), expected);
  BOOST_CHECK_EQUAL(seq.forward(ones({5, 4})).shape(), Shape({5, 2}));
}

BOOST_AUTO_TEST_CASE(layer_initialisation_follows_pytorch) {
  Generator g(0);
  Linear fc(100, 50, g);
  const float bound = 0.1f;  // 1/sqrt(100)
  float lo = 1, hi = -1;
  for (int64_t i = 0; i < fc.weight.numel(); ++i) {
    lo = std::min(lo, fc.weight.data()[i]);
    hi = std::max(hi, fc.weight.data()[i]);
  }
  BOOST_CHECK(lo >= -bound && hi <= bound && lo < -0.09f && hi > 0.09f);
  Embedding emb(5, 3, g, 2);
  for (int j = 0; j < 3; ++j) BOOST_CHECK_EQUAL(emb.weight.at({2, j}), 0.0f);
  LayerNorm ln(6);
  BOOST_CHECK_EQUAL(ln.weight.data()[0], 1.0f);
  BOOST_CHECK_EQUAL(ln.bias.data()[0], 0.0f);
}

BOOST_AUTO_TEST_SUITE_END()
