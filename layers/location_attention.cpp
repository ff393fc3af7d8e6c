#include "layers/location_attention.h"

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"

namespace attend {
namespace {

constexpr const char* kWho = "LocationAwareAttention";

void check_shapes(const Tensor& q, const Tensor& pkeys, const Tensor& values, int64_t query_dim,
                  int64_t attn_dim) {
  const bool ok = q.ndim() == 3 && pkeys.ndim() == 3 && values.ndim() == 3 &&
                  q.size(0) == pkeys.size(0) && pkeys.size(0) == values.size(0) &&
                  pkeys.size(1) == values.size(1) && q.size(2) == query_dim &&
                  pkeys.size(2) == attn_dim;
  if (!ok)
    throw ShapeError(std::string(kWho) + ": query " + q.shape().str() + ", projected keys " +
                     pkeys.shape().str() + " and values " + values.shape().str() +
                     " must be [B, Tq, " + std::to_string(query_dim) + "], [B, Tk, " +
                     std::to_string(attn_dim) + "], [B, Tk, Dv]");
}

void check_mask(const Tensor& mask, const Shape& want, const char* what) {
  if (mask.defined() && !(mask.shape() == want))
    throw ShapeError(std::string(kWho) + ": " + what + " of shape " + mask.shape().str() +
                     " must be " + want.str());
}

}  // namespace

LocationAwareAttention::LocationAwareAttention(int64_t query_dim, int64_t key_dim, int64_t attn_dim,
                                               int64_t filters, int64_t width, Generator& gen) {
  if (width < 1 || width % 2 == 0)
    throw std::invalid_argument(std::string(kWho) +
                                ": the location filter width must be odd (the features keep the "
                                "keys' length), got " +
                                std::to_string(width));
  query_proj =
      register_module("query_proj", std::make_shared<Linear>(query_dim, attn_dim, gen, true));
  key_proj = register_module("key_proj", std::make_shared<Linear>(key_dim, attn_dim, gen, false));
  location_conv = register_module(
      "location_conv", std::make_shared<Conv1d>(1, filters, width, gen, width / 2, false));
  location_proj =
      register_module("location_proj", std::make_shared<Linear>(filters, attn_dim, gen, false));
  const float bound = 1.0f / std::sqrt(static_cast<float>(attn_dim));
  v = register_parameter("v", uniform({attn_dim}, -bound, bound, gen));
}

Tensor LocationAwareAttention::initial_alignment(int64_t B, int64_t Tk,
                                                 const Tensor& key_padding_mask) {
  Tensor a = Tensor::empty({B, 1, Tk});
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = Tk;
    if (key_padding_mask.defined()) {
      n = 0;
      for (int64_t j = 0; j < Tk; ++j) n += key_padding_mask.data()[b * Tk + j] == 0.0f;
    }
    for (int64_t j = 0; j < Tk; ++j) {
      const bool real = !key_padding_mask.defined() || key_padding_mask.data()[b * Tk + j] == 0.0f;
      a.data()[b * Tk + j] = real && n > 0 ? 1.0f / static_cast<float>(n) : 0.0f;
    }
  }
  return a;
}

AttentionResult LocationAwareAttention::step(const Tensor& query, const Tensor& pkeys,
                                             const Tensor& values, const Tensor& previous,
                                             const Tensor& key_padding_mask,
                                             const Tensor& attn_mask) {
  check_shapes(query, pkeys, values, query_proj->in_features, v.numel());
  const int64_t B = pkeys.size(0), Tk = pkeys.size(1);
  if (query.size(1) != 1)
    throw ShapeError(std::string(kWho) + ": step takes one query per row, got " +
                     query.shape().str());
  check_mask(previous, Shape{B, 1, Tk}, "previous alignment");
  check_mask(key_padding_mask, Shape{B, Tk}, "key_padding_mask");
  check_mask(attn_mask, Shape{1, Tk}, "attn_mask (this step's row)");
  // U (F * a_{i-1}): [B, 1, Tk] -> [B, k, Tk] -> [B, Tk, k] -> [B, Tk, A]
  Tensor location = location_proj->forward(transpose(location_conv->forward(previous), 1, 2));
  Tensor scores = additive_attention_score(query_proj->forward(query), pkeys + location, v);
  return attention_from_scores(scores, values, key_padding_mask, attn_mask);  // [B, 1, *]
}

