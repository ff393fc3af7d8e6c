// The interface of a decoder-only language model (GPT), so the language-modelling task, sampling
// and the attention maps work with any of them.
//   B = batch, T = positions, V = vocabulary
// Token ids are float32 whole numbers (the engine's index convention).
#pragma once
#include <memory>
#include <vector>

#include "layers/module.h"

namespace attend {

// What a model keeps between generation steps (each layer's keys and values).
class LMCache {
 public:
  virtual ~LMCache() = default;
  virtual int64_t length() const = 0;  // positions cached so far
};

class LanguageModel : public Module {
 public:
  // tokens [B, T] with T <= context_length() -> next-token logits [B, T, V] (causal: position t
  // sees tokens 0..t only).
  virtual Tensor forward(const Tensor& tokens) = 0;
  virtual int64_t vocab_size() const = 0;
  // The longest input (the learned positions' count).
  virtual int64_t context_length() const = 0;

  // Incremental generation: an empty cache, then forward_cached with the next tokens [B, n]
  // (the prompt first, then one token at a time) -> logits of those positions [B, n, V], the same
  // numbers forward() gives for them on the whole sequence. cache.length() + n <= context_length().
  virtual std::unique_ptr<LMCache> start_cache() = 0;
  virtual Tensor forward_cached(LMCache& cache, const Tensor& tokens) = 0;

  // tokens [B, T] -> each layer's attention weights [B, H, T, T] (eval mode, no graph).
  virtual std::vector<Tensor> attention_weights(const Tensor& tokens) = 0;
};

}  // namespace attend
