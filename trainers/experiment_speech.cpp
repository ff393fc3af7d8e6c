// The speech part of Experiment (experiment.h): listen-attend-spell models on speech datasets.
// A checkpoint's config["speech"] holds the data options (which utterances: digit strings or
// single digits, a held-out speaker, how many, the seed) and the feature pipeline (fbank options,
// normalisation and its statistics), so `attend eval` rebuilds the same splits and `attend
// transcribe` computes a new file's features exactly as training did.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "datasets/data_error.h"
#include "trainers/checkpoint.h"
#include "trainers/experiment.h"

#ifdef ATTEND_HAVE_AUDIO
#include "datasets/audio/speech_datasets.h"
#endif

namespace attend {
namespace {

using json = nlohmann::json;

CheckpointError bad_checkpoint(const std::string& path, const std::string& what) {
  return CheckpointError(path + ": " + what);
}

#ifdef ATTEND_HAVE_AUDIO
// A held-out speaker keeps the bank's own validation split (FSDD: 5 recordings per speaker and
// digit; the toy bank: 1 of its 4).
void resolve_split(audio::SpeechDataOptions& o, const std::string& data) {
  if (!o.split) return;
  audio::DigitSplitOptions s =
      audio::DigitSplitOptions::for_bank(data == "toy-digits" ? "toy-digits" : "fsdd");
  s.held_out_speaker = o.split->held_out_speaker;
  o.split = s;
}
#endif

}  // namespace

std::shared_ptr<LAS> Experiment::as_las() const {
  auto las = std::dynamic_pointer_cast<LAS>(model_);
  if (!las)
    throw std::logic_error("model '" + model_name_ +
                           "' is registered for speech but is "
                           "not a listen-attend-spell model");
  return las;
}

std::string Experiment::speech_config() const {
  const audio::SpeechDataOptions& o = speech_options_;
  const audio::DigitSplitOptions split = o.split.value_or(audio::DigitSplitOptions{});
  json j = {{"digits", o.task == audio::DigitTask::kSingles ? "singles" : "strings"},
            {"held_out_speaker", split.held_out_speaker},
            {"train_strings", o.train_strings},
            {"valid_strings", o.valid_strings},
            {"test_strings", o.test_strings},
            {"valid_fraction", o.valid_fraction},
            {"test_fraction", o.test_fraction},
            {"seed", o.seed}};
  if (!features_json_.empty()) j["features"] = json::parse(features_json_);
  return j.dump();
}

void Experiment::read_speech_config(const std::string& path, const std::string& text) {
  const json j = json::parse(text);
  audio::SpeechDataOptions& o = speech_options_;
  const std::string digits = j.at("digits").get<std::string>();
  if (digits != "strings" && digits != "singles")
    throw bad_checkpoint(path,
                         "speech config has digits '" + digits + "' (expected strings or singles)");
  o.task = digits == "singles" ? audio::DigitTask::kSingles : audio::DigitTask::kStrings;
  if (const std::string held = j.at("held_out_speaker").get<std::string>(); !held.empty()) {
    o.split = audio::DigitSplitOptions{};
    o.split->held_out_speaker = held;
  }
  o.train_strings = j.at("train_strings").get<int64_t>();
  o.valid_strings = j.at("valid_strings").get<int64_t>();
  o.test_strings = j.at("test_strings").get<int64_t>();
  o.valid_fraction = j.at("valid_fraction").get<double>();
  o.test_fraction = j.at("test_fraction").get<double>();
  o.seed = j.at("seed").get<uint64_t>();
  features_json_ = j.at("features").dump();
}

#ifdef ATTEND_HAVE_AUDIO

void Experiment::create_speech(const ExperimentConfig& c, const ModelEntry& entry,
                               Generator& init) {
  // A folder or manifest by its absolute path, so eval and report find it from anywhere.
  std::error_code ec;
  data_name_ = std::filesystem::exists(c.data, ec)
                   ? std::filesystem::absolute(c.data).lexically_normal().string()
                   : c.data;
  speech_options_ = c.speech;
  trained_decode_length_ = c.speech_task.decode.max_length;
  speech_options_.fbank = audio::default_fbank_for(c.data);
  resolve_split(speech_options_, c.data);
  auto data = std::make_shared<SpeechData>(
      prepare_speech_data(audio::load_speech_dataset(c.data, speech_options_)));
  features_json_ = data->dataset.pipeline.to_json();
  dims_.num_features = data->dataset.pipeline.num_features();
  dims_.target_vocab = data->vocab.size();
  model_ = entry.create(hyperparams_, dims_, init, dropout_);
  speech_data_ = data;
  SpeechTaskOptions options = c.speech_task;
  // SpecAugment's policies mask up to F of 80 bins; the same share of these features.
  const int64_t bins = speech_options_.fbank.num_mel_bins;
  options.augment.freq_mask_max = (options.augment.freq_mask_max * bins + 40) / 80;
  task_ = std::make_unique<SpeechTask>(as_las(), data, options);
  double seconds = 0;
  for (const audio::SpeechExample& e : data->dataset.train) seconds += e.seconds;
  char hours[32];
  std::snprintf(hours, sizeof hours, "%.2f", seconds / 3600);
  data_summary_ = std::to_string(data->dataset.train.size()) + "/" +
                  std::to_string(data->dataset.valid.size()) + "/" +
                  std::to_string(data->dataset.test.size()) + " utterances (" + hours +
                  " h of training audio), " + std::to_string(dims_.num_features) + " features, " +
                  std::to_string(dims_.target_vocab) + " characters";
}

void Experiment::load_speech_data(const std::string& path,
                                  const std::map<std::string, std::string>& metadata,
                                  const ExperimentConfig& c) {
  Vocab vocab;
  audio::FeaturePipeline pipeline;
  try {
    vocab = Vocab::from_json(json::parse(metadata.at(kVocabKey)).at("target").dump());
    pipeline = audio::FeaturePipeline::from_json(features_json_);
  } catch (const std::exception& ex) {
    throw bad_checkpoint(path,
                         std::string("speech vocabulary or features are malformed: ") + ex.what());
  }
  if (vocab.size() != dims_.target_vocab || pipeline.num_features() != dims_.num_features)
    throw bad_checkpoint(path, "its " + std::to_string(vocab.size()) + " characters and " +
                                   std::to_string(pipeline.num_features()) +
                                   " features do not match the model's " +
                                   std::to_string(dims_.target_vocab) + " and " +
                                   std::to_string(dims_.num_features));
  audio::SpeechDataset dataset;
  if (c.data == "-") {
    dataset.name = data_name_;
    dataset.pipeline = pipeline;
  } else {
    audio::SpeechDataOptions o = speech_options_;
    resolve_split(o, c.data);
    o.fbank = pipeline.fbank_options();
    o.normalization = pipeline.normalization();
    o.resample = pipeline.resample_quality();
    o.stats = pipeline.stats();
    dataset = audio::load_speech_dataset(c.data, o);
  }
  auto data = std::make_shared<SpeechData>(prepare_speech_data(std::move(dataset), vocab));
  speech_data_ = data;
  SpeechTaskOptions options = c.speech_task;
  options.decode = resolved_decode(options.decode);
  task_ = std::make_unique<SpeechTask>(as_las(), data, options);
  data_summary_ = c.data == "-" ? "no data" : c.data;
}

#else

void Experiment::create_speech(const ExperimentConfig&, const ModelEntry&, Generator&) {
  throw DataError(model_name_ +
                  ": attend was built without audio support (libsndfile, FFTW and "
                  "libsamplerate; scripts/setup.sh installs them)");
}

void Experiment::load_speech_data(const std::string& path,
                                  const std::map<std::string, std::string>&,
                                  const ExperimentConfig&) {
  throw DataError(path + ": a speech model, and attend was built without audio support");
}

#endif

}  // namespace attend
