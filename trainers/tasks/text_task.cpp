#include "trainers/tasks/text_task.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "datasets/data_error.h"
#include "models/hyperparams.h"

namespace attend {
namespace {

TextSplitData encode_split(const std::vector<TextPair>& pairs, const TextPipeline& p) {
  TextSplitData out;
  out.pairs = encode_pairs(tokenize_pairs(pairs, p), p.source_vocab, p.target_vocab);
  for (const auto& p : pairs) {
    out.sources.push_back(p.source);
    out.references.push_back(p.target);
  }
  return out;
}

// BLEU of the hypotheses whose source has between lo and hi tokens (inclusive).
double bleu_in_bucket(const std::vector<std::string>& hyp, const std::vector<std::string>& ref,
                      const std::vector<SequencePair>& pairs, size_t lo, size_t hi,
                      const BleuOptions& options) {
  std::vector<std::string> h, r;
  for (size_t i = 0; i < hyp.size(); ++i)
    if (pairs[i].source.size() >= lo && pairs[i].source.size() <= hi) {
      h.push_back(hyp[i]);
      r.push_back(ref[i]);
    }
  return h.empty() ? std::nan("") : corpus_bleu(h, {r}, options).score;
}

}  // namespace

TextData prepare_text_data(const TextSplits& splits, const TextPipeline& p) {
  TextData d;
  d.source_tokenizer = p.source_tokenizer;
  d.target_tokenizer = p.target_tokenizer;
  d.source_vocab = p.source_vocab;
  d.target_vocab = p.target_vocab;
  d.train = encode_split(splits.train, p);
  d.valid = encode_split(splits.valid, p);
  d.test = encode_split(splits.test, p);
  return d;
}

TextData prepare_text_data(const TextSplits& splits, const TextDataOptions& options) {
  return prepare_text_data(splits, build_text_pipeline(splits.train, options));
}

std::vector<std::string> decode_to_text(SequenceModel& model, const std::vector<SequencePair>& data,
                                        const Vocab& target_vocab,
                                        const TextTokenizer& target_tokenizer,
                                        const DecodeOptions& options, int64_t batch_size,
                                        const CollateOptions& collate_options) {
  // Sorting by source length keeps padding (and wasted decoder work) small.
  std::vector<int64_t> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return data[a].source.size() < data[b].source.size();
  });
  std::vector<std::string> out(data.size());
  for (size_t start = 0; start < order.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(order.size(), start + static_cast<size_t>(batch_size));
    std::span<const int64_t> rows(order.data() + start, end - start);
    Batch b = collate(data, rows, collate_options);
    std::vector<Hypothesis> hyps = decode(model, b.source, b.source_padding_mask, options);
    for (size_t i = 0; i < rows.size(); ++i)
      out[rows[i]] = target_tokenizer.detokenize(target_vocab.decode(hyps[i].tokens));
  }
  return out;
}

TextTask::TextTask(std::shared_ptr<SequenceModel> model, std::shared_ptr<const TextData> data,
                   TextTaskOptions options)
    : model_(std::move(model)), data_(std::move(data)), options_(std::move(options)) {
  const int64_t max_len = model_->max_length();
  if (max_len <= 0) return;
  // A sequence longer than the model's positions would fail at its first batch with a shape
  // error; say which option to change before training starts instead.
  const std::pair<const char*, const TextSplitData*> splits[] = {
      {"training", &data_->train}, {"validation", &data_->valid}, {"test", &data_->test}};
  for (const auto& [name, split] : splits)
    for (size_t i = 0; i < split->pairs.size(); ++i) {
      const SequencePair& p = split->pairs[i];
      const size_t s = collated_source_length(p.source.size(), options_.collate);
      const size_t t = collated_target_length(p.target.size(), options_.collate);
      if (std::max(s, t) > static_cast<size_t>(max_len))
        throw HyperparamError("max-length " + std::to_string(max_len) + " is shorter than " + name +
                              " pair " + std::to_string(i + 1) + " (" +
                              std::to_string(std::max(s, t)) +
                              " tokens with <bos>/<eos>): raise --max-length, or cut sources with "
                              "--max-source-length");
    }
}

void TextTask::check_source_fits(const std::vector<int64_t>& ids, const std::string& what) const {
  const int64_t max_len = model_->max_length();
  if (max_len <= 0) return;
  const size_t n = collated_source_length(ids.size(), options_.collate);
  if (n > static_cast<size_t>(max_len))
    throw DataError(what + " has " + std::to_string(n) + " tokens with <eos>, more than the " +
                    std::to_string(max_len) + " this model takes (its max-length)");
}

int64_t TextTask::plan_epoch(int64_t, Generator& shuffle) {
  BatchPlanOptions plan;
  plan.batch_size = options_.batch_size;
  plan.shuffle = true;
  plan.bucket_batches = options_.bucket_batches;
  plan_ = plan_batches(data_->train.pairs, plan, &shuffle);
  return static_cast<int64_t>(plan_.size());
}

void TextTask::distribute(Communicator& comm) {
  if (options_.batch_size % comm.size() != 0)
    throw std::invalid_argument("batch size " + std::to_string(options_.batch_size) +
                                " does not divide among " + std::to_string(comm.size()) + " ranks");
  comm_ = &comm;
}

