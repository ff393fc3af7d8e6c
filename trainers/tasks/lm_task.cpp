#include "trainers/tasks/lm_task.h"

#include <cmath>
#include <numbers>

namespace attend {

LanguageModelTask::LanguageModelTask(std::shared_ptr<LanguageModel> model,
                                     std::shared_ptr<const LMCorpus> data, LMTaskOptions options)
    : model_(std::move(model)), data_(std::move(data)), options_(options) {}

std::vector<int64_t> LanguageModelTask::random_starts(const std::vector<int32_t>& ids,
                                                      int64_t count, Generator& gen) const {
  // A window is context + 1 tokens; torch.randint(len(data) - block_size, ...) in nanoGPT.
  const uint64_t range = ids.size() - static_cast<size_t>(model_->context_length());
  std::vector<int64_t> starts(static_cast<size_t>(count));
  for (int64_t& s : starts) s = static_cast<int64_t>(gen.randint(range));
  return starts;
}

int64_t LanguageModelTask::plan_epoch(int64_t epoch, Generator& shuffle) {
  epoch_ = epoch;
  const int64_t micro = options_.eval_interval * options_.accumulate;
  starts_ = random_starts(data_->train, micro * options_.batch_size, shuffle);
  return micro;
}

std::pair<Tensor, Tensor> LanguageModelTask::batch(const std::vector<int32_t>& ids,
                                                   const std::vector<int64_t>& starts,
                                                   size_t from) const {
  const int64_t B = options_.batch_size, T = model_->context_length();
  Tensor x = Tensor::empty({B, T}), y = Tensor::empty({B, T});
  float* px = x.data();
  float* py = y.data();
  for (int64_t b = 0; b < B; ++b) {
    const int32_t* w = ids.data() + starts[from + static_cast<size_t>(b)];
    for (int64_t t = 0; t < T; ++t) {
      px[b * T + t] = static_cast<float>(w[t]);
      py[b * T + t] = static_cast<float>(w[t + 1]);
    }
  }
  return {x, y};
}

Tensor LanguageModelTask::batch_loss(int64_t i, int64_t& units) {
  auto [x, y] = batch(data_->train, starts_, static_cast<size_t>(i * options_.batch_size));
  Tensor logits = model_->forward(x);  // [B, T, V]
  units = x.numel();
  return cross_entropy(reshape(logits, {-1, model_->vocab_size()}), reshape(y, {-1}));
}

std::map<std::string, double> LanguageModelTask::evaluate(EvalSplit) {
  NoGradGuard no_grad;
  EvalModeGuard eval(*model_);
  Generator gen(options_.eval_seed);
  const std::vector<int64_t> starts =
      random_starts(data_->valid, options_.eval_batches * options_.batch_size, gen);
  double sum = 0;
  for (int64_t k = 0; k < options_.eval_batches; ++k) {
    auto [x, y] = batch(data_->valid, starts, static_cast<size_t>(k * options_.batch_size));
    Tensor logits = model_->forward(x);
    sum += cross_entropy(reshape(logits, {-1, model_->vocab_size()}), reshape(y, {-1})).item();
  }
  const double loss = sum / static_cast<double>(options_.eval_batches);
  return {{"loss", loss}, {"bpc", loss / std::numbers::ln2}, {"ppl", std::exp(loss)}};
}

std::map<std::string, std::string> LanguageModelTask::evaluation_text() {
  if (options_.sample_tokens <= 0) return {};
  // From a newline when the vocabulary has one (nanoGPT's start="\n"), else from token 0; a fixed
  // seed per epoch, so the samples of a resumed run are the same.
  const int64_t nl = data_->vocab.id("\n");
  SampleOptions o;
  o.tokens = options_.sample_tokens;
  Generator gen(options_.eval_seed + static_cast<uint64_t>(epoch_));
  std::vector<int64_t> ids = sample(*model_, {nl >= 0 ? nl : 0}, o, gen);
  return {{"sample", data_->vocab.decode(ids)}};
}

}  // namespace attend
