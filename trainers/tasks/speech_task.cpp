#include "trainers/tasks/speech_task.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "datasets/data_error.h"

#ifdef ATTEND_HAVE_AUDIO
#include "datasets/audio/speech_batching.h"
#include "datasets/audio/summary.h"
#include "datasets/audio/transcript.h"
#include "trainers/tasks/error_rate.h"
#endif

namespace attend {

double monotonic_fraction(const std::vector<Transcription>& transcriptions) {
  int64_t counted = 0, forward = 0;
  for (const Transcription& t : transcriptions) {
    const int64_t K = t.listener_steps;
    if (K == 0) continue;
    const int64_t rows = static_cast<int64_t>(t.alignment.size()) / K;
    int64_t previous = -1;
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = t.alignment.data() + r * K;
      const int64_t peak = std::max_element(row, row + K) - row;
      if (r > 0) {
        ++counted;
        forward += peak >= previous;
      }
      previous = peak;
    }
  }
  return counted ? static_cast<double>(forward) / static_cast<double>(counted) : std::nan("");
}

#ifdef ATTEND_HAVE_AUDIO

namespace {

// Positions 0..n-1 ordered by frame count (little padding per decoding batch).
std::vector<int64_t> by_frames(const std::vector<audio::SpeechExample>& examples) {
  std::vector<int64_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return examples[a].frames() < examples[b].frames();
  });
  return order;
}

// Batches of at most `size` consecutive positions of order.
std::vector<std::span<const int64_t>> chunks(const std::vector<int64_t>& order, int64_t size) {
  std::vector<std::span<const int64_t>> out;
  for (size_t start = 0; start < order.size(); start += static_cast<size_t>(size))
    out.emplace_back(order.data() + start,
                     std::min(order.size() - start, static_cast<size_t>(size)));
  return out;
}

std::string spelled_text(const Vocab& vocab, const std::vector<int64_t>& tokens) {
  return audio::characters_to_text(vocab.decode(tokens));
}

}  // namespace

SpeechData prepare_speech_data(audio::SpeechDataset dataset, const Vocab& vocab) {
  for (auto* split : {&dataset.train, &dataset.valid, &dataset.test})
    audio::encode_targets(*split, vocab);
  return {std::move(dataset), vocab};
}

SpeechData prepare_speech_data(audio::SpeechDataset dataset) {
  const Vocab vocab = audio::character_vocab(dataset.train);
  return prepare_speech_data(std::move(dataset), vocab);
}

SpeechTask::SpeechTask(std::shared_ptr<LAS> model, std::shared_ptr<const SpeechData> data,
                       SpeechTaskOptions options)
    : model_(std::move(model)), data_(std::move(data)), options_(std::move(options)) {}

int64_t SpeechTask::plan_epoch(int64_t, Generator& shuffle) {
  BatchPlanOptions plan;
  plan.batch_size = options_.batch_size;
  plan.shuffle = true;
  plan.bucket_batches = options_.bucket_batches;
  plan_ = audio::plan_speech_batches(data_->dataset.train, plan, &shuffle);
  augment_seed_ = shuffle.next_u64();
  return static_cast<int64_t>(plan_.size());
}

