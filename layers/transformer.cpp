#include "layers/transformer.h"

#include <map>
#include <numeric>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>
#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"

namespace attend {

// Subclasses register their modules in the order of PyTorch's __init__, so named_parameters()
// lists match. Without dropout a generator is never drawn from; a default keeps Dropout simple.
TransformerLayerBase::TransformerLayerBase(const TransformerLayerOptions& opt,
                                           std::shared_ptr<Generator> dropout_gen)
    : options(opt),
      dropout_gen_(dropout_gen ? std::move(dropout_gen) : std::make_shared<Generator>(0)) {}

std::shared_ptr<Dropout> TransformerLayerBase::make_dropout(const std::string& name) {
  return register_module(name, std::make_shared<Dropout>(options.dropout, dropout_gen_));
}

Tensor TransformerLayerBase::feed_forward(const Tensor& x) {
  Tensor h = linear1->forward(x);  // [B, T, F]
  h = options.gelu ? gelu(h) : relu(h);
  return linear2->forward(dropout->forward(h));  // [B, T, E]
}

TransformerEncoderLayer::TransformerEncoderLayer(const TransformerLayerOptions& opt, Generator& gen,
                                                 std::shared_ptr<Generator> dropout_gen)
    : TransformerLayerBase(opt, std::move(dropout_gen)) {
  self_attn = register_module(
      "self_attn", std::make_shared<MultiheadAttention>(opt.d_model, opt.nhead, gen, opt.dropout,
                                                        true, dropout_gen_));
  linear1 =
      register_module("linear1", std::make_shared<Linear>(opt.d_model, opt.dim_feedforward, gen));
  dropout = make_dropout("dropout");
  linear2 =
      register_module("linear2", std::make_shared<Linear>(opt.dim_feedforward, opt.d_model, gen));
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(opt.d_model, opt.layer_norm_eps));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(opt.d_model, opt.layer_norm_eps));
  dropout1 = make_dropout("dropout1");
  dropout2 = make_dropout("dropout2");
}

Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask,
                                        const Tensor& kpm) {
  auto sa = [&](const Tensor& x) {
    auto r = self_attn->forward(x, x, x, kpm, src_mask, keep_attention, false);
    if (keep_attention) last_attention = r.weights.detach();
    return dropout1->forward(r.output);
  };
  Tensor x = src;
  if (options.norm_first) {
    x = x + sa(norm1->forward(x));
    return x + dropout2->forward(feed_forward(norm2->forward(x)));
  }
  x = norm1->forward(x + sa(x));
  return norm2->forward(x + dropout2->forward(feed_forward(x)));
}

TransformerDecoderLayer::TransformerDecoderLayer(const TransformerLayerOptions& opt, Generator& gen,
                                                 std::shared_ptr<Generator> dropout_gen)
    : TransformerLayerBase(opt, std::move(dropout_gen)) {
  self_attn = register_module(
      "self_attn", std::make_shared<MultiheadAttention>(opt.d_model, opt.nhead, gen, opt.dropout,
                                                        true, dropout_gen_));
  multihead_attn = register_module(
      "multihead_attn", std::make_shared<MultiheadAttention>(opt.d_model, opt.nhead, gen,
                                                             opt.dropout, true, dropout_gen_));
  linear1 =
      register_module("linear1", std::make_shared<Linear>(opt.d_model, opt.dim_feedforward, gen));
  dropout = make_dropout("dropout");
  linear2 =
      register_module("linear2", std::make_shared<Linear>(opt.dim_feedforward, opt.d_model, gen));
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(opt.d_model, opt.layer_norm_eps));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(opt.d_model, opt.layer_norm_eps));
  norm3 = register_module("norm3", std::make_shared<LayerNorm>(opt.d_model, opt.layer_norm_eps));
  dropout1 = make_dropout("dropout1");
  dropout2 = make_dropout("dropout2");
  dropout3 = make_dropout("dropout3");
}

Tensor TransformerDecoderLayer::residual_blocks(const Tensor& tgt, const Sublayer& sa,
                                                const Sublayer& ca) {
  Tensor x = tgt;
  if (options.norm_first) {
    x = x + dropout1->forward(sa(norm1->forward(x)));
    x = x + dropout2->forward(ca(norm2->forward(x)));
    return x + dropout3->forward(feed_forward(norm3->forward(x)));
  }
  x = norm1->forward(x + dropout1->forward(sa(x)));
  x = norm2->forward(x + dropout2->forward(ca(x)));
  return norm3->forward(x + dropout3->forward(feed_forward(x)));
}

