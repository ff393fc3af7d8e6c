// Multi-head attention with the semantics, parameter names and initialisation of PyTorch's
// nn.MultiheadAttention(embed_dim, num_heads, dropout, batch_first=True), and the key/value cache
// of incremental decoding.
//   B = batch (batch * beam when decoding), Tq = queries, Tk = keys, E = embed_dim, H = heads,
//   hd = E / H, t = positions in a cache
#pragma once

#include <memory>

#include "layers/linear.h"

namespace attend {

// The projected keys and values one attention layer keeps between decoding steps, so a step
// projects only its new positions and attends in O(t) instead of re-running the whole prefix:
//   - self-attention (MultiheadAttention::forward_incremental) appends the keys and values of
//     the newest positions at every step;
//   - encoder-decoder attention (cache_memory, then forward_cached) projects the memory's keys
//     and values once per source and reads them at every step;
//   - beam search calls reorder() with each new beam's parent row (rows may also repeat a row,
//     expanding a source to its beams, or drop rows that finished).
// The rows stay in the layout the attention kernel reads in place: head h's key is columns
// [h hd, (h+1) hd) of a row and its value columns [E + h hd, E + (h+1) hd).
struct AttentionCache {
  Tensor key_value;         // [B, t, 2E]: keys in columns [0, E), values in [E, 2E); or undefined
  Tensor key_padding_mask;  // [B, t] nonzero = padding, or undefined when no cached key is padding

  bool empty() const { return !key_value.defined(); }
  int64_t rows() const { return empty() ? 0 : key_value.size(0); }
  int64_t length() const { return empty() ? 0 : key_value.size(1); }
  // Keeps row rows[i] as row i; rows is an index tensor [B'] (any B').
  void reorder(const Tensor& rows);
  void clear() { *this = AttentionCache(); }
};

class MultiheadAttention : public Module {
 public:
  // dropout_gen is needed only when dropout > 0.
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, Generator& gen, float dropout = 0.0f,
                     bool bias = true, std::shared_ptr<Generator> dropout_gen = nullptr);

  struct Output {
    Tensor output;   // [B, Tq, E]
    Tensor weights;  // [B, Tq, Tk] averaged over heads, or [B, H, Tq, Tk]; undefined if not needed
  };
  // query [B, Tq, E], key and value [B, Tk, E]; key_padding_mask [B, Tk] nonzero = padding;
  // attn_mask additive [Tq, Tk] (e.g. causal_mask(T)). Self-attention (query, key and value the
  // same tensor) projects all three in one matrix product.
  Output forward(const Tensor& query, const Tensor& key, const Tensor& value,
                 const Tensor& key_padding_mask = Tensor(), const Tensor& attn_mask = Tensor(),
                 bool need_weights = true, bool average_attn_weights = true);

  // Incremental self-attention: x [B, Tn, E] holds the Tn newest positions (Tn = 1 when decoding
  // token by token; a whole prompt at once is fine). Their keys and values are appended to cache,
  // then each new position attends to every cached position up to its own (causal), exactly what
  // forward(x, x, x) with causal_mask over the whole sequence gives for those positions.
  // key_padding_mask [B, Tn] marks padded new positions (undefined: none); cached padding stays.
  // weights [B, Tq=Tn, Tk=t] or [B, H, Tn, t].
  Output forward_incremental(const Tensor& x, AttentionCache& cache,
                             const Tensor& key_padding_mask = Tensor(), bool need_weights = false,
                             bool average_attn_weights = true);
  // Encoder-decoder attention, step by step: cache_memory projects memory [B, S, E]'s keys and
  // values into cache (once per source; memory_key_padding_mask [B, S] is kept with them), then
  // forward_cached lets query [B, Tq, E] attend to them as forward(query, memory, memory, mask)
  // would, without projecting the memory again.
  void cache_memory(const Tensor& memory, AttentionCache& cache,
                    const Tensor& memory_key_padding_mask = Tensor()) const;
  Output forward_cached(const Tensor& query, const AttentionCache& cache, bool need_weights = false,
                        bool average_attn_weights = true);

  std::string type_name() const override { return "MultiheadAttention"; }
  std::string extra_repr() const override;

  int64_t embed_dim, num_heads;
  float dropout;
  Tensor in_proj_weight;  // [3E, E]: rows q, k, v
  Tensor in_proj_bias;    // [3E]
  std::shared_ptr<Linear> out_proj;

 private:
  // Attention of queries (columns [q_col, q_col + E) of q [B, Tq, W]) to cache's keys and values,
  // with the additive mask attn_mask [Tq, t] (may be undefined) and cache's padding.
  Output attend_cache(const Tensor& q, int64_t q_col, const AttentionCache& cache,
                      const Tensor& attn_mask, bool need_weights, bool average_attn_weights);
  Output finish(const std::vector<Tensor>& attn, bool need_weights, bool average_attn_weights);

  std::shared_ptr<Generator> dropout_gen_;
};

}  // namespace attend