Tensor SpeechTask::batch_loss(int64_t i, int64_t& units) {
  audio::SpeechCollateOptions c;
  c.frame_multiple = model_->time_reduction();
  c.spec_augment = options_.spec_augment;
  c.augment = options_.augment;
  // Each batch's masks from its own seed: a resumed run draws the same ones.
  Generator augment(augment_seed_ + static_cast<uint64_t>(i));
  const audio::SpeechBatch b =
      audio::collate_speech(data_->dataset.train, plan_.at(static_cast<size_t>(i)), c, &augment);
  const LAS::Listened listened = model_->listen(b.features, b.frame_padding_mask);
  Tensor logits = model_->spell(listened, b.target_input);  // [B, U, V]
  units = b.num_target_tokens();
  Tensor loss = cross_entropy(reshape(logits, {-1, logits.size(2)}), reshape(b.target_output, {-1}),
                              Vocab::kPad, options_.label_smoothing);
  if (!model_->ctc) return loss;
  // CTC over the characters alone (target_output without its <eos>); blank = <pad>. An
  // utterance with more characters than listener steps can hold counts 0 (zero_infinity).
  std::vector<int64_t> chars;
  for (int64_t n : b.target_lengths) chars.push_back(n - 1);
  Tensor ctc = ctc_loss(model_->ctc_logits(listened), b.target_output, listened.lengths, chars,
                        Vocab::kPad, Reduction::kMean, /*zero_infinity=*/true);
  const float lambda = model_->options.ctc_weight;
  return loss * (1.0f - lambda) + ctc * lambda;
}

std::vector<Transcription> SpeechTask::transcribe(const std::vector<Tensor>& features,
                                                  const DecodeOptions& decode_options) {
  EvalModeGuard eval_mode(*model_);
  NoGradGuard no_grad;
  std::vector<audio::SpeechExample> examples(features.size());
  for (size_t i = 0; i < features.size(); ++i) examples[i].features = features[i];
  audio::SpeechCollateOptions c;
  c.frame_multiple = model_->time_reduction();
  std::vector<Transcription> out(features.size());
  const std::vector<int64_t> order = by_frames(examples);
  for (std::span<const int64_t> rows : chunks(order, options_.eval_batch_size)) {
    const audio::SpeechBatch b = audio::collate_speech(examples, rows, c);
    const std::vector<Hypothesis> hyps =
        decode(*model_, b.features, b.frame_padding_mask, decode_options);
    // The alignment of each output step: the speller fed its own output (what it attended to
    // while decoding greedily; with a beam, along the chosen hypothesis).
    std::vector<audio::SpeechExample> spelled(rows.size());
    std::vector<int64_t> all(rows.size());
    for (size_t k = 0; k < rows.size(); ++k) {
      spelled[k].features = examples[rows[k]].features;
      spelled[k].target = hyps[k].tokens;
      spelled[k].transcript = spelled_text(data_->vocab, hyps[k].tokens);
      all[k] = static_cast<int64_t>(k);
    }
    const audio::SpeechBatch t = audio::collate_speech(spelled, all, c);
    const LAS::Listened listened = model_->listen(t.features, t.frame_padding_mask);
    Tensor alignments;  // [B, U, T']
    model_->spell(listened, t.target_input, &alignments);
    const int64_t U = alignments.size(1), K = alignments.size(2);
    for (size_t k = 0; k < rows.size(); ++k) {
      Transcription& r = out[rows[k]];
      r.tokens = hyps[k].tokens;
      r.text = spelled[k].transcript;
      r.log_prob = hyps[k].log_prob;
      r.listener_steps = listened.lengths[k];
      const int64_t steps = static_cast<int64_t>(r.tokens.size()) + (hyps[k].finished ? 1 : 0);
      for (int64_t u = 0; u < std::min(steps, U); ++u) {
        const float* row = alignments.data() + (static_cast<int64_t>(k) * U + u) * K;
        r.alignment.insert(r.alignment.end(), row, row + r.listener_steps);
      }
    }
  }
  return out;
}

std::vector<Transcription> SpeechTask::transcribe_files(const std::vector<std::string>& paths,
                                                        const DecodeOptions& decode_options) {
  const audio::FeaturePipeline& pipeline = data_->dataset.pipeline;
  std::vector<Tensor> features;
  for (const std::string& path : paths) {
    const audio::Waveform w = pipeline.read(path);
    if (w.samples.empty()) throw DataError(path, 0, "empty: no samples to transcribe");
    float peak = 0;
    for (float v : w.samples) peak = std::max(peak, std::fabs(v));
    if (peak < audio::kSilentPeak)
      throw DataError(path, 0, "silent (peak below -80 dBFS): nothing to transcribe");
    const std::string why =
        audio::too_short_reason(static_cast<int64_t>(w.samples.size()), pipeline.fbank_options());
    if (!why.empty()) throw DataError(path, 0, why);
    features.push_back(pipeline.normalize(pipeline.raw(w.samples)));
  }
  return transcribe(features, decode_options);
}

