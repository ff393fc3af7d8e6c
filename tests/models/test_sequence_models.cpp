// Seq2Seq (every cell and attention kind, bidirectional, input feeding) and the Transformer model
// (cached and uncached decoding, pre-LN, tied embeddings with separate and joint vocabularies):
// incremental decoding agrees with teacher forcing, padding changes nothing, parameter gradients
// match finite differences, each overfits a tiny batch, and bad hyperparameters are refused.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/registry.h"
#include "models/seq2seq.h"
#include "models/transformer_model.h"
#include "test_util.h"
#include "trainers/optim.h"

using namespace attend;

namespace {

constexpr int64_t kSrcVocab = 9, kTgtVocab = 8;

// Two right-padded sources of lengths 5 and 3 (pad id 0), and targets <bos>=1 y.
struct TinyBatch {
  Tensor source = from_indices({4, 5, 6, 7, 8, 5, 4, 6, 0, 0}, {2, 5});
  Tensor mask = from_vector({0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, {2, 5});
  Tensor target_input = from_indices({1, 4, 5, 6, 1, 7, 4, 3}, {2, 4});
  Tensor target_output = from_indices({4, 5, 6, 2, 7, 4, 3, 2}, {2, 4});
};

Seq2SeqOptions seq2seq_options(RNNMode cell, const std::string& attention, bool bidirectional,
                               bool feeding, int64_t layers = 1) {
  Seq2SeqOptions o;
  o.source_vocab = kSrcVocab;
  o.target_vocab = kTgtVocab;
  o.cell = cell;
  o.embedding_dim = 4;
  o.hidden = 5;
  o.layers = layers;
  o.bidirectional = bidirectional;
  o.attention = parse_attention_kind(attention);
  o.input_feeding = feeding;
  o.dropout = 0.0f;
  return o;
}

TransformerModelOptions transformer_options() {
  TransformerModelOptions o;
  o.source_vocab = kSrcVocab;
  o.target_vocab = kTgtVocab;
  o.d_model = 8;
  o.heads = 2;
  o.feedforward = 12;
  o.encoder_layers = 2;
  o.decoder_layers = 2;
  o.dropout = 0.0f;
  o.max_length = 16;
  return o;
}

// Every configuration the tests sweep, built fresh.
std::vector<std::pair<std::string, std::function<std::shared_ptr<SequenceModel>()>>> models() {
  std::vector<std::pair<std::string, std::function<std::shared_ptr<SequenceModel>()>>> out;
  const std::pair<RNNMode, const char*> cells[] = {
      {RNNMode::kRNN, "rnn"}, {RNNMode::kLSTM, "lstm"}, {RNNMode::kGRU, "gru"}};
  for (auto [cell, cell_name] : cells)
    for (const char* att : {"none", "additive", "dot", "general", "scaled"})
      for (bool feeding : {false, true}) {
        if (feeding && std::string(att) == "none") continue;
        const std::string name = std::string(cell_name) + "/" + att + (feeding ? "/feeding" : "");
        // cell = cell: clang before 16 cannot capture a structured binding implicitly.
        out.push_back({name, [=, cell = cell] {
                         Generator g(7);
                         return std::make_shared<Seq2Seq>(
                             seq2seq_options(cell, att, false, feeding), g, nullptr);
                       }});
      }
  for (const char* att : {"additive", "general", "none"})
    out.push_back({std::string("lstm/bidirectional/2 layers/") + att, [=] {
                     Generator g(8);
                     return std::make_shared<Seq2Seq>(
                         seq2seq_options(RNNMode::kLSTM, att, true, false, 2), g, nullptr);
                   }});
  out.push_back({"gru/bidirectional/feeding", [] {
                   Generator g(9);
                   return std::make_shared<Seq2Seq>(
                       seq2seq_options(RNNMode::kGRU, "additive", true, true), g, nullptr);
                 }});
  auto transformer = [&out](const std::string& name,
                            const std::function<void(TransformerModelOptions&)>& change,
                            bool kv_cache = true) {
    out.push_back({name, [=] {
                     TransformerModelOptions o = transformer_options();
                     change(o);
                     Generator g(10);
                     auto m = std::make_shared<TransformerModel>(o, g, nullptr);
                     m->kv_cache = kv_cache;
                     return m;
                   }});
  };
  transformer("transformer", [](TransformerModelOptions&) {});
  transformer(
      "transformer/uncached", [](TransformerModelOptions&) {}, false);
  transformer("transformer/pre-LN", [](TransformerModelOptions& o) { o.norm_first = true; });
  transformer("transformer/tied", [](TransformerModelOptions& o) { o.tie_embeddings = true; });
  transformer("transformer/tied joint", [](TransformerModelOptions& o) {
    o.tie_embeddings = o.joint_vocabulary = true;
    o.target_vocab = o.source_vocab;
  });
  return out;
}

// Logits of every step decoded one token at a time, fed the teacher's tokens: [B, T, V].
Tensor stepwise_logits(SequenceModel& m, const TinyBatch& b) {
  auto state = m.start_decoding(b.source, b.mask);
  std::vector<Tensor> steps;
  for (const Tensor& tokens : unbind(b.target_input, 1))
    steps.push_back(m.decode_step(*state, tokens));  // [B, V]
  return stack(steps, 1);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_sequence_models)

BOOST_AUTO_TEST_CASE(incremental_decoding_matches_teacher_forcing) {
  TinyBatch b;
  for (auto& [name, make] : models()) {
    BOOST_TEST_CONTEXT(name) {
      auto m = make();
      m->eval();
      NoGradGuard no_grad;
      Tensor full = m->forward(b.source, b.mask, b.target_input);
      BOOST_REQUIRE(full.shape() == Shape({2, 4, m->target_vocab_size()}));
      test::check_close(stepwise_logits(*m, b), full, 1e-5f, 1e-4f);
    }
  }
}

BOOST_AUTO_TEST_CASE(padding_changes_nothing) {
  // Row 1 alone, unpadded, must give the same logits as inside the padded batch.
  TinyBatch b;
  Tensor alone = from_indices({5, 4, 6}, {1, 3});
  for (auto& [name, make] : models()) {
    BOOST_TEST_CONTEXT(name) {
      auto m = make();
      m->eval();
      NoGradGuard no_grad;
      Tensor batched = narrow(m->forward(b.source, b.mask, b.target_input), 0, 1, 1);
      Tensor single = m->forward(alone, Tensor(), narrow(b.target_input, 0, 1, 1));
      test::check_close(single, batched, 1e-5f, 1e-4f);
    }
  }
}

BOOST_AUTO_TEST_CASE(reordering_the_state_reorders_the_rows) {
  TinyBatch b;
  Tensor swap = from_indices({1, 0, 1}, {3});
  for (auto& [name, make] : models()) {
    BOOST_TEST_CONTEXT(name) {
      auto m = make();
      m->eval();
      NoGradGuard no_grad;
      auto state = m->start_decoding(b.source, b.mask);
      Tensor first = m->decode_step(*state, from_indices({1, 1}, {2}));
      state->reorder(swap);
      Tensor second = m->decode_step(*state, from_indices({4, 5, 4}, {3}));  // [3, V]
      // The same as decoding the rows in the swapped order from the start.
      auto direct =
          m->start_decoding(index_select(b.source, 0, swap), index_select(b.mask, 0, swap));
      m->decode_step(*direct, from_indices({1, 1, 1}, {3}));
      test::check_close(second, m->decode_step(*direct, from_indices({4, 5, 4}, {3})), 1e-5f,
                        1e-4f);
      BOOST_CHECK(first.shape() == Shape({2, m->target_vocab_size()}));
    }
  }
}

BOOST_AUTO_TEST_CASE(parameter_gradients_match_finite_differences) {
  TinyBatch b;
  for (auto& [name, make] : models()) {
    // One configuration per code path keeps this fast; the sweep above covers the forward.
    // (Decoding with or without the cache, and pre-LN, train through the same layers' paths.)
    if (name.find("feeding") == std::string::npos &&
        name.find("transformer") == std::string::npos &&
        name.find("bidirectional") == std::string::npos && name.rfind("lstm/", 0) != 0)
      continue;
    if (name == "transformer/uncached" || name == "transformer/pre-LN") continue;
    BOOST_TEST_CONTEXT(name) {
      auto m = make();
      const int64_t V = m->target_vocab_size();
      auto loss = [&] {
        Tensor logits = m->forward(b.source, b.mask, b.target_input);
        return cross_entropy(reshape(logits, {-1, V}), reshape(b.target_output, {-1}), 0);
      };
      // The Transformer's ReLUs put kinks close to some elements: a smaller step keeps the
      // central difference on one side of them. A tied weight is one parameter, perturbed once:
      // its gradient must be the sum over all its uses.
      GradcheckOptions opt;
      if (name.rfind("transformer", 0) == 0) opt.eps = 1e-3;
      BOOST_CHECK_GT(test::check_parameter_gradients(*m, loss, opt), 100);
    }
  }
}

BOOST_AUTO_TEST_CASE(each_model_overfits_a_tiny_batch) {
  TinyBatch b;
  for (auto& [name, make] : models()) {
    if (name.find("dot") != std::string::npos || name.find("scaled") != std::string::npos ||
        name == "transformer/uncached")
      continue;  // same code path as general/additive for training; keeps the suite fast
    BOOST_TEST_CONTEXT(name) {
      auto m = make();
      const int64_t V = m->target_vocab_size();
      AdamOptions o;
      o.lr = 0.03f;
      Adam opt(m->parameters(), o);
      float last = 0;
      for (int step = 0; step < 150; ++step) {
        opt.zero_grad();
        Tensor logits = m->forward(b.source, b.mask, b.target_input);
        Tensor loss = cross_entropy(reshape(logits, {-1, V}), reshape(b.target_output, {-1}), 0);
        loss.backward();
        opt.step();
        last = loss.item();
      }
      BOOST_CHECK_LT(last, 0.05f);
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_hyperparameters_are_refused_with_their_name) {
  Generator g(1);
  auto message = [&](const Seq2SeqOptions& o) {
    try {
      Seq2Seq m(o, g, nullptr);
    } catch (const HyperparamError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  test::check_mentions(message(seq2seq_options(RNNMode::kLSTM, "dot", true, false)),
                       {"dot", "10", "5"});
  // An attention name is parsed once, from the hyperparameter, into the options' enum.
  test::check_mentions(
      [] {
        try {
          parse_attention_kind("luong");
        } catch (const HyperparamError& e) {
          return std::string(e.what());
        }
        return std::string("no error");
      }(),
      {"unknown attention", "luong"});
  TransformerModelOptions t = transformer_options();
  t.heads = 3;
  BOOST_CHECK_THROW(TransformerModel(t, g, nullptr), HyperparamError);
}

// Checkpoints store the attention and cell hyperparameters as these words: each parses back to
// its kind, and the hyperparameter's choices are exactly them.
BOOST_AUTO_TEST_CASE(attention_and_cell_names_are_the_stored_words) {
  const std::vector<std::pair<AttentionKind, std::string>> attentions = {
      {AttentionKind::kNone, "none"},
      {AttentionKind::kAdditive, "additive"},
      {AttentionKind::kDot, "dot"},
      {AttentionKind::kGeneral, "general"},
      {AttentionKind::kScaled, "scaled"}};
  for (const auto& [kind, name] : attentions) {
    BOOST_CHECK_EQUAL(to_string(kind), name);
    BOOST_CHECK(parse_attention_kind(name) == kind);
  }
  const std::vector<std::pair<RNNMode, std::string>> cells = {
      {RNNMode::kRNN, "rnn"}, {RNNMode::kLSTM, "lstm"}, {RNNMode::kGRU, "gru"}};
  for (const auto& [mode, name] : cells) {
    BOOST_CHECK_EQUAL(kCellKinds.name(mode), name);
    BOOST_CHECK(parse_cell_kind(name) == mode);
  }
  BOOST_CHECK_THROW(parse_cell_kind("transformer"), HyperparamError);
  for (const HyperparamSpec& s : seq2seq_model_entry().hyperparams) {
    if (s.name == "attention") BOOST_CHECK_EQUAL(s.choices.size(), attentions.size());
    if (s.name == "cell") BOOST_CHECK_EQUAL(s.choices.size(), cells.size());
  }
}

BOOST_AUTO_TEST_SUITE_END()