Tensor TransformerDecoderLayer::forward(const Tensor& tgt, const Tensor& memory,
                                        const Tensor& tgt_mask, const Tensor& memory_mask,
                                        const Tensor& tgt_kpm, const Tensor& memory_kpm) {
  auto sa = [&](const Tensor& x) {
    auto r = self_attn->forward(x, x, x, tgt_kpm, tgt_mask, keep_attention, false);
    if (keep_attention) last_self_attention = r.weights.detach();
    return r.output;
  };
  auto ca = [&](const Tensor& x) {
    auto r =
        multihead_attn->forward(x, memory, memory, memory_kpm, memory_mask, keep_attention, false);
    if (keep_attention) last_cross_attention = r.weights.detach();
    return r.output;
  };
  return residual_blocks(tgt, sa, ca);
}

Tensor TransformerDecoderLayer::forward_step(const Tensor& tgt,
                                             TransformerDecoderLayerCache& cache) {
  auto sa = [&](const Tensor& x) {
    auto r = self_attn->forward_incremental(x, cache.self_attn, Tensor(), keep_attention, false);
    if (keep_attention) last_self_attention = r.weights.detach();
    return r.output;
  };
  auto ca = [&](const Tensor& x) {
    auto r = multihead_attn->forward_cached(x, cache.cross_attn, keep_attention, false);
    if (keep_attention) last_cross_attention = r.weights.detach();
    return r.output;
  };
  return residual_blocks(tgt, sa, ca);
}

Tensor TransformerEncoder::forward(const Tensor& src, const Tensor& mask, const Tensor& kpm) {
  Tensor x = src;
  for (auto& l : layers) x = l->forward(x, mask, kpm);
  return finish(x);
}

Tensor TransformerDecoder::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                   const Tensor& memory_mask, const Tensor& tgt_kpm,
                                   const Tensor& memory_kpm) {
  Tensor x = tgt;
  for (auto& l : layers) x = l->forward(x, memory, tgt_mask, memory_mask, tgt_kpm, memory_kpm);
  return finish(x);
}

void TransformerDecoderCache::reorder(const Tensor& rows) {
  if (layers.empty()) return;  // no cache (decoding without one): nothing to move
  std::vector<int64_t> moved(static_cast<size_t>(rows.numel()));
  for (size_t i = 0; i < moved.size(); ++i) {
    const auto r = static_cast<int64_t>(rows.data()[i]);
    if (r < 0 || r >= static_cast<int64_t>(memory_rows.size()))
      throw ShapeError("TransformerDecoderCache::reorder: row " + std::to_string(r) +
                       " of a cache of " + std::to_string(memory_rows.size()) + " rows");
    moved[i] = memory_rows[static_cast<size_t>(r)];
  }
  const bool same_memory = moved == memory_rows;
  for (TransformerDecoderLayerCache& layer : layers) {
    layer.self_attn.reorder(rows);
    if (!same_memory) layer.cross_attn.reorder(rows);
  }
  memory_rows = std::move(moved);
}

TransformerDecoderCache TransformerDecoder::start_cache(const Tensor& memory,
                                                        const Tensor& memory_kpm) const {
  TransformerDecoderCache cache;
  cache.layers.resize(layers.size());
  for (size_t i = 0; i < layers.size(); ++i)
    layers[i]->multihead_attn->cache_memory(memory, cache.layers[i].cross_attn, memory_kpm);
  cache.memory_rows.resize(static_cast<size_t>(memory.size(0)));  // memory is [B, S, E] here
  std::iota(cache.memory_rows.begin(), cache.memory_rows.end(), int64_t{0});
  return cache;
}

Tensor TransformerDecoder::forward_step(const Tensor& tgt, TransformerDecoderCache& cache) {
  if (cache.layers.size() != layers.size())
    throw std::invalid_argument("TransformerDecoder::forward_step: the cache has " +
                                std::to_string(cache.layers.size()) + " layers, the decoder " +
                                std::to_string(layers.size()) + " (use start_cache)");
  Tensor x = tgt;
  for (size_t i = 0; i < layers.size(); ++i) x = layers[i]->forward_step(x, cache.layers[i]);
  return finish(x);
}

