#include "layers/multihead_attention.h"

#include <map>
#include <string>
#include <utility>
#include <vector>
#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"

#include <cmath>
#include <limits>

namespace attend {
namespace {

Tensor rows_of(const Tensor& t, int64_t from, int64_t n) {
  return t.defined() ? narrow(t, 0, from, n) : Tensor();
}

// Additive mask [n, past + n] for n new positions after past cached ones: new position i (the
// sequence's past + i) sees keys 0 .. past + i.
Tensor causal_mask_after(int64_t n, int64_t past) {
  const int64_t t = past + n;
  Tensor m = zeros({n, t});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = past + i + 1; j < t; ++j)
      m.data()[i * t + j] = -std::numeric_limits<float>::infinity();
  return m;
}

// [B, n] of zeros or the given mask, checked against [B, n].
Tensor padding_or_zeros(const Tensor& mask, int64_t B, int64_t n, const char* who) {
  if (!mask.defined()) return zeros({B, n});
  if (!(mask.shape() == Shape{B, n}))
    throw ShapeError(std::string(who) + ": key_padding_mask of shape " + mask.shape().str() +
                     " must be [" + std::to_string(B) + ", " + std::to_string(n) + "]");
  return mask;
}

}  // namespace

void AttentionCache::reorder(const Tensor& rows) {
  if (key_value.defined()) key_value = index_select(key_value, 0, rows);
  if (key_padding_mask.defined()) key_padding_mask = index_select(key_padding_mask, 0, rows);
}

MultiheadAttention::MultiheadAttention(int64_t e, int64_t h, Generator& gen, float p, bool bias,
                                       std::shared_ptr<Generator> dropout_gen)
    : embed_dim(e), num_heads(h), dropout(p), dropout_gen_(std::move(dropout_gen)) {
  if (h < 1 || e % h != 0)
    throw std::invalid_argument("MultiheadAttention: embed_dim " + std::to_string(e) +
                                " must be divisible by num_heads " + std::to_string(h));
  if (p > 0 && !dropout_gen_)
    throw std::invalid_argument("MultiheadAttention: dropout needs a generator");
  // PyTorch's _reset_parameters: xavier_uniform_ on in_proj_weight, zero biases; out_proj keeps
  // Linear's default weight init.
  const float a = std::sqrt(6.0f / static_cast<float>(e + 3 * e));
  in_proj_weight = register_parameter("in_proj_weight", uniform({3 * e, e}, -a, a, gen));
  if (bias) in_proj_bias = register_parameter("in_proj_bias", zeros({3 * e}));
  out_proj = register_module("out_proj", std::make_shared<Linear>(e, e, gen, bias));
  if (bias) fill_(out_proj->bias, 0.0f);
}

MultiheadAttention::Output MultiheadAttention::forward(const Tensor& query, const Tensor& key,
                                                       const Tensor& value,
                                                       const Tensor& key_padding_mask,
                                                       const Tensor& attn_mask, bool need_weights,
                                                       bool average_attn_weights) {
  const int64_t E = embed_dim, H = num_heads;
  if (query.ndim() != 3 || key.ndim() != 3 || value.ndim() != 3 || query.size(2) != E ||
      key.size(2) != E || value.size(2) != E || key.size(0) != query.size(0) ||
      value.size(0) != query.size(0) || key.size(1) != value.size(1))
    throw ShapeError("MultiheadAttention: query " + query.shape().str() + ", key " +
                     key.shape().str() + " and value " + value.shape().str() + " must be [B, Tq, " +
                     std::to_string(E) + "], [B, Tk, " + std::to_string(E) + "] (batch_first)");
  const int64_t B = query.size(0), Tq = query.size(1), Tk = key.size(1);
  // The projections stay in the GEMMs' row layout: multi_head_attention reads each head's
  // columns in place (no unbind into q, k, v, no permute to [B, H, T, hd]).
  // Self-attention: one [B, T, 3E] projection holds queries, keys and values (columns 0, E, 2E).
  // Encoder-decoder attention: queries [B, Tq, E], keys and values of the memory [B, Tk, 2E].
  Tensor q, k, v;
  int64_t q_col = 0, k_col = 0, v_col = 0;
  if (query.is_same(key) && key.is_same(value)) {
    q = k = v = linear(query, in_proj_weight, in_proj_bias);  // [B, T, 3E]
    k_col = E, v_col = 2 * E;
  } else {
    q = linear(query, rows_of(in_proj_weight, 0, E), rows_of(in_proj_bias, 0, E));  // [B, Tq, E]
    if (key.is_same(value)) {
      k = v = linear(key, rows_of(in_proj_weight, E, 2 * E), rows_of(in_proj_bias, E, 2 * E));
      v_col = E;  // [B, Tk, 2E]
    } else {
      k = linear(key, rows_of(in_proj_weight, E, E), rows_of(in_proj_bias, E, E));
      v = linear(value, rows_of(in_proj_weight, 2 * E, E), rows_of(in_proj_bias, 2 * E, E));
    }
  }
  Tensor mask;
  if (key_padding_mask.defined()) {
    if (!(key_padding_mask.shape() == Shape{B, Tk}))
      throw ShapeError("MultiheadAttention: key_padding_mask of shape " +
                       key_padding_mask.shape().str() + " must be [" + std::to_string(B) + ", " +
                       std::to_string(Tk) + "]");
    mask = padding_mask(key_padding_mask);  // [B, 1, 1, Tk]
  }
  if (attn_mask.defined()) {
    if (!(attn_mask.shape() == Shape{Tq, Tk}))
      throw ShapeError("MultiheadAttention: attn_mask of shape " + attn_mask.shape().str() +
                       " must be [" + std::to_string(Tq) + ", " + std::to_string(Tk) + "]");
    mask = mask.defined() ? mask + attn_mask : attn_mask;
  }
  const float p = is_training() ? dropout : 0.0f;
  auto attn = multi_head_attention(q, q_col, k, k_col, v, v_col, H, E, mask, p, dropout_gen_.get());
  return finish(attn, need_weights, average_attn_weights);
}