std::map<std::string, double> SpeechTask::evaluate(EvalSplit split) {
  const std::vector<audio::SpeechExample>& examples =
      split == EvalSplit::kValid ? data_->dataset.valid : data_->dataset.test;
  EvalModeGuard eval_mode(*model_);
  NoGradGuard no_grad;
  std::map<std::string, double> m;
  // Teacher-forced cross-entropy per character (<eos> included).
  audio::SpeechCollateOptions c;
  c.frame_multiple = model_->time_reduction();
  double nll = 0;
  int64_t tokens = 0;
  const std::vector<int64_t> order = by_frames(examples);
  for (std::span<const int64_t> rows : chunks(order, options_.eval_batch_size)) {
    const audio::SpeechBatch b = audio::collate_speech(examples, rows, c);
    Tensor logits = model_->forward(b.features, b.frame_padding_mask, b.target_input);
    nll += cross_entropy(reshape(logits, {-1, logits.size(2)}), reshape(b.target_output, {-1}),
                         Vocab::kPad, 0.0f, Reduction::kSum)
               .item();
    tokens += b.num_target_tokens();
  }
  m["loss"] = tokens ? nll / static_cast<double>(tokens) : std::nan("");

  size_t n = examples.size();
  const int64_t limit =
      split == EvalSplit::kValid ? options_.max_eval_examples : options_.max_test_examples;
  if (limit > 0) n = std::min(n, static_cast<size_t>(limit));
  std::vector<Tensor> features;
  for (size_t i = 0; i < n; ++i) features.push_back(examples[i].features);
  const std::vector<Transcription> heard = transcribe(features, options_.decode);
  std::vector<std::string> refs, hyps;
  std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> speakers;
  int64_t exact = 0;
  for (size_t i = 0; i < n; ++i) {
    refs.push_back(audio::normalize_transcript(examples[i].transcript));
    hyps.push_back(heard[i].text);
    exact += refs.back() == hyps.back();
    if (!examples[i].speaker.empty()) {
      speakers[examples[i].speaker].first.push_back(refs.back());
      speakers[examples[i].speaker].second.push_back(hyps.back());
    }
  }
  m["cer"] = 100 * character_errors(refs, hyps).rate();
  m["wer"] = 100 * word_errors(refs, hyps).rate();
  m["accuracy"] = n ? 100.0 * static_cast<double>(exact) / static_cast<double>(n) : std::nan("");
  m["monotonic"] = 100 * monotonic_fraction(heard);
  for (const auto& [speaker, pair] : speakers)
    m["cer@" + speaker] = 100 * character_errors(pair.first, pair.second).rate();
  return m;
}

#else  // Without audio support the class exists (its type is named elsewhere) but cannot be made.

SpeechTask::SpeechTask(std::shared_ptr<LAS>, std::shared_ptr<const SpeechData>, SpeechTaskOptions) {
  throw DataError("speech recognition: attend was built without audio support");
}
int64_t SpeechTask::plan_epoch(int64_t, Generator&) {
  return 0;
}
Tensor SpeechTask::batch_loss(int64_t, int64_t&) {
  return Tensor();
}
std::map<std::string, double> SpeechTask::evaluate(EvalSplit) {
  return {};
}
std::vector<Transcription> SpeechTask::transcribe(const std::vector<Tensor>&,
                                                  const DecodeOptions&) {
  return {};
}
std::vector<Transcription> SpeechTask::transcribe_files(const std::vector<std::string>&,
                                                        const DecodeOptions&) {
  return {};
}

#endif

}  // namespace attend