// --- descriptors ---------------------------------------------------------------------------------
// d_model 4, 2 heads, feed-forward 8, no dropout, GELU: finite differences need smooth functions,
// and ReLU's kink at 0 can sit inside the +-eps step (ReLU's gradients are compared with torch in
// the fixtures instead). They also need moderate curvature: a LayerNorm over 4 features whose
// input row has a small spread has derivatives of order 40 and curvature to match, and the default
// step eps = 1e-2 then has a truncation error above tolerance (seen: analytic -39.996, numeric
// -39.303 at eps 1e-2, -39.933 at 3e-3); these samples use 0.3 of the step, where float32
// rounding of the O(1) forward values is still far below tolerance, and inputs drawn uniform or
// with rows standardised (which keeps the spread up).
//
// Fixtures (attention.txt): tolerances |attend - torch| <= atol + rtol * |torch| with rtol = 1e-5.
// attend's GEMMs (OpenBLAS) and softmax sum in a different order than torch's, so a result that
// is a sum of cancelling O(1) terms (gradients especially) carries an absolute error of a few ulps
// of its largest term (float32 epsilon 1.2e-7), not of the result; each comparison logs the
// smallest atol that would have passed ("needs atol"), and the atols are 3 to 9 times the largest
// of those measured (torch 1.13, OpenBLAS 0.3.21).

namespace {

constexpr double kLayerNormEps = 0.3;  // of the finite-difference step

TransformerLayerOptions small_options(bool norm_first) {
  return {.d_model = 4,
          .nhead = 2,
          .dim_feedforward = 8,
          .dropout = 0.0f,
          .gelu = true,
          .norm_first = norm_first};
}

// Inputs [B, T, 4] of the two kinds.
Tensor layer_input(const Shape& s, uint64_t seed, bool standardized) {
  return standardized ? standardized_rows(s, seed) : make_input(s, seed);
}

const char* ln_name(bool norm_first) {
  return norm_first ? "pre-LN" : "post-LN";
}

// A fixture's layer options.
TransformerLayerOptions fixture_options(const FixtureTensors& t) {
  TransformerLayerOptions o;
  o.d_model = t.iopt("d_model");
  o.nhead = t.iopt("nhead");
  o.dim_feedforward = t.iopt("dim_feedforward");
  o.dropout = 0.0f;
  o.norm_first = t.iopt("norm_first") != 0;
  o.gelu = t.iopt("gelu") != 0;
  return o;
}

// attend's causal_mask(T) where torch used generate_square_subsequent_mask(T).
Tensor causal_if(const std::map<std::string, Tensor>& in, int64_t t) {
  const Tensor& causal = in.at("opt.causal");
  return causal.defined() && causal.item() != 0.0f ? causal_mask(t) : Tensor();
}

using Named = std::vector<std::pair<std::string, Tensor>>;

// An encoder (layer or stack) case: y = forward(src, causal if any, src_key_padding_mask).
template <class M>
FixtureCase encoder_fixture(const char* key, Tolerance fwd, Tolerance bwd) {
  return layer_fixture(
      "attention.txt", key,
      [](const FixtureTensors& t) -> std::shared_ptr<Module> {
        Generator gen(1);  // the initial values are overwritten by torch's
        if constexpr (std::is_same_v<M, TransformerEncoder>)
          return std::make_shared<M>(fixture_options(t), t.iopt("num_layers"), gen);
        else
          return std::make_shared<M>(fixture_options(t), gen);
      },
      {"src"}, {"src_key_padding_mask", "opt.causal"},
      [](Module& m, const std::map<std::string, Tensor>& in) {
        const Tensor& src = in.at("src");
        return Named{{"y", static_cast<M&>(m).forward(src, causal_if(in, src.size(1)),
                                                      in.at("src_key_padding_mask"))}};
      },
      fwd, bwd);
}

// A decoder (layer or stack) case: y = forward(tgt, memory, causal if any, memory_mask, masks).
template <class M>
FixtureCase decoder_fixture(const char* key, Tolerance fwd, Tolerance bwd) {
  return layer_fixture(
      "attention.txt", key,
      [](const FixtureTensors& t) -> std::shared_ptr<Module> {
        Generator gen(1);
        if constexpr (std::is_same_v<M, TransformerDecoder>)
          return std::make_shared<M>(fixture_options(t), t.iopt("num_layers"), gen);
        else
          return std::make_shared<M>(fixture_options(t), gen);
      },
      {"tgt", "memory"},
      {"tgt_key_padding_mask", "memory_key_padding_mask", "memory_mask", "opt.causal"},
      [](Module& m, const std::map<std::string, Tensor>& in) {
        const Tensor& tgt = in.at("tgt");
        return Named{
            {"y", static_cast<M&>(m).forward(tgt, in.at("memory"), causal_if(in, tgt.size(1)),
                                             in.at("memory_mask"), in.at("tgt_key_padding_mask"),
                                             in.at("memory_key_padding_mask"))}};
      },
      fwd, bwd);
}

}  // namespace

