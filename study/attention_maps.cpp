#include "study/attention_maps.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "autograd/creation.h"
#include "datasets/batching.h"
#include "datasets/data_error.h"
#include "datasets/text_tokenizer.h"
#include "models/gat_node_classifier.h"
#include "models/seq2seq.h"
#include "models/transformer_model.h"
#include "trainers/run_log.h"
#include "trainers/tasks/decoding.h"
#include "trainers/tasks/graph_tasks.h"

namespace attend::study {
namespace fs = std::filesystem;
namespace {

// Small maps carry their values in the cells.
constexpr size_t kAnnotateCells = 144;

Heatmap make_heatmap(const std::string& title, const std::string& row_axis,
                     const std::string& col_axis, std::vector<std::string> rows,
                     std::vector<std::string> cols, std::vector<float> values) {
  Heatmap h;
  h.title = title;
  h.row_axis = row_axis;
  h.col_axis = col_axis;
  h.row_labels = std::move(rows);
  h.col_labels = std::move(cols);
  h.values = std::move(values);
  h.annotate = h.values.size() <= kAnnotateCells;
  return h;
}

// Rows [r0, r0 + n) of a contiguous [.., cols] block starting at data.
std::vector<float> copy_block(const float* data, int64_t n) {
  return std::vector<float>(data, data + n);
}

// The label of source position i: the vocabulary's token, or the word the user typed when the
// model reads it as <unk>.
std::vector<std::string> source_labels(const Vocab& vocab, const std::vector<int64_t>& ids,
                                       const std::vector<std::string>& words,
                                       const CollateOptions& collate) {
  std::vector<std::string> labels;
  const size_t offset = collate.source_bos ? 1 : 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const int64_t id = ids[i];
    const size_t w = i - offset;
    if (id == Vocab::kUnk && i >= offset && w < words.size())
      labels.push_back("<unk>(" + words[w] + ")");
    else
      labels.push_back(vocab.token(id));
  }
  return labels;
}

// The greedy output for a batch of one source, exactly as `attend translate` decodes it (specials
// other than <eos> never chosen), <eos> included when it was generated.
std::vector<int64_t> greedy_output(SequenceModel& model, const Batch& batch,
                                   const DecodeOptions& decode) {
  const Hypothesis best =
      greedy_decode(model, batch.source, batch.source_padding_mask, decode).at(0);
  std::vector<int64_t> output = best.tokens;
  if (best.finished) output.push_back(decode.eos);
  if (output.empty())
    throw DataError("attention maps: the model generated nothing (decoding max length " +
                    std::to_string(decode.max_length) + ")");
  return output;
}

// The output replayed one decoder step at a time, keeping each step's attention over the S
// source positions: [steps, S] (heads averaged), or empty for a model without one.
std::vector<float> step_attention(SequenceModel& model, const Batch& batch,
                                  const std::vector<int64_t>& output, int64_t bos) {
  const int64_t S = batch.source.size(1);
  auto state = model.start_decoding(batch.source, batch.source_padding_mask);
  std::vector<float> rows;  // [steps, S]
  int64_t prev = bos;
  for (int64_t next : output) {
    model.decode_step(*state, from_indices({prev}, {1}));
    if (Tensor a = state->last_attention(); a.defined()) {
      if (a.ndim() == 3 && a.size(1) > 1) a = mean(a, 1, true);  // heads averaged: [1, 1, S]
      const auto row = copy_block(a.data(), S);
      rows.insert(rows.end(), row.begin(), row.end());
    }
    prev = next;
  }
  return rows;
}

// A Transformer's maps: a teacher-forced pass over <bos> + the output (its last token, which
// nothing reads, dropped), keeping every layer's weights. Row t of the decoder maps is the
// position that produced output token t.
void transformer_maps(TransformerModel& tm, const Batch& batch, const std::vector<int64_t>& output,
                      const TextData& data, int64_t bos, AttentionMaps& out) {
  const int64_t T = static_cast<int64_t>(output.size());
  std::vector<int64_t> fed = {bos};
  fed.insert(fed.end(), output.begin(), output.end() - 1);
  std::vector<std::string> fed_labels;
  for (int64_t id : fed) fed_labels.push_back(data.target_vocab.token(id));
  for (auto& l : tm.encoder->layers) l->keep_attention = true;
  for (auto& l : tm.decoder->layers) l->keep_attention = true;
  struct Reset {
    TransformerModel& m;
    ~Reset() {
      for (auto& l : m.encoder->layers) l->keep_attention = false;
      for (auto& l : m.decoder->layers) l->keep_attention = false;
    }
  } reset{tm};
  tm.forward(batch.source, batch.source_padding_mask, from_indices(fed, {1, T}));

  const int64_t H = tm.options.heads;
  auto add = [&](const std::string& kind, int64_t layer, const Tensor& w,  // [1, H, rows, cols]
                 const std::vector<std::string>& rows, const std::vector<std::string>& cols,
                 const std::string& row_axis, const std::string& col_axis) {
    const int64_t n = static_cast<int64_t>(rows.size() * cols.size());
    if (w.numel() != H * n)
      throw std::logic_error("attention maps: " + kind + " weights of shape " + w.shape().str());
    for (int64_t h = 0; h < H; ++h) {
      const std::string name =
          kind + " layer " + std::to_string(layer) + " head " + std::to_string(h + 1);
      out.maps.push_back({name, make_heatmap(name, row_axis, col_axis, rows, cols,
                                             copy_block(w.data() + h * n, n))});
    }
  };
  for (size_t l = 0; l < tm.encoder->layers.size(); ++l)
    add("encoder", static_cast<int64_t>(l + 1), tm.encoder->layers[l]->last_attention,
        out.source_tokens, out.source_tokens, "source (query)", "source (key)");
  for (size_t l = 0; l < tm.decoder->layers.size(); ++l)
    add("decoder", static_cast<int64_t>(l + 1), tm.decoder->layers[l]->last_self_attention,
        out.output_tokens, fed_labels, "output (decoder step)", "decoder input");
  for (size_t l = 0; l < tm.decoder->layers.size(); ++l)
    add("cross", static_cast<int64_t>(l + 1), tm.decoder->layers[l]->last_cross_attention,
        out.output_tokens, out.source_tokens, "output (decoder step)", "source");
}

// A character as a heatmap label: whitespace made visible.
std::string char_label(const std::string& ch) {
  if (ch == "\n") return "\\n";
  if (ch == " ") return "_";
  if (ch == "\t") return "\\t";
  return ch;
}

// A language model: every layer's and head's causal self-attention over the input's characters
// ("layer L head H", rows = the position that attends, columns = the positions it sees).
AttentionMaps lm_maps(Experiment& e, const std::string& input) {
  LanguageModel* lm = e.language_model();
  const CharVocab* vocab = e.char_vocab();
  if (!lm || !vocab) throw DataError("attention maps: " + e.model_name() + " has no vocabulary");
  std::vector<std::string> unknown;
  const std::vector<int64_t> ids = vocab->encode(input, &unknown);
  if (!unknown.empty()) {
    std::string list;
    for (const auto& ch : unknown) list += (list.empty() ? "" : ", ") + describe_char(ch);
    throw DataError("attention maps: the input has characters outside the model's vocabulary: " +
                    list);
  }
  const int64_t T = static_cast<int64_t>(ids.size());
  if (T == 0) throw DataError("attention maps: empty input");
  if (T > lm->context_length())
    throw DataError("attention maps: the input's " + std::to_string(T) +
                    " characters exceed the model's context of " +
                    std::to_string(lm->context_length()));
  AttentionMaps out;
  out.model = e.model_name();
  for (int64_t id : ids) out.source_tokens.push_back(char_label(vocab->token(id)));
  const std::vector<Tensor> weights = lm->attention_weights(from_indices(ids, {1, T}));
  for (size_t l = 0; l < weights.size(); ++l) {
    const Tensor& w = weights[l];  // [1, H, T, T]
    for (int64_t h = 0; h < w.size(1); ++h) {
      const std::string name = "layer " + std::to_string(l + 1) + " head " + std::to_string(h + 1);
      out.maps.push_back(
          {name, make_heatmap(name, "position (query)", "position (key)", out.source_tokens,
                              out.source_tokens, copy_block(w.data() + h * T * T, T * T))});
    }
  }
  return out;
}

AttentionMaps text_maps(Experiment& e, const std::string& input) {
  const TextData* data = e.text_data();
  TextTask* task = e.text_task();
  auto* model = dynamic_cast<SequenceModel*>(&e.model());
  if (!data || !task || !model)
    throw DataError("attention maps: the " + e.model_name() + " model is not a text model");
  // The source tokenizer's tokens: words, or SentencePiece's pieces ("▁Zwei" "▁Männer"), which
  // are then the labels of the maps.
  const std::vector<std::string> words = data->source_tokenizer->tokenize(input);
  if (words.empty())
    throw DataError("attention maps: the input text '" + input + "' has no tokens");
  const CollateOptions& copts = task->options().collate;
  const std::vector<SequencePair> pairs = {{data->source_vocab.encode(words), {}}};
  task->check_source_fits(pairs[0].source, "attention maps: the input");
  const std::vector<int64_t> positions = {0};
  const Batch batch = collate(pairs, positions, copts);
  const int64_t S = batch.source.size(1);
  std::vector<int64_t> source_ids(static_cast<size_t>(S));
  for (int64_t i = 0; i < S; ++i) source_ids[i] = static_cast<int64_t>(batch.source.data()[i]);

  AttentionMaps out;
  out.model = e.model_name();
  out.source_tokens = source_labels(data->source_vocab, source_ids, words, copts);
  EvalModeGuard eval(*model);
  NoGradGuard no_grad;
  DecodeOptions decode = task->options().decode;
  decode.beam_size = 1;
  const std::vector<int64_t> output = greedy_output(*model, batch, decode);
  std::vector<float> steps = step_attention(*model, batch, output, decode.bos);
  for (int64_t id : output) out.output_tokens.push_back(data->target_vocab.token(id));
  if (auto* tm = dynamic_cast<TransformerModel*>(model)) {
    transformer_maps(*tm, batch, output, *data, decode.bos, out);
    return out;
  }
  if (steps.size() != output.size() * static_cast<size_t>(S))
    throw DataError("attention maps: the " + e.model_name() +
                    " model has no encoder-decoder attention (trained with --attention none?)");
  out.maps.push_back({"decoder step attention",
                      make_heatmap("decoder step attention", "output (decoder step)", "source",
                                   out.output_tokens, out.source_tokens, std::move(steps))});
  return out;
}

std::string node_label(const GraphData& g, int64_t n) {
  return n < static_cast<int64_t>(g.node_names.size()) ? g.node_names[n] : std::to_string(n);
}

AttentionMaps node_maps(Experiment& e, int64_t node) {
  auto* task = dynamic_cast<NodeClassificationTask*>(&e.task());
  auto* model = dynamic_cast<GATNodeClassifier*>(&e.model());
  if (!task || !model)
    throw DataError("attention maps: the " + e.model_name() +
                    " model is not a GAT node classifier (graph classifiers are not supported)");
  const GraphData& g = task->data();
  if (node < 0 || node >= g.num_nodes())
    throw DataError("attention maps: node " + std::to_string(node) +
                    " is not a node index in [0, " + std::to_string(g.num_nodes()) + ") of " +
                    e.data_name());
  EvalModeGuard eval(*model);
  NoGradGuard no_grad;
  std::vector<GATLayer::Output> layers;
  Tensor logits = model->forward_with_attention(g.features, g.edge_src, g.edge_dst, layers);
  const int64_t C = logits.size(1);
  const float* row = logits.data() + node * C;
  const int64_t predicted = std::max_element(row, row + C) - row;

  AttentionMaps out;
  out.model = e.model_name();
  out.source_tokens = {node_label(g, node)};
  out.output_tokens = {predicted < g.num_classes() ? g.class_names[predicted]
                                                   : std::to_string(predicted)};
  for (size_t l = 0; l < layers.size(); ++l) {
    const GATLayer::Output& o = layers[l];
    const int64_t E = o.src.numel(), H = o.attention.size(1);
    std::vector<int64_t> edges;  // the edges j -> node: softmax runs over them
    for (int64_t k = 0; k < E; ++k)
      if (static_cast<int64_t>(o.dst.data()[k]) == node) edges.push_back(k);
    std::vector<std::string> cols;
    for (int64_t k : edges) cols.push_back(node_label(g, static_cast<int64_t>(o.src.data()[k])));
    std::vector<std::string> rows;
    std::vector<float> values;  // [H, neighbours]
    for (int64_t h = 0; h < H; ++h) {
      rows.push_back("head " + std::to_string(h + 1));
      for (int64_t k : edges) values.push_back(o.attention.data()[k * H + h]);
    }
    const std::string name = "node " + out.source_tokens[0] + " layer " + std::to_string(l + 1);
    out.maps.push_back({name, make_heatmap(name, "head", "neighbour", rows, cols, values)});
  }
  return out;
}

}  // namespace