// attn: {[B, Tq, E] (heads side by side), weights [B, H, Tq, Tk]}
MultiheadAttention::Output MultiheadAttention::finish(const std::vector<Tensor>& attn,
                                                      bool need_weights,
                                                      bool average_attn_weights) {
  Output out{out_proj->forward(attn[0]), Tensor()};
  if (need_weights) out.weights = average_attn_weights ? mean(attn[1], 1) : attn[1];
  return out;
}

MultiheadAttention::Output MultiheadAttention::forward_incremental(const Tensor& x,
                                                                   AttentionCache& cache,
                                                                   const Tensor& key_padding_mask,
                                                                   bool need_weights,
                                                                   bool average_attn_weights) {
  const int64_t E = embed_dim;
  if (x.ndim() != 3 || x.size(2) != E || x.size(1) < 1)
    throw ShapeError("MultiheadAttention::forward_incremental: x of shape " + x.shape().str() +
                     " must be [B, Tn >= 1, " + std::to_string(E) + "]");
  const int64_t B = x.size(0), Tn = x.size(1), past = cache.length();
  if (!cache.empty() && cache.rows() != B)
    throw ShapeError("MultiheadAttention::forward_incremental: x has " + std::to_string(B) +
                     " rows but the cache holds " + std::to_string(cache.rows()) +
                     " (reorder the cache with the rows)");
  const char* who = "MultiheadAttention::forward_incremental";
  // Padding: a mask as long as the keys once any cached or new position is padding.
  Tensor mask_after;  // [B, t]
  if (key_padding_mask.defined() || cache.key_padding_mask.defined()) {
    mask_after = padding_or_zeros(key_padding_mask, B, Tn, who);
    if (past > 0)
      mask_after = concat({padding_or_zeros(cache.key_padding_mask, B, past, who), mask_after}, 1);
  }
  Tensor qkv = linear(x, in_proj_weight, in_proj_bias);  // [B, Tn, 3E]: q, k, v columns
  Tensor kv = narrow(qkv, 2, E, 2 * E);                  // [B, Tn, 2E]
  cache.key_value = past == 0 ? kv : concat({cache.key_value, kv}, 1);  // [B, t, 2E]
  cache.key_padding_mask = mask_after;
  // One new position sees every cached key; several see the keys up to their own.
  const Tensor causal = Tn > 1 ? causal_mask_after(Tn, past) : Tensor();
  return attend_cache(qkv, 0, cache, causal, need_weights, average_attn_weights);
}

void MultiheadAttention::cache_memory(const Tensor& memory, AttentionCache& cache,
                                      const Tensor& memory_key_padding_mask) const {
  const int64_t E = embed_dim;
  if (memory.ndim() != 3 || memory.size(2) != E)
    throw ShapeError("MultiheadAttention::cache_memory: memory of shape " + memory.shape().str() +
                     " must be [B, S, " + std::to_string(E) + "]");
  if (memory_key_padding_mask.defined())
    padding_or_zeros(memory_key_padding_mask, memory.size(0), memory.size(1),
                     "MultiheadAttention::cache_memory");
  // The key and value projections in one product, as forward() does for key == value.
  cache.key_value = linear(memory, rows_of(in_proj_weight, E, 2 * E),
                           rows_of(in_proj_bias, E, 2 * E));  // [B, S, 2E]
  cache.key_padding_mask = memory_key_padding_mask;
}

