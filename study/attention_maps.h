// The attention weights of a trained model for one input, as heatmaps (study/svg.h) and JSON:
// `attend attention` and the run report draw them.
//   Transformer: every layer and head of the encoder self-attention ("encoder layer L head H",
//     rows and columns = source tokens), the decoder self-attention ("decoder layer L head H",
//     rows and columns = <bos> + output tokens) and the cross-attention ("cross layer L head H",
//     rows = <bos> + output, columns = source), from a teacher-forced pass over the model's own
//     greedy output.
//   Seq2Seq: the attention over the source at each greedy decoder step ("decoder step attention",
//     rows = the token each step produced, <eos> included; columns = source tokens).
//   GPT: every layer's and head's causal self-attention over the input's characters ("layer L
//     head H", rows = the attending position, columns = the positions it sees; above the diagonal
//     zero).
//   GAT node classifier: for one node, its attention coefficients over its neighbours (self loop
//     included) in every layer ("node N layer L", rows = heads, columns = neighbour ids).
//   LAS (speech): the speller's attention over the listener's steps while it spells the audio
//     greedily ("alignment", rows = the characters it wrote, <eos> included; columns = listener
//     steps), drawn over time with the log-mel features under it (alignment_svg).
// Every row of every map is a softmax: it sums to 1.
#pragma once
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "study/svg.h"
#include "trainers/experiment.h"

namespace attend::study {

struct AttentionMap {
  std::string name;  // e.g. "encoder layer 1 head 2"
  Heatmap heatmap;
  std::optional<Spectrogram> features = std::nullopt;  // speech: what the alignment is drawn over
};
// The map's SVG: heatmap_svg, or alignment_svg over its features.
std::string attention_map_svg(const AttentionMap& map);

struct AttentionMaps {
  std::string model;  // the registry name ("transformer", "seq2seq", "gat")
  // Text models: the source tokens as the encoder reads them (<eos> included) and the greedy
  // output (<eos> included when generated). GAT: source_tokens = {node id}, output_tokens = {the
  // predicted class}.
  std::vector<std::string> source_tokens, output_tokens;
  std::vector<AttentionMap> maps;
  // Speech: the share (0-1) of output steps whose attention peak does not move back in time
  // (monotonic_fraction, trainers/tasks/speech_task.h); NaN otherwise.
  double monotonic = std::nan("");
  // {"model", "source_tokens", "output_tokens", "maps": [{"name", "file", "rows", "cols",
  //  "row_labels", "col_labels", "values": [[...], ...]}]}
  nlohmann::json to_json() const;
};

// Loads the checkpoint (Experiment::from_checkpoint, the data it was trained on for a graph model,
// none for a text or speech model) and computes the maps. input is the text for a text model,
// an audio file for a speech model. node is a node index (0-based) for a GAT node classifier, -1
// otherwise. Throws DataError on an input or node that does not fit the model
// (empty text, a node for a text model, no node or one out of range for a GAT, a model without
// attention), CheckpointError for an unreadable checkpoint.
AttentionMaps compute_attention_maps(const std::string& checkpoint, const std::string& input,
                                     int64_t node = -1);
// Same, for an Experiment already loaded (report uses it for several validation examples).
AttentionMaps compute_attention_maps(Experiment& experiment, const std::string& input,
                                     int64_t node = -1);

// A speech model's alignment for one utterance's features [frames, bins] (normalised as the model
// was trained); source names it ("three.wav", "validation utterance 2"). Throws DataError for a
// model that is not a speech model, or when attend was built without audio support.
AttentionMaps speech_attention_maps(Experiment& experiment, const Tensor& features,
                                    const std::string& source);
// The same for an audio file, read and featurised as the model's training data was (its
// checkpoint's FeaturePipeline). Throws DataError naming a file that cannot be read.
AttentionMaps speech_attention_maps(Experiment& experiment, const std::string& audio_file);

// The file name a map is written under: its name with spaces as dashes, ".svg"
// ("encoder layer 1 head 2" -> "encoder-layer1-head2.svg", "decoder step attention" ->
// "decoder-step-attention.svg", "node 17 layer 1" -> "node-17-layer1.svg").
std::string attention_map_file_name(const std::string& map_name);

// Writes one SVG per map + attention.json into dir (created if missing); returns the paths
// written, attention.json last.
std::vector<std::string> write_attention_maps(const AttentionMaps& maps, const std::string& dir);

}  // namespace attend::study