// Post-LN and pre-LN, padding and causal masks. Fixtures: attention, two LayerNorms (which divide
// by a standard deviation that can be well below 1, amplifying absolute rounding) and a 16-wide
// feed-forward, post-LN, pre-LN and GELU. Forward: needs atol 0, given 5e-7. The gradients pass
// back through every block and each LayerNorm backward (which subtracts two means of products):
// needs atol <= 4.7e-7, given 2e-6.
const LayerInfo transformer_encoder_layer_layer{
    .name = "TransformerEncoderLayer",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          std::vector<Sample> out;
          for (bool norm_first : {false, true})
            for (bool standardized : {false, true}) {
              Generator gen(70);
              auto m = std::make_shared<TransformerEncoderLayer>(small_options(norm_first), gen);
              randomise_biases(*m, 71);
              out.push_back(layer_sample(
                  std::string(ln_name(norm_first)) + (standardized ? ", rows standardised" : ""), m,
                  {{"src", layer_input({2, 4, 4}, 72, standardized)}},
                  [m, pad = key_padding({4, 3}, 4)](const Inputs& x) {
                    return m->forward(x[0], causal_mask(4), pad);
                  },
                  kLayerNormEps));
            }
          return out;
        },
    .fixtures =
        [] {
          std::vector<FixtureCase> out;
          for (const char* key : {"enc_post", "enc_pre", "enc_gelu"})
            out.push_back(
                encoder_fixture<TransformerEncoderLayer>(key, {5e-7f, 1e-5f}, {2e-6f, 1e-5f}));
          return out;
        }};

// Post-LN and pre-LN, self-attention padding and causal masks, memory padding.
const LayerInfo transformer_decoder_layer_layer{
    .name = "TransformerDecoderLayer",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          std::vector<Sample> out;
          for (bool norm_first : {false, true})
            for (bool standardized : {false, true}) {
              Generator gen(80);
              auto m = std::make_shared<TransformerDecoderLayer>(small_options(norm_first), gen);
              randomise_biases(*m, 81);
              out.push_back(layer_sample(
                  std::string(ln_name(norm_first)) + (standardized ? ", rows standardised" : ""), m,
                  {{"tgt", layer_input({2, 3, 4}, 82, standardized)},
                   {"memory", layer_input({2, 4, 4}, 83, standardized)}},
                  [m, tpad = key_padding({3, 2}, 3),
                   mpad = key_padding({4, 2}, 4)](const Inputs& x) {
                    return m->forward(x[0], x[1], causal_mask(3), Tensor(), tpad, mpad);
                  },
                  // Pre-LN on uniform inputs: a row of close values sharpens the first
                  // LayerNorm's curvature further; at 0.3 of the step cotangents 28 and 42 fail.
                  norm_first && !standardized ? 0.1 : kLayerNormEps));
            }
          return out;
        },
    .fixtures =
        [] {
          std::vector<FixtureCase> out;
          for (const char* key : {"dec_post", "dec_pre"})
            out.push_back(
                decoder_fixture<TransformerDecoderLayer>(key, {5e-7f, 1e-5f}, {2e-6f, 1e-5f}));
          return out;
        }};

