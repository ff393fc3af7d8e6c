// load_speech_dataset: names and paths to SpeechDatasets (see speech_datasets.h).
#include "datasets/audio/speech_datasets.h"

#include <filesystem>

#include "datasets/audio/manifest.h"
#include "datasets/data_error.h"
#include "datasets/split.h"

namespace attend::audio {

namespace fs = std::filesystem;

namespace {

bool is_manifest_dir(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::is_regular_file(fs::path(dir) / "train.tsv", ec);
}

DigitBank load_bank(const std::string& name_or_path, const SpeechDataOptions& o) {
  ReadAudioOptions r;
  r.sample_rate = o.fbank.sample_rate;
  r.quality = o.resample;
  return name_or_path == "toy-digits" ? load_toy_digits(r) : load_fsdd(name_or_path, r);
}

SpeechDataset load_digits(const std::string& name_or_path, const SpeechDataOptions& o,
                          FeaturePipeline pipeline) {
  const DigitBank bank = load_bank(name_or_path, o);
  const DigitSplit split =
      split_digit_bank(bank, o.split ? *o.split : DigitSplitOptions::for_bank(bank.name));
  DigitStringOptions s = o.strings ? *o.strings : default_strings_for(bank.name);
  std::string name = bank.name + "-" + digit_task_name(o.task);
  if (o.split && !o.split->held_out_speaker.empty())
    name += "-without-" + o.split->held_out_speaker;
  if (o.task == DigitTask::kSingles)
    return featurize(name,
                     make_single_digits(bank, split.train, s.min_snr_db, s.max_snr_db, o.seed),
                     make_single_digits(bank, split.valid, s.min_snr_db, s.max_snr_db, o.seed + 1),
                     make_single_digits(bank, split.test, s.min_snr_db, s.max_snr_db, o.seed + 2),
                     std::move(pipeline));
  const auto build = [&](const std::vector<int64_t>& positions, int64_t count, uint64_t seed,
                         const char* prefix) {
    if (positions.empty()) return std::vector<AudioClip>{};
    s.count = count;
    s.seed = seed;
    return make_digit_strings(bank, positions, s, prefix);
  };
  return featurize(name, build(split.train, o.train_strings, o.seed, "train"),
                   build(split.valid, o.valid_strings, o.seed + 1, "valid"),
                   build(split.test, o.test_strings, o.seed + 2, "test"), std::move(pipeline));
}

std::vector<AudioClip> read_manifest(const std::string& path, const FeaturePipeline& p) {
  return read_manifest_audio(path, load_manifest(path), p);
}

}  // namespace

std::string digit_task_name(DigitTask t) {
  return t == DigitTask::kSingles ? "singles" : "strings";
}

DigitTask parse_digit_task(const std::string& name) {
  if (name == "strings") return DigitTask::kStrings;
  if (name == "singles") return DigitTask::kSingles;
  throw DataError("unknown digit task '" + name + "' (expected strings or singles)");
}

FbankOptions default_fbank_for(const std::string& name_or_path) {
  FbankOptions f;
  if (name_or_path == "toy-digits" || looks_like_fsdd(name_or_path)) {
    f.sample_rate = 8000;
    f.num_mel_bins = 40;
  }
  return f;
}

DigitStringOptions default_strings_for(const std::string& bank_name) {
  DigitStringOptions s;
  if (bank_name == "toy-digits") {
    s.min_snr_db = 15;
    s.max_snr_db = 30;
  }
  return s;
}

bool is_speech_dataset(const std::string& name_or_path) {
  if (name_or_path == "toy-digits") return true;
  std::error_code ec;
  if (fs::is_directory(name_or_path, ec))
    return is_manifest_dir(name_or_path) || looks_like_fsdd(name_or_path);
  return fs::is_regular_file(name_or_path, ec) && looks_like_manifest(name_or_path);
}

SpeechDataset load_speech_dataset(const std::string& name_or_path, const SpeechDataOptions& o) {
  FeaturePipeline pipeline(o.fbank, o.normalization, o.resample);
  if (o.stats) pipeline.set_stats(*o.stats);
  std::error_code ec;
  if (name_or_path == "toy-digits" || looks_like_fsdd(name_or_path))
    return load_digits(name_or_path, o, std::move(pipeline));
  if (is_manifest_dir(name_or_path)) {
    const fs::path dir(name_or_path);
    const fs::path valid = dir / "valid.tsv", test = dir / "test.tsv";
    if (!fs::is_regular_file(test, ec))
      throw DataError(test.string(), 0, "missing: a manifest folder needs train.tsv and test.tsv");
    auto train_clips = read_manifest((dir / "train.tsv").string(), pipeline);
    auto valid_clips = fs::is_regular_file(valid, ec) ? read_manifest(valid.string(), pipeline)
                                                      : std::vector<AudioClip>{};
    auto test_clips = read_manifest(test.string(), pipeline);
    return featurize(dir.filename().string(), std::move(train_clips), std::move(valid_clips),
                     std::move(test_clips), std::move(pipeline));
  }
  if (fs::is_regular_file(name_or_path, ec)) {
    std::vector<AudioClip> all = read_manifest(name_or_path, pipeline);
    const SplitIndices s =
        random_split(static_cast<int64_t>(all.size()), o.valid_fraction, o.test_fraction, o.seed);
    const auto pick = [&](const std::vector<int64_t>& positions) {
      std::vector<AudioClip> out;
      for (int64_t p : positions) out.push_back(std::move(all[static_cast<size_t>(p)]));
      return out;
    };
    return featurize(fs::path(name_or_path).stem().string(), pick(s.train), pick(s.valid),
                     pick(s.test), std::move(pipeline));
  }
  throw DataError(name_or_path, 0,
                  "not a speech dataset: expected toy-digits, a folder in the FSDD layout or "
                  "with train.tsv/test.tsv manifests, or a manifest file");
}

}  // namespace attend::audio
