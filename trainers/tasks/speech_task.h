// Speech recognition with a listen-attend-spell model (models/las.h): character targets, batches
// bucketed by frame count and padded to a multiple of the listener's time reduction, SpecAugment
// on training batches, teacher-forced cross-entropy (plus CTC on the listener when the model has
// a CTC head), and evaluation by decoding with the character and word error rates as sclite and
// jiwer count them (trainers/tasks/error_rate.h). Built only with audio support
// (ATTEND_HAVE_AUDIO: datasets/audio).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "datasets/audio/spec_augment.h"
#include "datasets/audio/speech_data.h"
#include "datasets/vocab.h"
#include "models/las.h"
#include "trainers/task.h"
#include "trainers/tasks/decoding.h"

namespace attend {

// Features and transcripts of every split, and the characters the model spells.
struct SpeechData {
  audio::SpeechDataset dataset;  // train / valid / test, and the FeaturePipeline that made them
  Vocab vocab;                   // characters ("▁" for a space) and the four specials
};

// The training split's characters become the vocabulary; every split's targets are encoded.
SpeechData prepare_speech_data(audio::SpeechDataset dataset);
// With a given vocabulary (evaluating a checkpoint): unseen characters become <unk>.
SpeechData prepare_speech_data(audio::SpeechDataset dataset, const Vocab& vocab);

struct SpeechTaskOptions {
  int64_t batch_size = 32;
  int64_t bucket_batches = 50;  // sort this many batches' worth by frames, then batch (0 = off)
  float label_smoothing = 0.0f;
  bool spec_augment = false;  // mask training batches (SpecAugment's LD policy unless changed)
  audio::SpecAugmentOptions augment;
  DecodeOptions decode;
  int64_t eval_batch_size = 100;
  int64_t max_eval_examples = 0;  // validation: decode at most this many per evaluation (0 = all)
  int64_t max_test_examples = 0;  // test: at most this many (0 = all: what attend train scores)
};

// One utterance as the model heard and spelled it.
struct Transcription {
  std::string text;
  std::vector<int64_t> tokens;  // character ids, no <bos>/<eos>
  float log_prob = 0;
  // The attention of each output step (the characters, then <eos> when generated) over the
  // listener's steps, row-major [tokens + 1, listener steps], from a teacher-forced pass over the
  // output; each row sums to 1.
  std::vector<float> alignment;
  int64_t listener_steps = 0;
};

class SpeechTask : public TrainingTask {
 public:
  SpeechTask(std::shared_ptr<LAS> model, std::shared_ptr<const SpeechData> data,
             SpeechTaskOptions options);

  Module& model() override { return *model_; }
  std::string unit() const override { return "char"; }
  int64_t plan_epoch(int64_t epoch, Generator& shuffle) override;
  Tensor batch_loss(int64_t i, int64_t& units) override;
  // "loss" (teacher-forced cross-entropy per character), "cer" and "wer" (%), "accuracy" (% of
  // utterances transcribed exactly), "monotonic" (% of output steps whose attention peak does not
  // move back to an earlier listener step than the step before's), and "cer@SPEAKER" per speaker
  // when the data names speakers.
  std::map<std::string, double> evaluate(EvalSplit split) override;
  std::string default_metric() const override { return "cer"; }
  std::vector<std::string> metric_names() const override {
    return {"loss", "cer", "wer", "accuracy", "monotonic"};
  }

  // Decodes normalised features [frames, bins] (one per utterance), batched, in input order.
  std::vector<Transcription> transcribe(const std::vector<Tensor>& features,
                                        const DecodeOptions& options);
  // Reads audio files through the data's FeaturePipeline (a checkpoint's: the features its model
  // was trained on) and transcribes them. Throws DataError naming a file that cannot be read, or
  // that is empty, shorter than one frame or silent (peak below -80 dBFS: nothing to transcribe).
  std::vector<Transcription> transcribe_files(const std::vector<std::string>& paths,
                                              const DecodeOptions& options);
  const SpeechData& data() const { return *data_; }
  const SpeechTaskOptions& options() const { return options_; }
  LAS& las() { return *model_; }

 private:
  std::shared_ptr<LAS> model_;
  std::shared_ptr<const SpeechData> data_;
  SpeechTaskOptions options_;
  std::vector<std::vector<int64_t>> plan_;
  uint64_t augment_seed_ = 0;  // SpecAugment of batch i draws from Generator(seed + i)
};

// The share (0-1) of output steps whose attention peak (argmax over listener steps) is not before
// the previous step's peak, over every utterance's alignment [steps, listener steps] (the first
// step of each has no previous one and is not counted); NaN when no step is counted.
double monotonic_fraction(const std::vector<Transcription>& transcriptions);

}  // namespace attend
