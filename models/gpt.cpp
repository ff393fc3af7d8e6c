#include "models/gpt.h"

#include <cmath>

#include "autograd/sample_inputs.h"
#include "layers/layer_info.h"
#include "layers/transformer.h"  // ModuleList
#include "models/registry.h"

namespace attend {
namespace {

// GPT-2's initialisation (nanoGPT's _init_weights): every matrix and embedding N(0, 0.02), biases
// zero, layer norms ones and zeros.
constexpr float kInitStd = 0.02f;

void normal_(Tensor& t, float std, Generator& gen) {
  copy_(t, randn(t.shape(), gen, 0.0f, std));
}

// Each layer's self-attention keys and values so far (layers/multihead_attention.h).
struct GPTCache : LMCache {
  std::vector<AttentionCache> layers;
  int64_t length() const override { return layers.empty() ? 0 : layers.front().length(); }
};

}  // namespace

GPTBlock::GPTBlock(const GPTOptions& opt, Generator& gen, std::shared_ptr<Generator> dgen)
    : gelu_tanh_(opt.gelu_tanh) {
  if (!dgen) dgen = std::make_shared<Generator>(0);  // only drawn from when dropout > 0
  const int64_t C = opt.width;
  ln_1 = register_module("ln_1", std::make_shared<LayerNorm>(C, 1e-5f, true, opt.bias));
  attn = register_module(
      "attn", std::make_shared<MultiheadAttention>(C, opt.heads, gen, opt.dropout, opt.bias, dgen));
  ln_2 = register_module("ln_2", std::make_shared<LayerNorm>(C, 1e-5f, true, opt.bias));
  c_fc = register_module("c_fc", std::make_shared<Linear>(C, 4 * C, gen, opt.bias));
  c_proj = register_module("c_proj", std::make_shared<Linear>(4 * C, C, gen, opt.bias));
  resid_dropout = register_module("resid_dropout", std::make_shared<Dropout>(opt.dropout, dgen));
  // The two projections that write into the residual stream get std 0.02 / sqrt(2 L): each block
  // adds two terms to it, so with L blocks its variance stays independent of depth (GPT-2 paper,
  // section 2.3; nanoGPT's "apply special scaled init to the residual projections").
  const float resid_std = kInitStd / std::sqrt(2.0f * static_cast<float>(opt.layers));
  normal_(attn->in_proj_weight, kInitStd, gen);
  normal_(attn->out_proj->weight, resid_std, gen);
  normal_(c_fc->weight, kInitStd, gen);
  normal_(c_proj->weight, resid_std, gen);
  for (Tensor* b : {&attn->in_proj_bias, &attn->out_proj->bias, &c_fc->bias, &c_proj->bias})
    if (b->defined()) fill_(*b, 0.0f);
}

Tensor GPTBlock::mlp(const Tensor& x) {
  return resid_dropout->forward(c_proj->forward(gelu(c_fc->forward(x), gelu_tanh_)));
}

Tensor GPTBlock::forward(const Tensor& x, const Tensor& mask, Tensor* weights) {
  const Tensor h = ln_1->forward(x);
  auto a = attn->forward(h, h, h, Tensor(), mask, weights != nullptr, false);
  if (weights) *weights = a.weights.detach();  // [B, H, T, T]
  Tensor y = x + resid_dropout->forward(a.output);
  return y + mlp(ln_2->forward(y));
}

GPT::GPT(const GPTOptions& opt, Generator& gen, std::shared_ptr<Generator> dgen) : options(opt) {
  if (opt.width % opt.heads != 0)
    throw HyperparamError("gpt: width " + std::to_string(opt.width) +
                          " is not divisible by heads " + std::to_string(opt.heads));
  if (!dgen) dgen = std::make_shared<Generator>(0);
  wte = register_module("wte", std::make_shared<Embedding>(opt.vocab_size, opt.width, gen));
  wpe = register_module("wpe", std::make_shared<Embedding>(opt.context, opt.width, gen));
  normal_(wte->weight, kInitStd, gen);
  normal_(wpe->weight, kInitStd, gen);
  drop = register_module("drop", std::make_shared<Dropout>(opt.dropout, dgen));
  auto list = register_module("blocks", std::make_shared<ModuleList>());
  for (int64_t i = 0; i < opt.layers; ++i)
    blocks.push_back(list->push_back(std::make_shared<GPTBlock>(opt, gen, dgen)));
  ln_f = register_module("ln_f", std::make_shared<LayerNorm>(opt.width, 1e-5f, true, opt.bias));
  // No lm_head parameter: logits() multiplies by wte's weight (weight tying, Press & Wolf 2017),
  // so the gradient of both uses adds up in that one tensor.
}

Tensor GPT::embed(const Tensor& tokens, int64_t start) {
  if (tokens.ndim() != 2 || tokens.size(1) < 1 || start + tokens.size(1) > options.context)
    throw ShapeError("gpt: tokens of shape " + tokens.shape().str() + " after " +
                     std::to_string(start) + " cached positions must be [batch, length] with " +
                     "length >= 1 and at most the context of " + std::to_string(options.context));
  const int64_t T = tokens.size(1);
  Tensor pos = arange(static_cast<float>(start), static_cast<float>(start + T));  // [T]
  return drop->forward(wte->forward(tokens) + wpe->forward(pos));                 // [B, T, C]
}

Tensor GPT::logits(const Tensor& x) {
  return linear(ln_f->forward(x), wte->weight);  // [B, T, V]
}

Tensor GPT::forward(const Tensor& tokens) {
  Tensor x = embed(tokens, 0);
  const Tensor mask = causal_mask(tokens.size(1));  // [T, T]
  for (auto& block : blocks) x = block->forward(x, mask);
  return logits(x);
}

std::unique_ptr<LMCache> GPT::start_cache() {
  auto c = std::make_unique<GPTCache>();
  c->layers.resize(blocks.size());
  return c;
}

Tensor GPT::forward_cached(LMCache& base, const Tensor& tokens) {
  auto& cache = dynamic_cast<GPTCache&>(base);
  Tensor x = embed(tokens, cache.length());  // [B, n, C]
  // Each block as forward(), its attention appending the n new positions' keys and values to
  // its cache and attending over all of them (causally among the new ones).
  for (size_t l = 0; l < blocks.size(); ++l) {
    GPTBlock& b = *blocks[l];
    x = x + b.resid_dropout->forward(
                b.attn->forward_incremental(b.ln_1->forward(x), cache.layers[l]).output);
    x = x + b.mlp(b.ln_2->forward(x));
  }
  return logits(x);
}

std::vector<Tensor> GPT::attention_weights(const Tensor& tokens) {
  NoGradGuard no_grad;
  EvalModeGuard eval(*this);
  Tensor x = embed(tokens, 0);
  const Tensor mask = causal_mask(tokens.size(1));
  std::vector<Tensor> weights(blocks.size());
  for (size_t l = 0; l < blocks.size(); ++l) x = blocks[l]->forward(x, mask, &weights[l]);
  return weights;
}

ModelEntry gpt_model_entry() {
  ModelEntry e;
  e.name = "gpt";
  e.description = "Decoder-only Transformer language model (nanoGPT), trained on a text file";
  e.task = TaskKind::kLanguageModel;
  e.hyperparams = {
      int_param("layers", 6, "Transformer blocks (n_layer)", 1, 256),
      int_param("heads", 6, "Attention heads (must divide width)", 1, 256),
      int_param("width", 384, "Model width (n_embd)", 1, 16384),
      int_param("context", 256, "Longest context in tokens (block_size)", 1, 1000000),
      float_param("dropout", 0.2, "Dropout on embeddings, attention and residuals", 0, 0.95),
      choice_param("gelu", "none", "The MLP's GELU: none (exact erf) or tanh", {"none", "tanh"}),
      bool_param("bias", true,
                 "Biases in linear layers and layer norms (GPT-2); nanoGPT's train.py has false"),
  };
  e.create = [](const Hyperparams& p, const ModelDims& d, Generator& init,
                std::shared_ptr<Generator> dropout) -> std::shared_ptr<Module> {
    GPTOptions o;
    o.vocab_size = d.target_vocab;
    o.layers = p.get_int("layers");
    o.heads = p.get_int("heads");
    o.width = p.get_int("width");
    o.context = p.get_int("context");
    o.dropout = p.get_float("dropout");
    o.gelu_tanh = p.get("gelu") == "tanh";
    o.bias = !p.has("bias") || p.get_bool("bias");  // absent in checkpoints from before the option
    return std::make_shared<GPT>(o, init, std::move(dropout));
  };
  return e;
}

namespace {

// A GPT small enough for finite differences: 2 blocks of 2 heads, 4 wide, context 4, no dropout.
GPTOptions tiny_gpt(bool gelu_tanh, bool bias = true) {
  GPTOptions o;
  o.vocab_size = 5;
  o.context = 4;
  o.layers = 2;
  o.heads = 2;
  o.width = 4;
  o.dropout = 0.0f;
  o.gelu_tanh = gelu_tanh;
  o.bias = bias;
  return o;
}

// GPT-2's N(0, 0.02) matrices give changes too small for finite differences to see: unit-sized
// ones (N(0, 0.5)), and biases and norms away from 0 and 1.
void checkable_parameters(Module& m, Generator& gen, uint64_t bias_seed) {
  randomise_biases(m, bias_seed);
  for (auto& [name, p] : m.named_parameters())
    if (p.ndim() >= 2) copy_(p, randn(p.shape(), gen, 0.0f, 0.5f));
}

const char* gelu_name(bool gelu_tanh) {
  return gelu_tanh ? "GELU tanh" : "GELU exact";
}

// Two LayerNorms per block, each dividing by a standard deviation that can be well below 1: a
// smaller finite-difference step, as for the Transformer's layers.
constexpr double kLayerNormEps = 0.3;

}  // namespace

// Pre-LN block with causal self-attention, on standardised rows [2, 3, 4], both GELU forms.
const LayerInfo gpt_block_layer{
    .name = "GPTBlock", .kind = OpKind::kLayer, .samples = [] {
      std::vector<Sample> out;
      for (bool tanh_form : {false, true}) {
        Generator gen(101);
        auto m = std::make_shared<GPTBlock>(tiny_gpt(tanh_form), gen, nullptr);
        checkable_parameters(*m, gen, 102);
        out.push_back(layer_sample(
            std::string("causal, ") + gelu_name(tanh_form), m,
            {{"x", standardized_rows({2, 3, 4}, 103)}},
            [m](const Inputs& x) { return m->forward(x[0], causal_mask(3)); }, kLayerNormEps));
      }
      return out;
    }};

// The whole model on ids [2, 4] (the full context): embeddings, both blocks, the final norm and
// the output projection tied to the token embedding, both GELU forms.
const LayerInfo gpt_layer{
    .name = "GPT", .kind = OpKind::kLayer, .samples = [] {
      std::vector<Sample> out;
      for (bool tanh_form : {false, true}) {
        Generator gen(104);
        auto m = std::make_shared<GPT>(tiny_gpt(tanh_form), gen, nullptr);
        checkable_parameters(*m, gen, 105);
        const Tensor ids = from_indices({1, 4, 2, 3, 0, 2, 2, 1}, {2, 4});
        out.push_back(layer_sample(
            std::string("ids [2, 4], ") + gelu_name(tanh_form), m, {},
            [m, ids](const Inputs&) { return m->forward(ids); }, kLayerNormEps));
      }
      // nanoGPT's bias=False: layer norms with a weight only, linear layers without a bias.
      Generator gen(106);
      auto m = std::make_shared<GPT>(tiny_gpt(false, false), gen, nullptr);
      checkable_parameters(*m, gen, 107);
      for (auto& [name, p] : m->named_parameters())
        if (p.ndim() == 1) copy_(p, uniform(p.shape(), 0.5f, 1.5f, gen));  // the norms' weights
      const Tensor ids = from_indices({3, 0, 1, 4, 2, 2, 0, 1}, {2, 4});
      out.push_back(layer_sample(
          "ids [2, 4], no bias", m, {}, [m, ids](const Inputs&) { return m->forward(ids); },
          kLayerNormEps));
      return out;
    }};

namespace {
// GPT's classes live in models/, which layers/CMakeLists.txt's list cannot name (layers do not
// depend on models): registered as a layer outside the library is (docs/extending.md). The model
// registry refers to this file, so the linker keeps it and its registrar.
const bool registered = (register_layer(gpt_block_layer), register_layer(gpt_layer), true);
}  // namespace

}  // namespace attend
