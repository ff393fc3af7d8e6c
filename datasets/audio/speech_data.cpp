// featurize, character vocabulary and target encoding (see speech_data.h).
#include "datasets/audio/speech_data.h"

#include "datasets/audio/transcript.h"
#include "datasets/data_error.h"

namespace attend::audio {

namespace {

// Raw (unnormalised) features of each clip, released sample by sample as we go.
std::vector<SpeechExample> raw_examples(std::vector<AudioClip>& clips, const FeaturePipeline& p) {
  std::vector<SpeechExample> out;
  out.reserve(clips.size());
  for (AudioClip& c : clips) {
    const auto n = static_cast<int64_t>(c.samples.size());
    if (std::string why = too_short_reason(n, p.fbank_options()); !why.empty())
      throw DataError(c.source, c.line, (c.line > 0 ? c.id + ": " : std::string()) + why);
    SpeechExample e;
    e.id = std::move(c.id);
    e.speaker = std::move(c.speaker);
    e.transcript = std::move(c.transcript);
    e.seconds = static_cast<double>(n) / p.sample_rate();
    e.features = p.raw(c.samples);
    std::vector<float>().swap(c.samples);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

SpeechDataset featurize(std::string name, std::vector<AudioClip> train,
                        std::vector<AudioClip> valid, std::vector<AudioClip> test,
                        FeaturePipeline pipeline) {
  SpeechDataset d{std::move(name), raw_examples(train, pipeline), raw_examples(valid, pipeline),
                  raw_examples(test, pipeline), std::move(pipeline)};
  if (d.pipeline.normalization() == Normalization::kGlobal && !d.pipeline.stats()) {
    if (d.train.empty())
      throw DataError(d.name + ": global normalisation needs a training split, and it is empty");
    FeatureStats stats;
    for (const SpeechExample& e : d.train) stats.add(e.features);
    d.pipeline.set_stats(std::move(stats));
  }
  for (auto* split : {&d.train, &d.valid, &d.test})
    for (SpeechExample& e : *split) e.features = d.pipeline.normalize(e.features);
  return d;
}

Vocab character_vocab(const std::vector<SpeechExample>& train) {
  std::vector<std::vector<std::string>> chars;
  chars.reserve(train.size());
  for (const SpeechExample& e : train) chars.push_back(transcript_characters(e.transcript));
  return Vocab::build(chars);
}

void encode_targets(std::vector<SpeechExample>& examples, const Vocab& vocab) {
  for (SpeechExample& e : examples) e.target = vocab.encode(transcript_characters(e.transcript));
}

}  // namespace attend::audio