// Two layers and the final LayerNorm. Fixture: twice the depth of a layer; forward needs atol 0,
// given 5e-7; gradients need <= 8.7e-7, given 3e-6.
const LayerInfo transformer_encoder_layer{
    .name = "TransformerEncoder",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          std::vector<Sample> out;
          for (auto [x_shape, x_seed, lengths, standardized] :
               {std::tuple<Shape, uint64_t, std::vector<int64_t>, bool>{
                    {2, 3, 4}, 92, {3, 2}, true},
                {{2, 4, 4}, 93, {4, 3}, false}}) {
            Generator gen(90);
            auto m = std::make_shared<TransformerEncoder>(small_options(false), 2, gen);
            randomise_biases(*m, 91);
            out.push_back(layer_sample(
                "post-LN " + x_shape.str() + (standardized ? ", rows standardised" : ""), m,
                {{"src", layer_input(x_shape, x_seed, standardized)}},
                [m, pad = key_padding(lengths, x_shape[1])](const Inputs& x) {
                  return m->forward(x[0], Tensor(), pad);
                },
                kLayerNormEps));
          }
          return out;
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{
              encoder_fixture<TransformerEncoder>("enc_stack", {5e-7f, 1e-5f}, {3e-6f, 1e-5f})};
        }};

// Two pre-LN layers and the final LayerNorm; and the whole encoder-decoder, checked with respect
// to the source, the target and every parameter of both stacks.
const LayerInfo transformer_decoder_layer{
    .name = "TransformerDecoder",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          std::vector<Sample> out;
          {
            Generator gen(93);
            auto m = std::make_shared<TransformerDecoder>(small_options(true), 2, gen);
            randomise_biases(*m, 94);
            out.push_back(layer_sample(
                "pre-LN, rows standardised, causal", m,
                {{"tgt", standardized_rows({2, 3, 4}, 95)},
                 {"memory", standardized_rows({2, 3, 4}, 96)}},
                [m](const Inputs& x) { return m->forward(x[0], x[1], causal_mask(3)); },
                kLayerNormEps));
          }
          Generator gen(90);
          auto enc = std::make_shared<TransformerEncoder>(small_options(false), 2, gen);
          auto dec = std::make_shared<TransformerDecoder>(small_options(true), 2, gen);
          randomise_biases(*enc, 91);
          randomise_biases(*dec, 92);
          const Tensor src = make_input({2, 4, 4}, 93), spad = key_padding({4, 3}, 4),
                       tpad = key_padding({3, 3}, 3);
          Tensor memory;
          {
            NoGradGuard ng;
            memory = enc->forward(src, Tensor(), spad);
          }
          auto decode = [dec, spad, tpad](const Tensor& tgt, const Tensor& mem) {
            return dec->forward(tgt, mem, causal_mask(3), Tensor(), tpad, spad);
          };
          out.push_back(layer_sample(
              "pre-LN, padding and causal, memory a constant", dec,
              {{"tgt", make_input({2, 3, 4}, 94)}, {"memory", memory}},
              [decode](const Inputs& x) { return decode(x[0], x[1]); }, kLayerNormEps));
          Sample both = layer_sample(
              "under a post-LN encoder", dec,
              {{"src", make_input({2, 4, 4}, 93)}, {"tgt", make_input({2, 3, 4}, 94)}},
              [enc, spad, decode](const Inputs& x) {
                return decode(x[1], enc->forward(x[0], Tensor(), spad));
              },
              kLayerNormEps);
          for (auto& [name, p] : both.parameters) name = "decoder." + name;
          for (auto& [name, p] : enc->named_parameters())
            both.parameters.emplace_back("encoder." + name, p);
          out.push_back(std::move(both));
          return out;
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{
              decoder_fixture<TransformerDecoder>("dec_stack", {5e-7f, 1e-5f}, {3e-6f, 1e-5f})};
        }};

// A container that only names its children "0", "1", ...: their parameters are its own.
const LayerInfo module_list_layer{
    .name = "ModuleList", .kind = OpKind::kLayer, .samples = [] {
      Generator gen(3);
      auto list = std::make_shared<ModuleList>();
      auto first = list->push_back(std::make_shared<Linear>(3, 4, gen));
      auto second = list->push_back(std::make_shared<Linear>(4, 2, gen));
      return std::vector<Sample>{layer_sample("two Linear in turn (parameters 0.* and 1.*)", list,
                                              {{"x", make_input({2, 3}, 4)}},
                                              [first, second](const Inputs& x) {
                                                return second->forward(tanh(first->forward(x[0])));
                                              })};
    }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> transformer_layer_infos() {
  return {&transformer_encoder_layer_layer, &transformer_decoder_layer_layer,
          &transformer_encoder_layer, &transformer_decoder_layer, &module_list_layer};
}

}  // namespace attend