Tensor TextTask::batch_loss(int64_t i, int64_t& units) {
  const std::span<const int64_t> batch = plan_.at(static_cast<size_t>(i));
  const Share share = share_of(batch.size(), *comm_);
  units = 0;
  if (share.size() == 0) return Tensor();
  Batch b = collate(data_->train.pairs, batch.subspan(share.begin, share.size()), options_.collate);
  Tensor logits = model_->forward(b.source, b.source_padding_mask, b.target_input);  // [B, T, V]
  const int64_t V = logits.size(2);
  units = b.num_target_tokens();
  return cross_entropy(reshape(logits, {-1, V}), reshape(b.target_output, {-1}), Vocab::kPad,
                       options_.label_smoothing);
}

std::map<std::string, double> TextTask::evaluate(EvalSplit split) {
  return evaluate_text(split).metrics;
}

TextTask::Evaluation TextTask::evaluate_text(EvalSplit split) {
  const TextSplitData& s = split == EvalSplit::kValid ? data_->valid : data_->test;
  EvalModeGuard eval_mode(*model_);
  NoGradGuard no_grad;
  // Teacher-forced loss per target token, each rank over its share of the split.
  double nll = 0;
  int64_t tokens = 0;
  const Share mine = share_of(s.pairs.size(), *comm_);
  std::vector<int64_t> all(mine.size());
  std::iota(all.begin(), all.end(), static_cast<int64_t>(mine.begin));
  for (size_t start = 0; start < all.size();
       start += static_cast<size_t>(options_.eval_batch_size)) {
    const size_t end = std::min(all.size(), start + static_cast<size_t>(options_.eval_batch_size));
    Batch b = collate(s.pairs, std::span<const int64_t>(all.data() + start, end - start),
                      options_.collate);
    Tensor logits = model_->forward(b.source, b.source_padding_mask, b.target_input);
    Tensor sum = cross_entropy(reshape(logits, {-1, logits.size(2)}),
                               reshape(b.target_output, {-1}), Vocab::kPad, 0.0f, Reduction::kSum);
    nll += sum.item();
    tokens += b.num_target_tokens();
  }
  const double local[] = {nll, static_cast<double>(tokens)};
  const std::vector<double> total = comm_->sum(local);
  nll = total[0];
  tokens = static_cast<int64_t>(total[1]);
  std::map<std::string, double> m;
  m["loss"] = tokens ? nll / static_cast<double>(tokens) : std::nan("");
  m["ppl"] = perplexity(nll, tokens);

  size_t n = s.pairs.size();
  const int64_t limit =
      split == EvalSplit::kValid ? options_.max_eval_examples : options_.max_test_examples;
  if (limit > 0) n = std::min(n, static_cast<size_t>(limit));
  std::vector<SequencePair> pairs(s.pairs.begin(), s.pairs.begin() + static_cast<int64_t>(n));
  std::vector<std::string> refs(s.references.begin(),
                                s.references.begin() + static_cast<int64_t>(n));
  // Each rank decodes its share; every rank scores all of them.
  const Share share = share_of(n, *comm_);
  const std::vector<SequencePair> to_decode(pairs.begin() + static_cast<int64_t>(share.begin),
                                            pairs.begin() + static_cast<int64_t>(share.end));
  const std::vector<std::string> hyps = gather_all(
      *comm_, decode_to_text(*model_, to_decode, data_->target_vocab, *data_->target_tokenizer,
                             options_.decode, options_.eval_batch_size, options_.collate));
  if (options_.score == TextScore::kRouge) {
    RougeScore r = rouge(hyps, refs);
    m["rouge1"] = 100 * r.rouge1;
    m["rouge2"] = 100 * r.rouge2;
    m["rougeL"] = 100 * r.rougeL;
  } else {
    const BleuOptions& b = options_.bleu;
    m["bleu"] = corpus_bleu(hyps, {refs}, b).score;
    m["bleu@1-10"] = bleu_in_bucket(hyps, refs, pairs, 1, 10, b);
    m["bleu@11-20"] = bleu_in_bucket(hyps, refs, pairs, 11, 20, b);
    m["bleu@21+"] = bleu_in_bucket(hyps, refs, pairs, 21, SIZE_MAX, b);
  }
  return {std::move(m), std::move(hyps), std::move(refs)};
}

std::vector<std::string> TextTask::generate(const std::vector<std::string>& sources,
                                            const DecodeOptions& options) {
  const TextTokenizer& tok = *data_->source_tokenizer;
  std::vector<SequencePair> pairs;
  std::vector<size_t> rows;  // the sources that have tokens; the others stay empty outputs
  for (size_t i = 0; i < sources.size(); ++i) {
    std::vector<int64_t> ids;
    try {
      ids = data_->source_vocab.encode(tok.tokenize(sources[i]));
    } catch (const DataError& e) {  // invalid UTF-8: say which input
      throw DataError("input " + std::to_string(i + 1) + ": " + e.what());
    }
    if (ids.empty()) continue;
    check_source_fits(ids, "input " + std::to_string(i + 1));
    pairs.push_back({std::move(ids), {}});
    rows.push_back(i);
  }
  std::vector<std::string> out(sources.size());
  std::vector<std::string> decoded =
      decode_to_text(*model_, pairs, data_->target_vocab, *data_->target_tokenizer, options,
                     options_.eval_batch_size, options_.collate);
  for (size_t k = 0; k < rows.size(); ++k) out[rows[k]] = std::move(decoded[k]);
  return out;
}

}  // namespace attend