nlohmann::json AttentionMaps::to_json() const {
  nlohmann::json j;
  j["model"] = model;
  j["source_tokens"] = source_tokens;
  j["output_tokens"] = output_tokens;
  j["maps"] = nlohmann::json::array();
  for (const AttentionMap& m : maps) {
    const Heatmap& h = m.heatmap;
    const size_t cols = h.col_labels.size();
    nlohmann::json values = nlohmann::json::array();
    for (size_t r = 0; r < h.row_labels.size(); ++r) {
      nlohmann::json row = nlohmann::json::array();
      for (size_t c = 0; c < cols && r * cols + c < h.values.size(); ++c)
        row.push_back(h.values[r * cols + c]);
      values.push_back(std::move(row));
    }
    j["maps"].push_back({{"name", m.name},
                         {"file", attention_map_file_name(m.name)},
                         {"row_axis", h.row_axis},
                         {"col_axis", h.col_axis},
                         {"rows", h.row_labels.size()},
                         {"cols", cols},
                         {"row_labels", h.row_labels},
                         {"col_labels", h.col_labels},
                         {"values", std::move(values)}});
  }
  return j;
}

std::string attention_map_svg(const AttentionMap& map) {
  return map.features ? alignment_svg(map.heatmap, *map.features) : heatmap_svg(map.heatmap);
}

