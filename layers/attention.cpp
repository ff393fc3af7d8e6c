#include "layers/attention.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"

#include <cmath>

namespace attend {

namespace {

// Validates query [B, Tq, Dq], keys [B, Tk, Dk], values [B, Tk, Dv] and the masks, naming the
// layer; query_dim / key_dim < 0 skip the feature-size check.
void check_inputs(const char* who, const Tensor& q, const Tensor& k, const Tensor& v,
                  const Tensor& key_padding_mask, const Tensor& attn_mask, int64_t query_dim = -1,
                  int64_t key_dim = -1, const char* keys_name = "keys") {
  const bool ok = q.ndim() == 3 && k.ndim() == 3 && v.ndim() == 3 && q.size(0) == k.size(0) &&
                  k.size(0) == v.size(0) && k.size(1) == v.size(1) &&
                  (query_dim < 0 || q.size(2) == query_dim) &&
                  (key_dim < 0 || k.size(2) == key_dim);
  if (!ok)
    throw ShapeError(std::string(who) + ": query " + q.shape().str() + ", " + keys_name + " " +
                     k.shape().str() + " and values " + v.shape().str() + " must be [B, Tq, " +
                     (query_dim < 0 ? std::string("Dq") : std::to_string(query_dim)) +
                     "], [B, Tk, " + (key_dim < 0 ? std::string("Dk") : std::to_string(key_dim)) +
                     "], [B, Tk, Dv]");
  if (key_padding_mask.defined() && !(key_padding_mask.shape() == Shape{q.size(0), k.size(1)}))
    throw ShapeError(std::string(who) + ": key_padding_mask of shape " +
                     key_padding_mask.shape().str() + " must be [" + std::to_string(q.size(0)) +
                     ", " + std::to_string(k.size(1)) + "] (batch, keys)");
  if (attn_mask.defined() && !(attn_mask.shape() == Shape{q.size(1), k.size(1)}))
    throw ShapeError(std::string(who) + ": attn_mask of shape " + attn_mask.shape().str() +
                     " must be [" + std::to_string(q.size(1)) + ", " + std::to_string(k.size(1)) +
                     "] (queries, keys)");
}

}  // namespace

AttentionResult attention_from_scores(const Tensor& scores, const Tensor& values,
                                      const Tensor& key_padding_mask, const Tensor& attn_mask) {
  Tensor mask = combine_masks(key_padding_mask, attn_mask);
  Tensor w = softmax(mask.defined() ? scores + mask : scores, -1);  // [B, Tq, Tk]
  return {matmul(w, values), w};
}

Tensor combine_masks(const Tensor& key_padding_mask, const Tensor& attn_mask) {
  Tensor m;
  if (key_padding_mask.defined())
    m = reshape(padding_mask(key_padding_mask), {key_padding_mask.size(0), 1, -1});
  if (attn_mask.defined()) m = m.defined() ? m + attn_mask : attn_mask;
  return m;
}

AdditiveAttention::AdditiveAttention(int64_t query_dim, int64_t key_dim, int64_t attn_dim,
                                     Generator& gen) {
  query_proj =
      register_module("query_proj", std::make_shared<Linear>(query_dim, attn_dim, gen, true));
  key_proj = register_module("key_proj", std::make_shared<Linear>(key_dim, attn_dim, gen, false));
  const float bound = 1.0f / std::sqrt(static_cast<float>(attn_dim));
  v = register_parameter("v", uniform({attn_dim}, -bound, bound, gen));
}

AttentionResult AdditiveAttention::forward(const Tensor& query, const Tensor& keys,
                                           const Tensor& values, const Tensor& key_padding_mask,
                                           const Tensor& attn_mask) {
  check_inputs("AdditiveAttention", query, keys, values, key_padding_mask, attn_mask,
               query_proj->in_features, key_proj->in_features);
  return attend_precomputed(query, precompute_keys(keys), values, key_padding_mask, attn_mask);
}

AttentionResult AdditiveAttention::attend_precomputed(const Tensor& query, const Tensor& pkeys,
                                                      const Tensor& values,
                                                      const Tensor& key_padding_mask,
                                                      const Tensor& attn_mask) {
  check_inputs("AdditiveAttention", query, pkeys, values, key_padding_mask, attn_mask,
               query_proj->in_features, v.numel(), "projected keys");
  Tensor scores = additive_attention_score(query_proj->forward(query), pkeys, v);  // [B, Tq, Tk]
  return attention_from_scores(scores, values, key_padding_mask, attn_mask);
}

std::string AdditiveAttention::extra_repr() const {
  return "query_dim=" + std::to_string(query_proj->in_features) +
         ", key_dim=" + std::to_string(key_proj->in_features) +
         ", attn_dim=" + std::to_string(v.numel());
}

LuongAttention::LuongAttention(Kind k, int64_t query_dim, int64_t key_dim, Generator& gen)
    : kind(k) {
  if (k == Kind::kDot && query_dim != key_dim)
    throw std::invalid_argument("LuongAttention: dot scores need equal query and key sizes, got " +
                                std::to_string(query_dim) + " and " + std::to_string(key_dim) +
                                " (use general)");
  if (k == Kind::kGeneral)
    key_proj =
        register_module("key_proj", std::make_shared<Linear>(key_dim, query_dim, gen, false));
}

AttentionResult LuongAttention::forward(const Tensor& query, const Tensor& keys,
                                        const Tensor& values, const Tensor& key_padding_mask,
                                        const Tensor& attn_mask) {
  const int64_t qd = key_proj ? key_proj->out_features : -1,
                kd = key_proj ? key_proj->in_features : -1;
  check_inputs("LuongAttention", query, keys, values, key_padding_mask, attn_mask, qd, kd);
  return attend_precomputed(query, precompute_keys(keys), values, key_padding_mask, attn_mask);
}

Tensor LuongAttention::precompute_keys(const Tensor& keys) {
  return kind == Kind::kGeneral ? key_proj->forward(keys) : keys;  // W k: [B, Tk, Dq]
}

AttentionResult LuongAttention::attend_precomputed(const Tensor& query, const Tensor& pkeys,
                                                   const Tensor& values,
                                                   const Tensor& key_padding_mask,
                                                   const Tensor& attn_mask) {
  check_inputs("LuongAttention", query, pkeys, values, key_padding_mask, attn_mask,
               key_proj ? key_proj->out_features : pkeys.size(-1),
               key_proj ? key_proj->out_features : query.size(-1), "projected keys");
  Tensor scores = matmul(query, pkeys, false, /*transpose_b=*/true);  // [B, Tq, Tk]
  return attention_from_scores(scores, values, key_padding_mask, attn_mask);
}

std::string LuongAttention::extra_repr() const {
  return kind == Kind::kDot ? "score=dot" : "score=general";
}

AttentionResult ScaledDotProductAttention::attend_precomputed(const Tensor& query,
                                                              const Tensor& keys,
                                                              const Tensor& values,
                                                              const Tensor& key_padding_mask,
                                                              const Tensor& attn_mask) {
  check_inputs("ScaledDotProductAttention", query, keys, values, key_padding_mask, attn_mask, -1,
               query.size(-1));
  auto r =
      scaled_dot_product_attention(query, keys, values, combine_masks(key_padding_mask, attn_mask));
  return {r[0], r[1]};
}

// --- descriptors ---------------------------------------------------------------------------------
// Each sample checks the context and the weights together (the weights carry gradient too), with
// padded keys. Fixtures (attention.txt): the three kinds written in torch from attend's formulas:
// one projection, a score, a masked softmax and a weighted sum of values, all with 3- to 6-term
// sums. Forward needs atol 0, given 1e-7; gradients need <= 2.1e-7, given 1e-6 (rtol 1e-5).

namespace {

Tensor context_and_weights(const AttentionResult& r) {
  return cat_flat({r.context, r.weights});
}

// forward(query, keys, values, key padding mask, mask) as a sample: query [B, Tq, Dq], keys
// [B, Tk, Dk] and values [B, Tk, 2] from three seeds.
Sample attention_sample(const std::string& name, std::shared_ptr<Attention> m, Shape q, Shape k,
                        uint64_t seed, Tensor padding, Tensor mask = Tensor()) {
  const Shape v{k[0], k[1], 2};
  return layer_sample(name, m,
                      {{"query", make_input(q, seed)},
                       {"keys", make_input(k, seed + 1)},
                       {"values", make_input(v, seed + 2)}},
                      [m, padding, mask](const Inputs& x) {
                        return context_and_weights(m->forward(x[0], x[1], x[2], padding, mask));
                      });
}

// attend.txt's case: context and weights of (query, keys, values, kpm), causal when the case says.
FixtureCase attention_fixture(const char* key,
                              std::function<std::shared_ptr<Module>(const FixtureTensors&)> make) {
  return layer_fixture(
      "attention.txt", key, std::move(make), {"query", "keys", "values"}, {"kpm", "opt.causal"},
      [](Module& m, const std::map<std::string, Tensor>& in) {
        const Tensor& q = in.at("query");
        const Tensor& causal = in.at("opt.causal");
        const Tensor mask =
            causal.defined() && causal.item() != 0.0f ? causal_mask(q.size(1)) : Tensor();
        auto r = static_cast<Attention&>(m).forward(q, in.at("keys"), in.at("values"), in.at("kpm"),
                                                    mask);
        return std::vector<std::pair<std::string, Tensor>>{{"context", r.context},
                                                           {"weights", r.weights}};
      },
      {1e-7f, 1e-5f}, {1e-6f, 1e-5f});
}

}  // namespace

// Queries against keys, and Tq == Tk with a causal mask through precompute_keys +
// attend_precomputed.
const LayerInfo additive_attention_layer{
    .name = "AdditiveAttention",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          Generator gen(40);
          auto m = std::make_shared<AdditiveAttention>(4, 3, 5, gen);
          randomise_biases(*m, 41);
          const Tensor pad = key_padding({5, 2}, 5);
          return std::vector<Sample>{
              attention_sample("3 queries, 5 keys, padding", m, {2, 3, 4}, {2, 5, 3}, 42, pad),
              layer_sample("precomputed keys, causal", m,
                           {{"query", make_input({2, 5, 4}, 45)},
                            {"keys", make_input({2, 5, 3}, 46)},
                            {"values", make_input({2, 5, 2}, 47)}},
                           [m, pad](const Inputs& x) {
                             return context_and_weights(m->attend_precomputed(
                                 x[0], m->precompute_keys(x[1]), x[2], pad, causal_mask(5)));
                           })};
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{
              attention_fixture("additive", [](const FixtureTensors& t) {
                Generator gen(1);  // the initial values are overwritten by torch's
                return std::make_shared<AdditiveAttention>(t.iopt("query_dim"), t.iopt("key_dim"),
                                                           t.iopt("attn_dim"), gen);
              })};
        }};

