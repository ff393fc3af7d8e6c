// The Transformer's tied embeddings (Press & Wolf 2017): one tensor behind the output projection
// and the target embedding (and the source embedding with a joint vocabulary), counted and
// stepped once, whose gradient is the sum of the gradients of its uses; and the
// "tie-embeddings" hyperparameter with the data's joint vocabulary.
//   V = vocabulary, d = d_model
#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "models/registry.h"
#include "models/transformer_model.h"
#include "test_util.h"
#include "trainers/optim.h"

using namespace attend;

namespace {

TransformerModelOptions options(bool tie, bool joint) {
  TransformerModelOptions o;
  o.source_vocab = joint ? 7 : 9;
  o.target_vocab = 7;
  o.d_model = 8;
  o.heads = 2;
  o.feedforward = 12;
  o.encoder_layers = 1;
  o.decoder_layers = 1;
  o.dropout = 0.0f;
  o.max_length = 16;
  o.tie_embeddings = tie;
  o.joint_vocabulary = joint;
  return o;
}

std::shared_ptr<TransformerModel> make(bool tie, bool joint) {
  Generator g(3);
  return std::make_shared<TransformerModel>(options(tie, joint), g, nullptr);
}

// Mean cross-entropy of a padded batch under teacher forcing.
Tensor loss(TransformerModel& m) {
  Tensor source = from_indices({4, 5, 6, 3, 5, 4, 0, 0}, {2, 4});
  Tensor mask = from_vector({0, 0, 0, 0, 0, 0, 1, 1}, {2, 4});
  Tensor input = from_indices({1, 4, 5, 1, 6, 3}, {2, 3});
  Tensor output = from_indices({4, 5, 2, 6, 3, 2}, {2, 3});
  Tensor logits = m.forward(source, mask, input);  // [2, 3, V]
  return cross_entropy(reshape(logits, {-1, 7}), reshape(output, {-1}), 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_transformer_model)

BOOST_AUTO_TEST_CASE(tied_weights_are_one_parameter) {
  auto untied = make(false, false), tied = make(true, false), joint = make(true, true);
  BOOST_CHECK(tied->output->weight.is_same(tied->target_embedding->weight));
  BOOST_CHECK(!tied->source_embedding->weight.is_same(tied->target_embedding->weight));
  BOOST_CHECK(joint->output->weight.is_same(joint->source_embedding->weight));
  BOOST_CHECK(joint->target_embedding->weight.is_same(joint->source_embedding->weight));
  // Counted once: V*d fewer values (two tables fewer with the joint vocabulary). The output
  // bias stays the projection's own.
  BOOST_CHECK_EQUAL(untied->num_parameters() - tied->num_parameters(), 7 * 8);
  BOOST_CHECK_EQUAL(untied->named_parameters().size() - tied->named_parameters().size(), 1u);
  BOOST_CHECK_EQUAL(untied->named_parameters().size() - joint->named_parameters().size(), 2u);
  bool named_by_first_use = false, output_listed = false;
  for (auto& [name, t] : tied->named_parameters()) {
    named_by_first_use = named_by_first_use || name == "target_embedding.weight";
    output_listed = output_listed || name == "output.weight";
  }
  BOOST_CHECK(named_by_first_use && !output_listed);
  BOOST_CHECK(tied->state_dict().count("output.weight"));  // state_dict keeps every name
  BOOST_CHECK(tied->state_dict().at("output.weight").is_same(tied->target_embedding->weight));
  BOOST_CHECK(tied->output->bias.defined());
}

// The tied tensor's gradient is the sum of what an untied model with the same values gives its
// separate tables: the engine accumulates every use into the one leaf.
BOOST_AUTO_TEST_CASE(tied_gradient_is_the_sum_over_the_uses) {
  for (bool joint : {false, true}) {
    BOOST_TEST_CONTEXT("joint " << joint) {
      auto untied = make(false, joint), tied = make(true, joint);
      copy_(untied->output->weight, untied->target_embedding->weight);
      if (joint) copy_(untied->source_embedding->weight, untied->target_embedding->weight);
      tied->load_state_dict(untied->state_dict());
      loss(*untied).backward();
      loss(*tied).backward();
      Tensor sum = untied->output->weight.grad() + untied->target_embedding->weight.grad();
      if (joint) sum = sum + untied->source_embedding->weight.grad();
      test::check_close(tied->output->weight.grad(), sum, 1e-6f, 1e-5f);
      // Every other parameter gets the same gradient either way.
      test::check_close(tied->output->bias.grad(), untied->output->bias.grad(), 1e-6f, 1e-5f);
      if (!joint)
        test::check_close(tied->source_embedding->weight.grad(),
                          untied->source_embedding->weight.grad(), 1e-6f, 1e-5f);
    }
  }
}

// An optimizer given parameters() updates the shared tensor once per step and it stays shared.
BOOST_AUTO_TEST_CASE(an_optimizer_steps_the_tied_weight_once) {
  auto tied = make(true, true);
  SGDOptions o;
  o.lr = 0.5f;
  SGD sgd(tied->parameters(), o);
  Tensor before = tied->output->weight.clone();
  loss(*tied).backward();
  Tensor expected = before - tied->output->weight.grad() * 0.5f;
  sgd.step();
  test::check_close(tied->source_embedding->weight, expected, 1e-6f, 1e-5f);
  BOOST_CHECK(tied->output->weight.is_same(tied->source_embedding->weight));
}

BOOST_AUTO_TEST_CASE(tie_embeddings_hyperparameter_follows_the_vocabulary) {
  const ModelEntry& entry = find_model("transformer");
  Hyperparams p(entry.hyperparams, {{"d-model", "8"}, {"heads", "2"}, {"tie-embeddings", "true"}});
  Generator g(1);
  ModelDims separate{9, 7, 0, 0, false}, joint{7, 7, 0, 0, true};
  auto a = std::dynamic_pointer_cast<TransformerModel>(entry.create(p, separate, g, nullptr));
  auto b = std::dynamic_pointer_cast<TransformerModel>(entry.create(p, joint, g, nullptr));
  BOOST_REQUIRE(a && b);
  BOOST_CHECK(a->output->weight.is_same(a->target_embedding->weight));
  BOOST_CHECK(!a->source_embedding->weight.is_same(a->target_embedding->weight));
  BOOST_CHECK(b->source_embedding->weight.is_same(b->target_embedding->weight));
  // Untied by default, whatever the vocabulary.
  auto c = std::dynamic_pointer_cast<TransformerModel>(
      entry.create(Hyperparams(entry.hyperparams, {}), joint, g, nullptr));
  BOOST_CHECK(!c->output->weight.is_same(c->target_embedding->weight));
  BOOST_CHECK(!c->source_embedding->weight.is_same(c->target_embedding->weight));
  // A joint vocabulary must be one vocabulary.
  TransformerModelOptions bad = options(true, true);
  bad.source_vocab = 9;
  test::check_mentions(
      [&] {
        try {
          TransformerModel m(bad, g, nullptr);
        } catch (const HyperparamError& e) {
          return std::string(e.what());
        }
        return std::string("no error");
      }(),
      {"joint vocabulary", "9", "7"});
}

BOOST_AUTO_TEST_SUITE_END()