AttentionMaps compute_attention_maps(Experiment& experiment, const std::string& input,
                                     int64_t node) {
  if (experiment.kind() == TaskKind::kLanguageModel) {
    if (node >= 0)
      throw DataError("attention maps: a node was given, but the " + experiment.model_name() +
                      " model is a language model (give an input text instead)");
    return lm_maps(experiment, input);
  }
  if (experiment.kind() == TaskKind::kSpeech) {
    if (node >= 0)
      throw DataError("attention maps: a node was given, but the " + experiment.model_name() +
                      " model is a speech model (give an audio file instead)");
    return speech_attention_maps(experiment, input);
  }
  if (experiment.kind() == TaskKind::kSequence) {
    if (node >= 0)
      throw DataError("attention maps: a node was given, but the " + experiment.model_name() +
                      " model is a text model (give an input text instead)");
    return text_maps(experiment, input);
  }
  if (node < 0)
    throw DataError("attention maps: the " + experiment.model_name() +
                    " model is a graph model; give a node to show its attention");
  return node_maps(experiment, node);
}

AttentionMaps compute_attention_maps(const std::string& checkpoint, const std::string& input,
                                     int64_t node) {
  // A text model needs no data (its vocabularies are in the checkpoint); a graph model needs
  // the graph it was trained on.
  Experiment e = Experiment::from_checkpoint(checkpoint, node >= 0 ? "" : "-");
  return compute_attention_maps(e, input, node);
}