// "general" with a causal mask; "dot" (no parameters).
const LayerInfo luong_attention_layer{
    .name = "LuongAttention",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          Generator gen(50);
          auto general =
              std::make_shared<LuongAttention>(LuongAttention::Kind::kGeneral, 4, 3, gen);
          auto dot = std::make_shared<LuongAttention>(LuongAttention::Kind::kDot, 3, 3, gen);
          Generator gen2(54);
          auto dot2 = std::make_shared<LuongAttention>(LuongAttention::Kind::kDot, 3, 3, gen2);
          const Tensor pad = key_padding({4, 2}, 4);
          return std::vector<Sample>{
              attention_sample("general, padding and causal", general, {2, 4, 4}, {2, 4, 3}, 51,
                               pad, causal_mask(4)),
              attention_sample("dot, 2 queries, padding", dot, {2, 2, 3}, {2, 4, 3}, 54, pad),
              attention_sample("dot, 2 queries, padding, another draw", dot2, {2, 2, 3}, {2, 4, 3},
                               55, pad)};
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{
              attention_fixture("luong_general",
                                [](const FixtureTensors& t) {
                                  Generator gen(1);
                                  return std::make_shared<LuongAttention>(
                                      LuongAttention::Kind::kGeneral, t.iopt("query_dim"),
                                      t.iopt("key_dim"), gen);
                                }),
              attention_fixture("luong_dot", [](const FixtureTensors& t) {
                Generator gen(1);
                const int64_t d = t.get("query").size(2);
                return std::make_shared<LuongAttention>(LuongAttention::Kind::kDot, d, d, gen);
              })};
        }};

const LayerInfo scaled_dot_product_attention_layer{
    .name = "ScaledDotProductAttention",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          auto m = std::make_shared<ScaledDotProductAttention>();
          const Tensor pad = key_padding({4, 3}, 4);
          return std::vector<Sample>{
              attention_sample("padding and causal", m, {2, 4, 3}, {2, 4, 3}, 60, pad,
                               causal_mask(4)),
              attention_sample("padding and causal, another draw", m, {2, 4, 3}, {2, 4, 3}, 58, pad,
                               causal_mask(4))};
        },
    .fixtures =
        [] {
          return std::vector<FixtureCase>{attention_fixture("sdpa", [](const FixtureTensors&) {
            return std::make_shared<ScaledDotProductAttention>();
          })};
        }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> attention_layer_infos() {
  return {&additive_attention_layer, &luong_attention_layer, &scaled_dot_product_attention_layer};
}

}  // namespace attend