MultiheadAttention::Output MultiheadAttention::forward_cached(const Tensor& query,
                                                              const AttentionCache& cache,
                                                              bool need_weights,
                                                              bool average_attn_weights) {
  const int64_t E = embed_dim;
  if (query.ndim() != 3 || query.size(2) != E)
    throw ShapeError("MultiheadAttention::forward_cached: query of shape " + query.shape().str() +
                     " must be [B, Tq, " + std::to_string(E) + "]");
  if (cache.empty() || cache.rows() != query.size(0))
    throw ShapeError("MultiheadAttention::forward_cached: query has " +
                     std::to_string(query.size(0)) + " rows but the cache holds " +
                     std::to_string(cache.rows()) + (cache.empty() ? " (call cache_memory)" : ""));
  Tensor q = linear(query, rows_of(in_proj_weight, 0, E), rows_of(in_proj_bias, 0, E));
  return attend_cache(q, 0, cache, Tensor(), need_weights, average_attn_weights);
}

MultiheadAttention::Output MultiheadAttention::attend_cache(const Tensor& q, int64_t q_col,
                                                            const AttentionCache& cache,
                                                            const Tensor& attn_mask,
                                                            bool need_weights,
                                                            bool average_attn_weights) {
  const int64_t E = embed_dim;
  Tensor mask;
  if (cache.key_padding_mask.defined()) mask = padding_mask(cache.key_padding_mask);  // [B,1,1,t]
  if (attn_mask.defined()) mask = mask.defined() ? mask + attn_mask : attn_mask;
  const float p = is_training() ? dropout : 0.0f;
  const Tensor& kv = cache.key_value;  // [B, t, 2E]
  auto attn =
      multi_head_attention(q, q_col, kv, 0, kv, E, num_heads, E, mask, p, dropout_gen_.get());
  return finish(attn, need_weights, average_attn_weights);
}

std::string MultiheadAttention::extra_repr() const {
  return "embed_dim=" + std::to_string(embed_dim) + ", num_heads=" + std::to_string(num_heads);
}

// --- descriptor ----------------------------------------------------------------------------------

namespace {

using Named = std::vector<std::pair<std::string, Tensor>>;

// The causal mask when the fixture case was generated with one.
Tensor causal_if(const std::map<std::string, Tensor>& in, int64_t t) {
  const Tensor& causal = in.at("opt.causal");
  return causal.defined() && causal.item() != 0.0f ? causal_mask(t) : Tensor();
}

// A case of attention.txt: nn.MultiheadAttention with torch's parameters.
FixtureCase mha_fixture(const char* key, std::vector<std::string> inputs,
                        std::vector<std::string> constants, LayerFixtureForward forward) {
  constants.push_back("opt.causal");
  return layer_fixture("attention.txt", key,
                       [](const FixtureTensors& t) {
                         Generator gen(1);  // the initial values are overwritten by torch's
                         return std::make_shared<MultiheadAttention>(
                             t.iopt("embed_dim"), t.iopt("num_heads"), gen, 0.0f,
                             !t.has("opt.bias") || t.iopt("bias") != 0);
                       },
                       std::move(inputs), std::move(constants), std::move(forward), {1e-7f, 1e-5f},
                       {1e-6f, 1e-5f});
}

MultiheadAttention& mha(Module& m) {
  return static_cast<MultiheadAttention&>(m);
}

}  // namespace

