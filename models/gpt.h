// GPT: a decoder-only Transformer language model as nanoGPT's model.py (Radford et al. 2019):
// token and learned position embeddings, pre-LN blocks of causal multi-head self-attention and a
// GELU MLP four times wide, a final layer norm, and the output projection tied to the token
// embedding. Parameter names follow nanoGPT where attend's layers allow
// ("blocks.0.attn.in_proj_weight" is nanoGPT's "transformer.h.0.attn.c_attn.weight").
//   B = batch, T = positions, C = width (n_embd), V = vocabulary, L = layers, H = heads
#pragma once
#include <memory>

#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/multihead_attention.h"
#include "models/language_model.h"

namespace attend {

struct GPTOptions {
  int64_t vocab_size = 65;
  int64_t context = 256;  // block_size
  int64_t layers = 6, heads = 6, width = 384;
  float dropout = 0.2f;
  bool gelu_tanh = false;  // the MLP's GELU: exact (nn.GELU()) or the tanh form (GPT-2's)
  // Biases in the linear layers and layer norms (GPT-2's); nanoGPT's train.py turns them off
  // ("a bit better and faster"), leaving layer norms with a weight only.
  bool bias = true;
};

// x + attn(ln_1(x)), then x + mlp(ln_2(x)), with dropout on both residual branches.
class GPTBlock : public Module {
 public:
  GPTBlock(const GPTOptions& opt, Generator& gen, std::shared_ptr<Generator> dropout_gen);
  // x [B, T, C]; mask additive [T, T] (causal). weights: if given, receives [B, H, T, T].
  Tensor forward(const Tensor& x, const Tensor& mask, Tensor* weights = nullptr);
  std::string type_name() const override { return "GPTBlock"; }

  std::shared_ptr<LayerNorm> ln_1, ln_2;
  std::shared_ptr<MultiheadAttention> attn;  // attention dropout inside, resid dropout below
  std::shared_ptr<Linear> c_fc, c_proj;      // [4C, C], [C, 4C]
  std::shared_ptr<Dropout> resid_dropout;

  // resid_dropout(c_proj(gelu(c_fc(x)))): [B, T, C] -> [B, T, C]
  Tensor mlp(const Tensor& x);

 private:
  bool gelu_tanh_;
};

class GPT : public LanguageModel {
 public:
  GPT(const GPTOptions& opt, Generator& gen, std::shared_ptr<Generator> dropout_gen);

  Tensor forward(const Tensor& tokens) override;  // [B, T] -> [B, T, V]
  int64_t vocab_size() const override { return options.vocab_size; }
  int64_t context_length() const override { return options.context; }
  std::unique_ptr<LMCache> start_cache() override;
  Tensor forward_cached(LMCache& cache, const Tensor& tokens) override;
  std::vector<Tensor> attention_weights(const Tensor& tokens) override;
  std::string type_name() const override { return "GPT"; }

  GPTOptions options;
  std::shared_ptr<Embedding> wte, wpe;  // [V, C] (also the output projection), [context, C]
  std::shared_ptr<Dropout> drop;
  std::vector<std::shared_ptr<GPTBlock>> blocks;
  std::shared_ptr<LayerNorm> ln_f;

 private:
  // Embeddings of tokens [B, T] at positions start..start+T-1, with dropout: [B, T, C].
  Tensor embed(const Tensor& tokens, int64_t start);
  // The final norm and the tied projection: [B, T, C] -> [B, T, V].
  Tensor logits(const Tensor& x);
};

}  // namespace attend
