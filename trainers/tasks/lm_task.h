// Language modelling on one text stream, as nanoGPT's train.py: each batch is batch_size random
// windows of context + 1 tokens from the training split (inputs the first context, targets the
// next token at every position), the loss the mean cross-entropy per token; training is counted
// in iterations, and an "epoch" is the eval_interval iterations between two evaluations.
// Validation takes the mean over a fixed set of eval_batches random windows (the same at every
// evaluation, so the curves compare like with like) and reports nats per token ("loss"), bits per
// token ("bpc": bits per character for a character vocabulary) and perplexity.
//   B = batch_size, T = context, V = vocabulary
#pragma once
#include <memory>
#include <string>

#include "datasets/lm_corpus.h"
#include "models/language_model.h"
#include "trainers/task.h"
#include "trainers/tasks/sampling.h"

namespace attend {

struct LMTaskOptions {
  int64_t batch_size = 64;
  int64_t eval_interval = 250;  // iterations (optimizer steps) per epoch
  int64_t accumulate = 1;       // micro-batches per iteration (the trainer's accumulate)
  int64_t eval_batches = 200;   // nanoGPT's eval_iters
  uint64_t eval_seed = 1337;    // which windows validation uses
  // A sample at each evaluation, from a newline, logged in metrics.jsonl ("sample"); 0 = none.
  int64_t sample_tokens = 200;
};

class LanguageModelTask : public TrainingTask {
 public:
  LanguageModelTask(std::shared_ptr<LanguageModel> model, std::shared_ptr<const LMCorpus> data,
                    LMTaskOptions options);

  Module& model() override { return *model_; }
  LanguageModel& language_model() { return *model_; }
  std::string unit() const override { return "tok"; }
  // eval_interval * accumulate micro-batches, their windows drawn from `shuffle`.
  int64_t plan_epoch(int64_t epoch, Generator& shuffle) override;
  Tensor batch_loss(int64_t i, int64_t& units) override;
  // "loss" (nats per token), "bpc" (bits per token) and "ppl" on the validation split (kTest too:
  // nanoGPT's split has no test part).
  std::map<std::string, double> evaluate(EvalSplit split) override;
  std::map<std::string, std::string> evaluation_text() override;
  std::string default_metric() const override { return "loss"; }
  std::vector<std::string> metric_names() const override { return {"loss", "bpc", "ppl"}; }

  const LMCorpus& data() const { return *data_; }
  const LMTaskOptions& options() const { return options_; }

 private:
  // inputs and targets [B, T] of the windows starting at starts[from .. from + B).
  std::pair<Tensor, Tensor> batch(const std::vector<int32_t>& ids,
                                  const std::vector<int64_t>& starts, size_t from) const;
  std::vector<int64_t> random_starts(const std::vector<int32_t>& ids, int64_t count,
                                     Generator& gen) const;

  std::shared_ptr<LanguageModel> model_;
  std::shared_ptr<const LMCorpus> data_;
  LMTaskOptions options_;
  std::vector<int64_t> starts_;  // this epoch's windows, batch_size per micro-batch
  int64_t epoch_ = 0;
};

}  // namespace attend
