// Text-to-text training (translation, summarization) for any SequenceModel: tokenised and encoded
// splits, length-bucketed batches, teacher-forced cross-entropy, and evaluation by decoding with
// BLEU (sacreBLEU's defaults) or ROUGE against the raw reference text.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "datasets/batching.h"
#include "datasets/bundled.h"
#include "datasets/text_pipeline.h"
#include "datasets/vocab.h"
#include "models/sequence_model.h"
#include "trainers/task.h"
#include "trainers/tasks/decoding.h"
#include "trainers/tasks/metrics.h"

namespace attend {

// How text becomes tokens: the tokenizer kind (word or SentencePiece), its options, the
// vocabulary options, joint or separate sides (datasets/text_pipeline.h).
using TextDataOptions = TextPipelineOptions;

struct TextSplitData {
  std::vector<SequencePair> pairs;      // encoded ids (no specials; collate adds them)
  std::vector<std::string> sources;     // raw text, as in the file
  std::vector<std::string> references;  // raw target text: what BLEU/ROUGE compare with
};

struct TextData {
  // The same object on both sides when the vocabulary is joint.
  std::shared_ptr<const TextTokenizer> source_tokenizer, target_tokenizer;
  Vocab source_vocab, target_vocab;
  TextSplitData train, valid, test;
};

// Tokenizers and vocabularies from the training split (SentencePiece models trained on it).
TextData prepare_text_data(const TextSplits& splits, const TextDataOptions& options);
// With given tokenizers and vocabularies (evaluating a checkpoint): unknown tokens become <unk>.
TextData prepare_text_data(const TextSplits& splits, const TextPipeline& pipeline);

// What evaluate() scores the decoded text with: BLEU (translation) or ROUGE (summarization).
enum class TextScore { kBleu, kRouge };

struct TextTaskOptions {
  int64_t batch_size = 64;
  int64_t bucket_batches = 50;  // sort this many batches' worth by length, then batch (0 = off)
  float label_smoothing = 0.0f;
  TextScore score = TextScore::kBleu;
  DecodeOptions decode;
  int64_t eval_batch_size = 100;
  int64_t max_eval_examples = 0;  // validation: decode at most this many per evaluation (0 = all)
  int64_t max_test_examples = 0;  // test: at most this many (0 = all: what attend train scores)
  BleuOptions bleu;               // case-insensitive BLEU (sacreBLEU's -lc) when asked
  CollateOptions collate;
};

class TextTask : public TrainingTask {
 public:
  TextTask(std::shared_ptr<SequenceModel> model, std::shared_ptr<const TextData> data,
           TextTaskOptions options);

  Module& model() override { return *model_; }
  std::string unit() const override { return "tok"; }
  int64_t plan_epoch(int64_t epoch, Generator& shuffle) override;
  Tensor batch_loss(int64_t i, int64_t& units) override;
  void distribute(Communicator& comm) override;
  // "loss" and "ppl" (teacher forced, per target token), then "bleu" with "bleu@1-10",
  // "bleu@11-20", "bleu@21+" by source length in tokens, or "rouge1", "rouge2", "rougeL" (0-100).
  std::map<std::string, double> evaluate(EvalSplit split) override;
  // The same, with what was scored: the decoded outputs and their references, in split order.
  struct Evaluation {
    std::map<std::string, double> metrics;
    std::vector<std::string> hypotheses, references;
  };
  Evaluation evaluate_text(EvalSplit split);
  std::string default_metric() const override {
    return options_.score == TextScore::kRouge ? "rougeL" : "bleu";
  }
  std::vector<std::string> metric_names() const override {
    if (options_.score == TextScore::kRouge) return {"loss", "ppl", "rouge1", "rouge2", "rougeL"};
    return {"loss", "ppl", "bleu", "bleu@1-10", "bleu@11-20", "bleu@21+"};
  }

  // Decodes raw sentences and returns detokenised outputs, one per source, in order; a source
  // with no tokens (empty, only spaces) gives an empty output without decoding. Throws DataError
  // naming "input N" (1-based position) for a source longer than the model takes.
  std::vector<std::string> generate(const std::vector<std::string>& sources,
                                    const DecodeOptions& options);
  const TextTaskOptions& options() const { return options_; }
  // Throws DataError naming `what` (e.g. "input 2") when source ids [S] (no specials) make a
  // sequence longer than the model's max_length() once collate adds its specials.
  void check_source_fits(const std::vector<int64_t>& ids, const std::string& what) const;

 private:
  std::shared_ptr<SequenceModel> model_;
  std::shared_ptr<const TextData> data_;
  TextTaskOptions options_;
  std::vector<std::vector<int64_t>> plan_;
  Communicator* comm_ = &single_process();
};

// Translates already encoded sources (batched by length), in input order: target ids back to
// tokens (target_vocab), tokens back to text (target_tokenizer).
std::vector<std::string> decode_to_text(SequenceModel& model, const std::vector<SequencePair>& data,
                                        const Vocab& target_vocab,
                                        const TextTokenizer& target_tokenizer,
                                        const DecodeOptions& options, int64_t batch_size,
                                        const CollateOptions& collate = {});

}  // namespace attend
