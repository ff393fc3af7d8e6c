// Speech datasets: manifests, transcripts as characters, digit banks (a small FSDD-layout folder
// written here, the bundled toy bank, and the real FSDD when present), digit strings, splits,
// featurising with global statistics, and batches.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>

#include "audio_test_util.h"
#include "datasets/audio/manifest.h"
#include "datasets/audio/speech_batching.h"
#include "datasets/audio/speech_datasets.h"
#include "datasets/audio/transcript.h"

using namespace attend;
using namespace attend::audio;

namespace {

// An FSDD-layout folder: recordings/{digit}_{speaker}_{index}.wav for two speakers, digits 0..2,
// indices 0..11; each recording a tone whose frequency says its digit, of a length that says its
// index (0.2 s + index ms), at 8 kHz.
struct FakeFsdd {
  test::TempDir dir;
  FakeFsdd() {
    std::filesystem::create_directory(dir.path("recordings"));
    for (const char* speaker : {"ann", "bob"})
      for (int d = 0; d < 3; ++d)
        for (int i = 0; i < 12; ++i)
          write_audio(dir.path("recordings/" + std::to_string(d) + "_" + speaker + "_" +
                               std::to_string(i) + ".wav"),
                      test::sine(1600 + 8 * i, 300 + 200 * d, 8000, 0.3), 8000);
  }
  std::string root() const { return dir.root(); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(test_speech_data)

BOOST_AUTO_TEST_CASE(transcripts_become_characters) {
  const std::vector<std::string> c = transcript_characters("  three  one\tfour ");
  BOOST_CHECK_EQUAL(characters_to_text(c), "three one four");
  BOOST_CHECK_EQUAL(c.size(), 14u);
  BOOST_CHECK_EQUAL(c[5], kWordBoundary);
  const std::vector<std::string> u = transcript_characters("né à");  // code points, not bytes
  BOOST_CHECK_EQUAL(u.size(), 4u);
  BOOST_CHECK_EQUAL(u[1], "é");
  test::check_data_error([] { transcript_characters("bad \xE9 byte"); }, "", 0, "invalid UTF-8");
  test::check_data_error([] { transcript_characters("a\u2581b"); }, "", 0, "word-boundary");
}

BOOST_AUTO_TEST_CASE(manifest_paths_are_relative_to_the_manifest) {
  test::TempDir dir;
  std::filesystem::create_directory(dir.path("clips"));
  write_audio(dir.path("clips/a.wav"), test::sine(4000, 440, 16000), 16000);
  write_audio(dir.path("clips/b.flac"), test::sine(8000, 220, 16000), 16000, 1,
              AudioEncoding::kPcm16, AudioContainer::kFlac);
  const std::string m = dir.write("train.tsv", "# comment\nclips/a.wav\tHELLO  WORLD\n\n" +
                                                   dir.path("clips/b.flac") + "\tbye\n");
  BOOST_CHECK(looks_like_manifest(m));
  const std::vector<ManifestEntry> e = load_manifest(m);
  BOOST_REQUIRE_EQUAL(e.size(), 2u);
  BOOST_CHECK_EQUAL(e[0].resolved, dir.path("clips/a.wav"));
  BOOST_CHECK_EQUAL(e[0].transcript, "HELLO WORLD");
  BOOST_CHECK_EQUAL(e[0].line, 2);
  BOOST_CHECK_EQUAL(e[1].resolved, dir.path("clips/b.flac"));  // absolute stays
  BOOST_CHECK_EQUAL(e[1].line, 4);
  // A TSV of sentence pairs is not a manifest.
  BOOST_CHECK(!looks_like_manifest(dir.write("pairs.tsv", "Go.\tVa !\n")));
}

BOOST_AUTO_TEST_CASE(bad_manifests_name_file_and_line) {
  test::TempDir dir;
  write_audio(dir.path("a.wav"), test::sine(4000, 440, 16000), 16000);
  const auto bad = [&](const std::string& name, const std::string& text, int64_t line,
                       const std::string& expect) {
    const std::string m = dir.write(name, text);
    test::check_data_error([&] { load_manifest(m); }, m, line, expect);
  };
  bad("missing.tsv", "a.wav\tone\nnot-there.wav\ttwo\n", 2, "'not-there.wav' does not exist");
  bad("notab.tsv", "a.wav one\n", 1, "found no tab");
  bad("twotabs.tsv", "a.wav\tone\tspeaker7\n", 1, "more than one tab");
  bad("nopath.tsv", "\tone\n", 1, "empty audio path");
  bad("notext.tsv", "a.wav\t  \n", 1, "empty transcript");
  bad("utf8.tsv", "a.wav\tcaf\xE9\n", 1, "invalid UTF-8");
  bad("empty.tsv", "", 1, "no utterances");
  bad("dir.tsv", ".\tone\n", 1, "is not a regular file");
  // The audio itself is bad: the manifest line and the audio file are both named.
  const std::string cut = dir.write("cut.wav", "RIFF\x24\x10\x00\x00WAVE");
  const std::string m = dir.write("cut.tsv", "a.wav\tone\ncut.wav\ttwo\n");
  FeaturePipeline p(FbankOptions{}, Normalization::kNone);
  test::check_data_error([&] { read_manifest_audio(m, load_manifest(m), p); }, m, 2, cut);
}

BOOST_AUTO_TEST_CASE(manifest_folder_to_dataset) {
  test::TempDir dir;
  for (int i = 0; i < 4; ++i)
    write_audio(dir.path("u" + std::to_string(i) + ".wav"), test::noise(3200 + 800 * i, 0.1, i),
                16000);
  dir.write("train.tsv", "u0.wav\tab\nu1.wav\tabc\nu2.wav\tb a\n");
  dir.write("test.tsv", "u3.wav\tcab\n");
  BOOST_CHECK(is_speech_dataset(dir.root()));
  const SpeechDataset d = load_speech_dataset(dir.root());
  BOOST_CHECK_EQUAL(d.train.size(), 3u);
  BOOST_CHECK_EQUAL(d.valid.size(), 0u);
  BOOST_REQUIRE_EQUAL(d.test.size(), 1u);
  // 0.2 s + 0.05 s per index at 16 kHz: 18, 23, 28 and 33 frames of 80 bins.
  BOOST_CHECK_EQUAL(d.train[1].features.shape(), Shape({23, 80}));
  BOOST_CHECK_EQUAL(d.test[0].frames(), 33);
  BOOST_CHECK_CLOSE(d.test[0].seconds, 0.35, 1e-9);
  BOOST_CHECK_EQUAL(d.test[0].transcript, "cab");
  // Global statistics from train: its frames have mean 0 and std 1 per bin afterwards.
  BOOST_REQUIRE(d.pipeline.stats());
  BOOST_CHECK_EQUAL(d.pipeline.stats()->frames(), 18 + 23 + 28);
  double sum = 0, sum_sq = 0;
  for (const SpeechExample& e : d.train)
    for (int64_t t = 0; t < e.frames(); ++t) {
      const double v = e.features.data()[t * 80 + 7];
      sum += v, sum_sq += v * v;
    }
  BOOST_CHECK_SMALL(sum / 69, 1e-5);
  BOOST_CHECK_CLOSE(sum_sq / 69, 1.0, 1e-3);
  // Given statistics (a checkpoint's) are used as they are, not recomputed from train.
  SpeechDataOptions o;
  o.stats = FeatureStats::from_json(d.pipeline.stats()->to_json());
  o.stats->add(d.test[0].features);  // any other statistics
  const SpeechDataset given = load_speech_dataset(dir.root(), o);
  BOOST_REQUIRE(given.pipeline.stats());
  BOOST_CHECK_EQUAL(given.pipeline.stats()->frames(), 18 + 23 + 28 + 33);
  BOOST_CHECK(given.pipeline.stats()->to_json() == o.stats->to_json());
}

BOOST_AUTO_TEST_CASE(too_short_and_silent_utterances) {
  test::TempDir dir;
  write_audio(dir.path("ok.wav"), test::noise(4000, 0.1, 1), 16000);
  write_audio(dir.path("short.wav"), test::noise(399, 0.1, 2),
              16000);  // one sample short of a frame
  write_audio(dir.path("empty.wav"), std::vector<float>{}, 16000);
  write_audio(dir.path("silent.wav"), std::vector<float>(4000, 0.0f), 16000);
  const std::string m1 = dir.write("short.tsv", "ok.wav\ta\nshort.wav\tb\n");
  test::check_data_error([&] { load_speech_dataset(m1); }, m1, 2,
                         "short.wav: 0.025 s (399 samples at 16000 Hz) is shorter than one 25 ms");
  const std::string m2 = dir.write("empty.tsv", "empty.wav\ta\nok.wav\tb\n");
  test::check_data_error([&] { load_speech_dataset(m2); }, m2, 1, "the audio is empty");
  // A silent utterance is a documented conversion: features at the log floor, normalised to 0.
  dir.write("train.tsv", "silent.wav\ta\n");
  dir.write("test.tsv", "ok.wav\tb\n");
  SpeechDataOptions o;
  o.normalization = Normalization::kUtterance;
  const SpeechDataset d = load_speech_dataset(dir.root(), o);
  const Tensor& f = d.train[0].features;
  for (int64_t i = 0; i < f.numel(); ++i) BOOST_REQUIRE_EQUAL(f.data()[i], 0.0f);
}

BOOST_AUTO_TEST_CASE(fsdd_layout_and_its_splits) {
  FakeFsdd fake;
  BOOST_CHECK(looks_like_fsdd(fake.root()));
  BOOST_CHECK(looks_like_fsdd(fake.root() + "/recordings"));
  const DigitBank bank = load_fsdd(fake.root());
  BOOST_CHECK_EQUAL(bank.recordings.size(), 72u);
  BOOST_CHECK_EQUAL(bank.sample_rate, 8000);
  BOOST_CHECK(bank.speakers() == std::vector<std::string>({"ann", "bob"}));
  BOOST_CHECK_EQUAL(bank.recordings[0].id(), "0_ann_0");
  BOOST_CHECK_EQUAL(bank.recordings[1].id(), "0_ann_1");  // numeric, not file-name, order
  // Official: indices 0-4 test, 5-9 valid, 10-11 train.
  const DigitSplit s = split_digit_bank(bank, {});
  BOOST_CHECK_EQUAL(s.test.size(), 30u);
  BOOST_CHECK_EQUAL(s.valid.size(), 30u);
  BOOST_CHECK_EQUAL(s.train.size(), 12u);
  for (int64_t p : s.test) BOOST_CHECK_LT(bank.recordings[p].index, 5);
  // Held out: bob is the test split; ann's 0-4 valid, 5-11 train.
  DigitSplitOptions held;
  held.held_out_speaker = "bob";
  const DigitSplit h = split_digit_bank(bank, held);
  BOOST_CHECK_EQUAL(h.test.size(), 36u);
  BOOST_CHECK_EQUAL(h.valid.size(), 15u);
  BOOST_CHECK_EQUAL(h.train.size(), 21u);
  for (int64_t p : h.train) BOOST_CHECK_EQUAL(bank.recordings[p].speaker, "ann");
  held.held_out_speaker = "carol";
  test::check_data_error([&] { split_digit_bank(bank, held); }, "", 0,
                         "no speaker 'carol' to hold out (speakers: ann, bob)");
  // Resampled on load.
  ReadAudioOptions r;
  r.sample_rate = 16000;
  BOOST_CHECK_EQUAL(load_fsdd(fake.root(), r).recordings[0].samples.size(), 3200u);
}

BOOST_AUTO_TEST_CASE(bad_fsdd_folders) {
  FakeFsdd fake;
  const std::string odd = fake.dir.path("recordings/seven_ann_1.wav");
  write_audio(odd, test::sine(1600, 300, 8000), 8000);
  test::check_data_error([&] { load_fsdd(fake.root()); }, odd, 0,
                         "not named {digit}_{speaker}_{index}.wav");
  std::filesystem::remove(odd);
  const std::string fast = fake.dir.path("recordings/1_ann_40.wav");
  write_audio(fast, test::sine(3200, 300, 16000), 16000);
  test::check_data_error([&] { load_fsdd(fake.root()); }, fast, 0, "differs from the 8000 Hz");
  std::filesystem::remove(fast);
  const std::string cut = fake.dir.write("recordings/2_bob_3.wav", "RIFF\x24\x10\x00\x00WAVE");
  test::check_data_error([&] { load_fsdd(fake.root()); }, cut, 0, "");
}

BOOST_AUTO_TEST_CASE(digit_strings_are_built_as_the_issue_says) {
  FakeFsdd fake;
  const DigitBank bank = load_fsdd(fake.root());
  const DigitSplit split = split_digit_bank(bank, {});
  DigitStringOptions o;
  o.count = 200;
  o.seed = 5;
  const std::vector<AudioClip> clips = make_digit_strings(bank, split.test, o, "test");
  BOOST_REQUIRE_EQUAL(clips.size(), 200u);
  BOOST_CHECK_EQUAL(clips[7].id, "test-00007");
  std::set<size_t> lengths;
  std::map<std::string, int64_t> uses;
  for (const AudioClip& c : clips) {
    const std::vector<std::string> chars = transcript_characters(c.transcript);
    const size_t words =
        static_cast<size_t>(std::count(chars.begin(), chars.end(), kWordBoundary)) + 1;
    lengths.insert(words);
    BOOST_CHECK(c.speaker == "ann" || c.speaker == "bob");
    // Length: edges + the recordings (0.2 s + index ms each) + gaps of 0.05..0.25 s.
    const double s = static_cast<double>(c.samples.size()) / 8000;
    BOOST_CHECK_GE(s, 0.1 + words * 0.2 + (words - 1) * 0.05 - 1e-9);
    BOOST_CHECK_LE(s, 0.1 + words * 0.205 + (words - 1) * 0.25 + 1e-9);
    // Each word's tone is the recording of that digit: find the words in the audio by their
    // silence gaps and check the pitch through zero crossings.
    size_t i = 400, w = 0;  // skip the 0.05 s edge
    std::string text;
    while (i < c.samples.size() - 400 && w < words) {
      size_t j = i;
      while (j + 1 < c.samples.size() && std::fabs(c.samples[j]) + std::fabs(c.samples[j + 1]) > 0)
        ++j;
      int crossings = 0;
      for (size_t k = i + 1; k < j; ++k) crossings += (c.samples[k - 1] < 0) != (c.samples[k] < 0);
      const double hz = crossings / 2.0 / (static_cast<double>(j - i) / 8000);
      const int digit = static_cast<int>(std::lround((hz - 300) / 200));
      text += (w ? " " : "") + digit_word(digit);
      ++w;
      i = j;
      while (i < c.samples.size() && c.samples[i] == 0) ++i;
    }
    BOOST_CHECK_EQUAL(text, c.transcript);
  }
  BOOST_CHECK(lengths == std::set<size_t>({3, 4, 5, 6, 7}));
  // The same seed gives the same strings; another seed others.
  const std::vector<AudioClip> again = make_digit_strings(bank, split.test, o, "test");
  o.seed = 6;
  const std::vector<AudioClip> other = make_digit_strings(bank, split.test, o, "test");
  int same = 0;
  for (size_t k = 0; k < clips.size(); ++k) {
    BOOST_CHECK(again[k].samples == clips[k].samples);
    same += other[k].transcript == clips[k].transcript;
  }
  BOOST_CHECK_LT(same, 20);
}

BOOST_AUTO_TEST_CASE(noise_has_the_asked_snr) {
  std::vector<float> x = test::sine(80000, 440, 8000, 0.5);  // power 0.125
  Generator g(1);
  add_noise(x, 20, g);  // noise power 0.00125
  const std::vector<float> clean = test::sine(80000, 440, 8000, 0.5);
  double noise_power = 0;
  for (size_t i = 0; i < x.size(); ++i) noise_power += std::pow(x[i] - clean[i], 2);
  BOOST_CHECK_CLOSE(noise_power / 80000, 0.00125, 2.0);
}

BOOST_AUTO_TEST_CASE(single_digits_and_the_full_pipeline) {
  FakeFsdd fake;
  SpeechDataOptions o = {};
  o.fbank = default_fbank_for(fake.root());
  BOOST_CHECK_EQUAL(o.fbank.sample_rate, 8000);
  BOOST_CHECK_EQUAL(o.fbank.num_mel_bins, 40);
  o.task = DigitTask::kSingles;
  const SpeechDataset d = load_speech_dataset(fake.root(), o);
  BOOST_CHECK_EQUAL(d.name, "fsdd-singles");
  BOOST_CHECK_EQUAL(d.train.size(), 12u);
  BOOST_CHECK_EQUAL(d.test.size(), 30u);
  BOOST_CHECK_EQUAL(d.test[0].transcript, "zero");
  BOOST_CHECK_EQUAL(d.test[0].features.size(1), 40);
  o.task = DigitTask::kStrings;
  o.train_strings = 20;
  o.valid_strings = 5;
  o.test_strings = 7;
  const SpeechDataset s = load_speech_dataset(fake.root(), o);
  BOOST_CHECK_EQUAL(s.name, "fsdd-strings");
  BOOST_CHECK_EQUAL(s.train.size(), 20u);
  BOOST_CHECK_EQUAL(s.valid.size(), 5u);
  BOOST_CHECK_EQUAL(s.test.size(), 7u);
  // The pipeline a checkpoint stores rebuilds the same features from the same samples.
  const FeaturePipeline p = FeaturePipeline::from_json(s.pipeline.to_json());
  const std::vector<float> x = test::noise(4000, 0.1, 9);
  const Tensor a = s.pipeline.normalize(s.pipeline.raw(x)), b = p.normalize(p.raw(x));
  for (int64_t i = 0; i < a.numel(); ++i) BOOST_REQUIRE_EQUAL(a.data()[i], b.data()[i]);
}

BOOST_AUTO_TEST_CASE(toy_digits_bank) {
  const DigitBank bank = load_toy_digits();
  BOOST_CHECK_EQUAL(bank.recordings.size(), 240u);
  BOOST_CHECK_EQUAL(bank.sample_rate, 8000);
  BOOST_CHECK_EQUAL(bank.speakers().size(), 6u);
  for (const DigitRecording& r : bank.recordings) {
    BOOST_CHECK_GT(r.samples.size(), 1600u);  // every word longer than 0.2 s
    BOOST_CHECK_LT(r.samples.size(), 8000u);  // and shorter than 1 s
  }
  const DigitSplit s = split_digit_bank(bank, DigitSplitOptions::for_bank("toy-digits"));
  BOOST_CHECK_EQUAL(s.test.size(), 60u);
  BOOST_CHECK_EQUAL(s.valid.size(), 60u);
  BOOST_CHECK_EQUAL(s.train.size(), 120u);
  SpeechDataOptions o;
  o.fbank = default_fbank_for("toy-digits");
  o.train_strings = 30;
  o.valid_strings = o.test_strings = 10;
  const SpeechDataset d = load_speech_dataset("toy-digits", o);
  BOOST_CHECK_EQUAL(d.name, "toy-digits-strings");
  BOOST_CHECK_EQUAL(d.train.size(), 30u);
}

BOOST_AUTO_TEST_CASE(vocabulary_targets_and_batches) {
  std::vector<SpeechExample> data(3);
  const int64_t frames[] = {5, 9, 7};
  const char* text[] = {"ab", "b a", "abba"};
  for (int i = 0; i < 3; ++i) {
    data[i].id = "u" + std::to_string(i);
    data[i].transcript = text[i];
    data[i].features = Tensor::empty({frames[i], 4});
    for (int64_t k = 0; k < frames[i] * 4; ++k) data[i].features.data()[k] = float(i * 100 + k + 1);
  }
  test::check_data_error([&] { collate_speech(data, std::vector<int64_t>{0}); }, "", 0,
                         "call encode_targets first");
  const Vocab v = character_vocab(data);
  BOOST_CHECK_EQUAL(v.size(), 4 + 3);  // a, b, ▁
  encode_targets(data, v);
  BOOST_CHECK_EQUAL(data[1].target.size(), 3u);
  BOOST_CHECK_EQUAL(v.token(data[1].target[1]), kWordBoundary);

  SpeechCollateOptions o;
  o.frame_multiple = 4;
  const std::vector<int64_t> pos = {0, 1};
  const SpeechBatch b = collate_speech(data, pos, o);
  BOOST_CHECK_EQUAL(b.features.shape(), Shape({2, 12, 4}));  // 9 frames padded to 12
  BOOST_CHECK(b.frame_lengths == std::vector<int64_t>({5, 9}));
  BOOST_CHECK_EQUAL(b.frame_padding_mask.data()[4], 0.0f);
  BOOST_CHECK_EQUAL(b.frame_padding_mask.data()[5], 1.0f);
  BOOST_CHECK_EQUAL(b.features.data()[5 * 4], 0.0f);     // padding is zero
  BOOST_CHECK_EQUAL(b.features.data()[12 * 4], 101.0f);  // row 1 starts with its first frame
  BOOST_CHECK_EQUAL(b.target_input.shape(), Shape({2, 4}));
  BOOST_CHECK_EQUAL(b.target_input.data()[0], float(Vocab::kBos));
  BOOST_CHECK_EQUAL(b.target_output.data()[2], float(Vocab::kEos));  // "ab" then <eos>
  BOOST_CHECK_EQUAL(b.target_output.data()[3], float(Vocab::kPad));
  BOOST_CHECK_EQUAL(b.num_target_tokens(), 3 + 4);
  // SpecAugment inside the batch is seeded and changes only the real frames.
  o.spec_augment = true;
  o.augment.freq_mask_max = 2;
  o.augment.time_mask_max = 3;
  Generator g1(3), g2(3);
  const SpeechBatch a1 = collate_speech(data, pos, o, &g1), a2 = collate_speech(data, pos, o, &g2);
  for (int64_t k = 0; k < a1.features.numel(); ++k)
    BOOST_REQUIRE_EQUAL(a1.features.data()[k], a2.features.data()[k]);
  test::check_data_error([&] { collate_speech(data, pos, o); }, "", 0, "needs a Generator");
  test::check_data_error([&] { collate_speech(data, std::vector<int64_t>{3}); }, "", 0,
                         "out of range");
  // Bucketing puts similar frame counts together.
  BatchPlanOptions plan;
  plan.batch_size = 1;
  plan.shuffle = false;
  BOOST_CHECK_EQUAL(plan_speech_batches(data, plan, nullptr).size(), 3u);
  plan.batch_size = 3;
  plan.bucket_batches = 2;
  const auto batches = plan_speech_batches(data, plan, nullptr);
  BOOST_CHECK(batches[0] == std::vector<int64_t>({0, 2, 1}));
}

// The real FSDD (../shared/datasets/fsdd): the counts of its SOURCE.md, and how long loading and
// featurising all of it takes.
BOOST_AUTO_TEST_CASE(real_fsdd) {
  const std::string dir = test::fsdd_dir();
  if (dir.empty()) return;
  const auto t0 = std::chrono::steady_clock::now();
  const DigitBank bank = load_fsdd(dir);
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_CHECK_EQUAL(bank.recordings.size(), 3000u);
  BOOST_CHECK_EQUAL(bank.speakers().size(), 6u);
  double total = 0, lo = 1e9, hi = 0;
  for (const DigitRecording& r : bank.recordings) {
    const double s = static_cast<double>(r.samples.size()) / 8000;
    total += s, lo = std::min(lo, s), hi = std::max(hi, s);
  }
  BOOST_CHECK_CLOSE(lo, 0.144, 1.0);
  BOOST_CHECK_CLOSE(hi, 2.283, 1.0);
  BOOST_CHECK_CLOSE(total / 60, 21.9, 1.0);
  const DigitSplit s = split_digit_bank(bank, {});
  BOOST_CHECK_EQUAL(s.test.size(), 300u);
  BOOST_CHECK_EQUAL(s.valid.size(), 300u);
  BOOST_CHECK_EQUAL(s.train.size(), 2400u);
  const auto t1 = std::chrono::steady_clock::now();
  const SpeechDataset d =
      featurize("fsdd", make_single_digits(bank, s.train), make_single_digits(bank, s.valid),
                make_single_digits(bank, s.test), FeaturePipeline(default_fbank_for(dir)));
  const double feat_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  BOOST_CHECK_EQUAL(d.train.size() + d.valid.size() + d.test.size(), 3000u);
  BOOST_CHECK_EQUAL(d.test[0].features.size(1), 40);
  BOOST_TEST_MESSAGE("FSDD: read 3000 files in " << load_s
                                                 << " s; read + 40-bin features + "
                                                    "global CMVN in "
                                                 << feat_s << " s");
}

BOOST_AUTO_TEST_SUITE_END()
