// Attention maps of a listen-attend-spell model (see attention_maps.h): the alignment of the
// characters it spells over the listener's steps, with the features it heard under it.
#include <cstdio>
#include <filesystem>

#include "datasets/data_error.h"
#include "study/attention_maps.h"

namespace attend::study {

#ifdef ATTEND_HAVE_AUDIO

AttentionMaps speech_attention_maps(Experiment& e, const Tensor& features,
                                    const std::string& source) {
  SpeechTask* task = e.speech_task();
  if (!task)
    throw DataError("attention maps: the " + e.model_name() + " model is not a speech model");
  if (features.ndim() != 2 || features.size(0) == 0)
    throw DataError("attention maps: " + source + " gives no feature frames");
  DecodeOptions decode = task->options().decode;
  decode.beam_size = 1;  // the alignment the speller followed, step by step
  const Transcription t = task->transcribe({features}, decode)[0];
  const Vocab& vocab = task->data().vocab;
  const audio::FeaturePipeline& pipeline = task->data().dataset.pipeline;

  AttentionMaps out;
  out.model = e.model_name();
  out.source_tokens = {source};
  for (int64_t id : t.tokens) out.output_tokens.push_back(vocab.token(id));
  const int64_t K = t.listener_steps;
  const int64_t rows = K > 0 ? static_cast<int64_t>(t.alignment.size()) / K : 0;
  if (rows > static_cast<int64_t>(t.tokens.size())) out.output_tokens.push_back("<eos>");
  out.monotonic = monotonic_fraction({t});

  const double shift = pipeline.fbank_options().frame_shift_ms / 1000.0;
  const int64_t per_step = task->las().time_reduction();
  Heatmap h;
  h.title = "alignment: " + source + " -> \"" + t.text + "\"";
  h.row_axis = "output (speller step)";
  h.col_axis = "time (s); listener steps of " + std::to_string(per_step) + " frames";
  h.row_labels = out.output_tokens;
  for (int64_t k = 0; k < K; ++k) {
    char label[48];
    std::snprintf(label, sizeof label, "step %lld (%.2f s)", static_cast<long long>(k),
                  static_cast<double>(k * per_step) * shift);
    h.col_labels.push_back(label);
  }
  h.values = t.alignment;
  Spectrogram s;
  s.title = "log-mel features (" + std::to_string(features.size(1)) +
            " bins, normalised: " + audio::normalization_name(pipeline.normalization()) + ")";
  s.frames = features.size(0);
  s.bins = features.size(1);
  s.values.resize(static_cast<size_t>(s.frames * s.bins));
  for (int64_t f = 0; f < s.frames; ++f)
    for (int64_t b = 0; b < s.bins; ++b)
      s.values[b * s.frames + f] = features.data()[f * s.bins + b];  // [bins, frames]
  s.seconds_per_frame = shift;
  s.frames_per_step = per_step;
  out.maps.push_back({"alignment", std::move(h), std::move(s)});
  return out;
}

AttentionMaps speech_attention_maps(Experiment& e, const std::string& audio_file) {
  SpeechTask* task = e.speech_task();
  if (!task)
    throw DataError("attention maps: the " + e.model_name() + " model is not a speech model");
  const Tensor features = task->data().dataset.pipeline.from_file(audio_file);
  return speech_attention_maps(e, features, std::filesystem::path(audio_file).filename().string());
}

#else

AttentionMaps speech_attention_maps(Experiment& e, const Tensor&, const std::string&) {
  throw DataError("attention maps: the " + e.model_name() +
                  " model is a speech model, and attend was built without audio support");
}

AttentionMaps speech_attention_maps(Experiment& e, const std::string&) {
  return speech_attention_maps(e, Tensor(), "");
}

#endif

}  // namespace attend::study
