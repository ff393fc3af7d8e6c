// A speech dataset as a model sees it: utterances of (features [frames, bins], transcript), in
// train / valid / test splits, with the FeaturePipeline that made the features (its global
// statistics come from the training split). Loaders (manifest.h, digits.h, speech_datasets.h)
// first produce AudioClips, mono samples at the pipeline's rate; featurize() turns them into
// SpeechExamples and the samples are dropped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "datasets/audio/features.h"
#include "datasets/vocab.h"

namespace attend::audio {

// One utterance as audio.
struct AudioClip {
  std::string id;              // "7_jackson_32", "strings-test-0042", a manifest's audio path
  std::string speaker;         // "" when the source does not say
  std::string transcript;      // "seven", "three one four"
  std::vector<float> samples;  // mono, at the pipeline's sample rate
  std::string source;          // file to name in an error (the audio file, or the manifest)
  int64_t line = 0;            // manifest line, 0 if none
};

// One utterance ready for a model.
struct SpeechExample {
  std::string id;
  std::string speaker;
  std::string transcript;
  Tensor features;              // [frames, bins], normalised as the pipeline says
  double seconds = 0;           // duration of the audio
  std::vector<int64_t> target;  // transcript as vocabulary ids (encode_targets), no <bos>/<eos>
  int64_t frames() const { return features.defined() ? features.size(0) : 0; }
};

struct SpeechDataset {
  std::string name;
  std::vector<SpeechExample> train, valid, test;
  FeaturePipeline pipeline;  // fbank options, normalisation, the training split's statistics
};

// Features of every clip of each split. With global normalisation the statistics are computed on
// train (which must not be empty) and stored in pipeline, unless the pipeline already holds some
// (a checkpoint's); then every split is normalised. Throws
// DataError naming the clip's source (and line) when a clip is shorter than one frame.
SpeechDataset featurize(std::string name, std::vector<AudioClip> train,
                        std::vector<AudioClip> valid, std::vector<AudioClip> test,
                        FeaturePipeline pipeline);

// The character vocabulary of the training transcripts (transcript.h): the four specials, then
// characters by frequency. Unseen characters encode as <unk>.
Vocab character_vocab(const std::vector<SpeechExample>& train);

// example.target = vocab ids of its transcript's characters, for every example.
void encode_targets(std::vector<SpeechExample>& examples, const Vocab& vocab);

}  // namespace attend::audio