AttentionResult LocationAwareAttention::forward(const Tensor& query, const Tensor& keys,
                                                const Tensor& values,
                                                const Tensor& key_padding_mask,
                                                const Tensor& attn_mask) {
  if (keys.ndim() != 3 || keys.size(2) != key_proj->in_features)
    throw ShapeError(std::string(kWho) + ": keys of shape " + keys.shape().str() +
                     " must be [B, Tk, " + std::to_string(key_proj->in_features) + "]");
  return attend_precomputed(query, precompute_keys(keys), values, key_padding_mask, attn_mask);
}

AttentionResult LocationAwareAttention::attend_precomputed(const Tensor& query, const Tensor& pkeys,
                                                           const Tensor& values,
                                                           const Tensor& key_padding_mask,
                                                           const Tensor& attn_mask) {
  check_shapes(query, pkeys, values, query_proj->in_features, v.numel());
  const int64_t B = pkeys.size(0), Tq = query.size(1), Tk = pkeys.size(1);
  check_mask(key_padding_mask, Shape{B, Tk}, "key_padding_mask");
  check_mask(attn_mask, Shape{Tq, Tk}, "attn_mask");
  Tensor previous = initial_alignment(B, Tk, key_padding_mask);
  std::vector<Tensor> contexts, weights;
  for (int64_t i = 0; i < Tq; ++i) {
    AttentionResult r = step(narrow(query, 1, i, 1), pkeys, values, previous, key_padding_mask,
                             attn_mask.defined() ? narrow(attn_mask, 0, i, 1) : Tensor());
    contexts.push_back(r.context);
    weights.push_back(r.weights);
    previous = r.weights;
  }
  if (Tq == 0) return {zeros({B, 0, values.size(2)}), zeros({B, 0, Tk})};
  return {concat(contexts, 1), concat(weights, 1)};
}

std::string LocationAwareAttention::extra_repr() const {
  return "query_dim=" + std::to_string(query_proj->in_features) +
         ", key_dim=" + std::to_string(key_proj->in_features) +
         ", attn_dim=" + std::to_string(v.numel()) +
         ", filters=" + std::to_string(location_conv->out_channels) +
         ", width=" + std::to_string(location_conv->kernel_size);
}

// Three queries over five keys with padding, each step's alignment feeding the next one's location
// features; PyTorch's numbers for the paper's formula written out in torch (speech.txt,
// tests/fixtures/gen_speech_fixtures.py).
const LayerInfo location_aware_attention_layer{
    .name = "LocationAwareAttention",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          Generator gen(207);
          auto m = std::make_shared<LocationAwareAttention>(4, 3, 5, 2, 3, gen);
          randomise_biases(*m, 208);
          const Tensor pad = key_padding({5, 2}, 5);
          return std::vector<Sample>{layer_sample("3 queries, 5 keys, padding", m,
                                                  {{"query", make_input({2, 3, 4}, 209)},
                                                   {"keys", make_input({2, 5, 3}, 210)},
                                                   {"values", make_input({2, 5, 2}, 211)}},
                                                  [m, pad](const Inputs& x) {
                                                    const AttentionResult r =
                                                        m->forward(x[0], x[1], x[2], pad);
                                                    return cat_flat({r.context, r.weights});
                                                  })};
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{layer_fixture(
              "speech.txt", "location",
              [](const FixtureTensors& t) {
                Generator gen(0);  // the initial values are overwritten by torch's
                return std::make_shared<LocationAwareAttention>(
                    t.iopt("query_dim"), t.iopt("key_dim"), t.iopt("attn_dim"), t.iopt("filters"),
                    t.iopt("width"), gen);
              },
              {"query", "keys", "values"}, {"kpm"},
              [](Module& m, const std::map<std::string, Tensor>& in) {
                const AttentionResult r = static_cast<LocationAwareAttention&>(m).forward(
                    in.at("query"), in.at("keys"), in.at("values"), in.at("kpm"));
                return std::vector<std::pair<std::string, Tensor>>{{"context", r.context},
                                                                   {"weights", r.weights}};
              },
              {2e-6f, 1e-5f}, {1e-5f, 1e-5f})};
        }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> location_attention_layer_infos() {
  return {&location_aware_attention_layer};
}

}  // namespace attend
