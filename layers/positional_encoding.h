// Positional encodings added to token embeddings [B, T, d].
#pragma once

#include "layers/module.h"

namespace attend {

// "Attention is all you need", section 3.5: pe[pos, 2i] = sin(pos / 10000^(2i/d)),
// pe[pos, 2i+1] = cos(pos / 10000^(2i/d)). Stored as the buffer "pe" [max_len, d].
class SinusoidalPositionalEncoding : public UnaryModule {
 public:
  SinusoidalPositionalEncoding(int64_t d_model, int64_t max_len = 512);
  Tensor forward(const Tensor& x) override;  // x [B, T, d] -> x + pe[:T]
  // x [B, T, d] at positions start .. start+T-1 (incremental decoding) -> x + pe[start:start+T]
  Tensor forward_from(const Tensor& x, int64_t start);
  std::string type_name() const override { return "SinusoidalPositionalEncoding"; }
  std::string extra_repr() const override;

  int64_t d_model, max_len;
  Tensor pe;  // [max_len, d]
};

// A learned table "weight" [max_len, d] ~ N(0, 0.02^2), as BERT/GPT-2.
class LearnedPositionalEncoding : public UnaryModule {
 public:
  LearnedPositionalEncoding(int64_t d_model, int64_t max_len, Generator& gen);
  Tensor forward(const Tensor& x) override;  // x [B, T, d] -> x + weight[:T]
  // x [B, T, d] at positions start .. start+T-1 -> x + weight[start:start+T]
  Tensor forward_from(const Tensor& x, int64_t start);
  std::string type_name() const override { return "LearnedPositionalEncoding"; }
  std::string extra_repr() const override;

  int64_t d_model, max_len;
  Tensor weight;  // [max_len, d]
};

}  // namespace attend