// Self-attention (one projection of the fused QKV) with padding and causal masks, per-head and
// averaged weights; cross-attention whose key is its value; distinct key and value with a float
// mask; no bias. Output and weights together.
//
// Fixtures (attention.txt), E = 8, 2 heads: in_proj, scores, softmax, weights @ V, out_proj, each
// a 4- or 8-term sum of O(1) values. Forward: rtol 1e-5 alone suffices (needs atol 0), atol 1e-7
// (one ulp at 1) for safety. Gradients go back through the same chain, the weights being an
// output too with their own upstream gradient: needs atol <= 1.1e-7, atol 1e-6 given.
const LayerInfo multihead_attention_layer{
    .name = "MultiheadAttention",
    .kind = OpKind::kLayer,
    .samples =
        [] {
          std::vector<Sample> out;
          auto self_attention = [&out](const std::string& name, uint64_t gen_seed, uint64_t x_seed,
                                       bool average) {
            Generator gen(gen_seed);
            auto m = std::make_shared<MultiheadAttention>(4, 2, gen);
            randomise_biases(*m, gen_seed + 1);
            out.push_back(layer_sample(name, m, {{"x", make_input({2, 4, 4}, x_seed)}},
                                       [m, average, pad = key_padding({4, 2}, 4)](const Inputs& x) {
                                         auto r = m->forward(x[0], x[0], x[0], pad, causal_mask(4),
                                                             true, average);
                                         return cat_flat({r.output, r.weights});
                                       }));
          };
          self_attention("self, padding and causal, per-head weights", 1, 3, false);
          self_attention("self, padding and causal, averaged weights", 1, 3, true);
          self_attention("self, padding and causal, per-head weights, another draw", 65, 67, false);
          auto cross = [&out](const std::string& name, uint64_t gen_seed, uint64_t q_seed) {
            Generator gen(gen_seed);
            auto m = std::make_shared<MultiheadAttention>(4, 2, gen);
            randomise_biases(*m, gen_seed + 1);
            out.push_back(layer_sample(name, m,
                                       {{"query", make_input({2, 3, 4}, q_seed)},
                                        {"memory", make_input({2, 5, 4}, q_seed + 1)}},
                                       [m, pad = key_padding({5, 3}, 5)](const Inputs& x) {
                                         auto r = m->forward(x[0], x[1], x[1], pad);
                                         return cat_flat({r.output, r.weights});
                                       }));
          };
          cross("cross, key is value, padding", 4, 6);
          cross("cross, key is value, padding, another draw", 61, 63);
          {
            Generator gen(8), mg(10);
            auto m = std::make_shared<MultiheadAttention>(4, 2, gen);
            randomise_biases(*m, 9);
            const Tensor pad = key_padding({2, 4}, 4),
                         float_mask = uniform({3, 4}, -1.0f, 1.0f, mg);
            const Named in = {{"query", make_input({2, 3, 4}, 11)},
                              {"key", make_input({2, 4, 4}, 12)},
                              {"value", make_input({2, 4, 4}, 13)}};
            out.push_back(layer_sample("distinct key and value, float mask, per-head weights", m,
                                       in, [m, pad, float_mask](const Inputs& x) {
                                         auto r = m->forward(x[0], x[1], x[2], pad, float_mask,
                                                             true, false);
                                         return cat_flat({r.output, r.weights});
                                       }));
            out.push_back(
                layer_sample("distinct key and value, float mask, output only", m, in,
                             [m, pad, float_mask](const Inputs& x) {
                               return m->forward(x[0], x[1], x[2], pad, float_mask).output;
                             }));
          }
          {
            Generator gen(14);
            auto m = std::make_shared<MultiheadAttention>(4, 2, gen, 0.0f, /*bias=*/false);
            out.push_back(
                layer_sample("self without bias, causal", m, {{"x", make_input({2, 3, 4}, 15)}},
                             [m](const Inputs& x) {
                               return m->forward(x[0], x[0], x[0], Tensor(), causal_mask(3)).output;
                             }));
          }
          return out;
        },
    .fixtures =
        [] {
          auto out_and_weights = [](const MultiheadAttention::Output& r) {
            return Named{{"out", r.output}, {"weights", r.weights}};
          };
          return std::vector<FixtureCase>{
              mha_fixture("mha_self", {"x"}, {"kpm"},
                          [=](Module& m, const std::map<std::string, Tensor>& in) {
                            const Tensor& x = in.at("x");
                            return out_and_weights(
                                mha(m).forward(x, x, x, in.at("kpm"), causal_if(in, x.size(1))));
                          }),
              mha_fixture("mha_cross", {"query", "memory"}, {"kpm"},
                          [=](Module& m, const std::map<std::string, Tensor>& in) {
                            const Tensor& mem = in.at("memory");
                            return out_and_weights(
                                mha(m).forward(in.at("query"), mem, mem, in.at("kpm")));
                          }),
              mha_fixture("mha_kv", {"query", "key", "value"}, {"kpm", "attn_mask"},
                          [=](Module& m, const std::map<std::string, Tensor>& in) {
                            return out_and_weights(mha(m).forward(in.at("query"), in.at("key"),
                                                                  in.at("value"), in.at("kpm"),
                                                                  in.at("attn_mask"), true, false));
                          }),
              mha_fixture("mha_noweights", {"x"}, {"kpm"},
                          [](Module& m, const std::map<std::string, Tensor>& in) {
                            const Tensor& x = in.at("x");
                            return Named{
                                {"out",
                                 mha(m).forward(x, x, x, in.at("kpm"), Tensor(), false).output}};
                          }),
              mha_fixture(
                  "mha_nobias", {"x"}, {}, [=](Module& m, const std::map<std::string, Tensor>& in) {
                    const Tensor& x = in.at("x");
                    return out_and_weights(
                        mha(m).forward(x, x, x, Tensor(), causal_if(in, x.size(1)), true, false));
                  })};
        }};

// The descriptors above, for layer_registry() (layers/CMakeLists.txt generates the call).
std::vector<const LayerInfo*> multihead_attention_layer_infos() {
  return {&multihead_attention_layer};
}

}  // namespace attend