std::string attention_map_file_name(const std::string& map_name) {
  std::vector<std::string> words;
  std::string word;
  for (char ch : map_name + " ") {
    if (ch == ' ') {
      if (!word.empty()) words.push_back(word);
      word.clear();
      continue;
    }
    const auto u = static_cast<unsigned char>(ch);
    word += std::isalnum(u) || ch == '-' || ch == '_' || ch == '.' ? ch : '_';
  }
  std::string file;
  for (size_t i = 0; i < words.size(); ++i) {
    // "layer 1" -> "layer1", "head 2" -> "head2"; other words are joined by dashes.
    const bool glue = i > 0 && (words[i - 1] == "layer" || words[i - 1] == "head") &&
                      std::all_of(words[i].begin(), words[i].end(), [](char c) {
                        return std::isdigit(static_cast<unsigned char>(c));
                      });
    if (i > 0 && !glue) file += '-';
    file += words[i];
  }
  if (file.empty() || file.front() == '.') file = "map" + file;
  return file + ".svg";
}

std::vector<std::string> write_attention_maps(const AttentionMaps& maps, const std::string& dir) {
  fs::create_directories(dir);
  std::vector<std::string> written;
  for (const AttentionMap& m : maps.maps) {
    const std::string path = (fs::path(dir) / attention_map_file_name(m.name)).string();
    write_text_file_atomic(path, attention_map_svg(m));
    written.push_back(path);
  }
  const std::string json_path = (fs::path(dir) / "attention.json").string();
  write_text_file_atomic(json_path, maps.to_json().dump(1) + "\n");
  written.push_back(json_path);
  return written;
}

}  // namespace attend::study
