// The speech task (trainers/tasks/speech_task.h): the monotonic-alignment measure on hand-made
// alignments, and, with audio support, one epoch's batches over the bundled toy-digits bank
// (every utterance once, the characters counted, a finite loss with gradients), evaluation's
// metrics, and audio files that cannot be transcribed.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "datasets/data_error.h"
#include "test_util.h"
#include "trainers/tasks/speech_task.h"
#ifdef ATTEND_HAVE_AUDIO
#include "datasets/audio/speech_datasets.h"
#endif

using namespace attend;

namespace {

// One utterance whose alignment rows peak at the given listener steps (of `steps`).
Transcription peaking_at(const std::vector<int64_t>& peaks, int64_t steps) {
  Transcription t;
  t.listener_steps = steps;
  for (int64_t p : peaks)
    for (int64_t j = 0; j < steps; ++j) t.alignment.push_back(j == p ? 0.7f : 0.3f / (steps - 1));
  return t;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_speech_task)

BOOST_AUTO_TEST_CASE(monotonic_fraction_counts_steps_that_do_not_move_back) {
  // 0 -> 1 -> 1 -> 3: every step forward or staying.
  BOOST_CHECK_EQUAL(monotonic_fraction({peaking_at({0, 1, 1, 3}, 4)}), 1.0);
  // 0 -> 2 -> 1 -> 3: one of three steps moves back.
  BOOST_CHECK_CLOSE(monotonic_fraction({peaking_at({0, 2, 1, 3}, 4)}), 2.0 / 3.0, 1e-9);
  // Counted over the corpus: 3 + 1 steps, one of them back (the second utterance's).
  BOOST_CHECK_CLOSE(monotonic_fraction({peaking_at({0, 1, 2, 3}, 4), peaking_at({2, 0}, 3)}),
                    3.0 / 4.0, 1e-9);
  // One row has no previous step: nothing is counted.
  BOOST_CHECK(std::isnan(monotonic_fraction({peaking_at({2}, 4)})));
  BOOST_CHECK(std::isnan(monotonic_fraction({})));
}

#ifdef ATTEND_HAVE_AUDIO

namespace {

struct ToyDigits {
  std::shared_ptr<const SpeechData> data;
  std::shared_ptr<LAS> model;
  ToyDigits() {
    audio::SpeechDataOptions o;
    o.task = audio::DigitTask::kSingles;
    data = std::make_shared<const SpeechData>(
        prepare_speech_data(audio::load_speech_dataset("toy-digits", o)));
    LASOptions m;
    m.num_features = data->dataset.train.front().features.size(1);
    m.vocab = data->vocab.size();
    m.listener_hidden = 4;
    m.levels = 2;
    m.speller_hidden = 8;
    m.embedding = 4;
    m.attention_dim = 4;
    m.location_filters = 2;
    m.location_width = 3;
    m.ctc_weight = 0.5f;
    Generator g(1);
    model = std::make_shared<LAS>(m, g, nullptr);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(an_epoch_covers_every_utterance_and_counts_its_characters) {
  ToyDigits toy;
  SpeechTaskOptions o;
  o.batch_size = 16;
  o.spec_augment = true;
  SpeechTask task(toy.model, toy.data, o);
  Generator shuffle(3);
  const int64_t batches = task.plan_epoch(0, shuffle);
  const auto& train = toy.data->dataset.train;
  BOOST_CHECK_EQUAL(batches, (static_cast<int64_t>(train.size()) + 15) / 16);
  int64_t expected_units = 0;
  for (const auto& e : train) expected_units += static_cast<int64_t>(e.target.size()) + 1;  // <eos>
  int64_t units = 0;
  for (int64_t i = 0; i < batches; ++i) {
    int64_t n = 0;
    Tensor loss = task.batch_loss(i, n);
    BOOST_REQUIRE(std::isfinite(loss.item()));
    BOOST_CHECK_GT(loss.item(), 0.0f);
    units += n;
    if (i == 0) {
      loss.backward();
      // Both losses reach their parameters: the speller's output and the listener's CTC head.
      for (const Tensor& w : {toy.model->output->weight, toy.model->ctc->weight}) {
        BOOST_REQUIRE(w.grad().defined());
        float norm = 0;
        for (int64_t k = 0; k < w.numel(); ++k) norm += std::fabs(w.grad().data()[k]);
        BOOST_CHECK_GT(norm, 0.0f);
      }
    }
  }
  BOOST_CHECK_EQUAL(units, expected_units);
}

BOOST_AUTO_TEST_CASE(evaluation_reports_error_rates_per_speaker) {
  ToyDigits toy;
  SpeechTaskOptions o;
  o.decode.max_length = 8;
  SpeechTask task(toy.model, toy.data, o);
  const std::map<std::string, double> m = task.evaluate(EvalSplit::kValid);
  for (const std::string key : {"loss", "cer", "wer", "accuracy", "monotonic"})
    BOOST_CHECK_MESSAGE(m.count(key), "no " << key);
  // An untrained model transcribes (almost) nothing right.
  BOOST_CHECK_GT(m.at("cer"), 50.0);
  BOOST_CHECK_LE(m.at("accuracy"), 10.0);
  std::set<std::string> speakers;
  for (const auto& e : toy.data->dataset.valid) speakers.insert("cer@" + e.speaker);
  for (const auto& s : speakers) BOOST_CHECK_MESSAGE(m.count(s), "no " << s);
}

BOOST_AUTO_TEST_CASE(files_that_cannot_be_transcribed_are_named) {
  ToyDigits toy;
  SpeechTask task(toy.model, toy.data, SpeechTaskOptions{});
  test::TmpDir tmp("attend_test_speech_task");
  const std::string missing = tmp / "missing.wav";
  BOOST_CHECK_EXCEPTION(
      task.transcribe_files({missing}, DecodeOptions{}), DataError,
      [&](const DataError& e) { return std::string(e.what()).find(missing) != std::string::npos; });
}

#endif

BOOST_AUTO_TEST_SUITE_END()
