// study/attention_maps.cpp on tiny models: every map a softmax per row, the right number and
// shape of maps per model, labels that are the real tokens and neighbours, JSON and files that
// match the heatmaps.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "datasets/data_error.h"
#include "datasets/tokenizer.h"
#include "study/attention_maps.h"
#include "trainers/trainer_test_util.h"

using namespace attend;
using namespace attend::study;
using attend::test::TempDir;

namespace {

const char* kInput = "red cat zebra blue";  // "zebra" is not in the vocabulary

// Every row of the map is a probability distribution over its columns.
void check_rows_are_softmax(const AttentionMap& m) {
  const Heatmap& h = m.heatmap;
  const size_t rows = h.row_labels.size(), cols = h.col_labels.size();
  BOOST_REQUIRE_MESSAGE(rows > 0 && cols > 0, m.name << " is empty");
  BOOST_REQUIRE_EQUAL(h.values.size(), rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (size_t c = 0; c < cols; ++c) {
      const float v = h.values[r * cols + c];
      BOOST_CHECK_MESSAGE(v >= 0 && v <= 1, m.name << " row " << r << " has weight " << v);
      sum += v;
    }
    BOOST_CHECK_MESSAGE(std::abs(sum - 1.0) < 1e-4, m.name << " row " << r << " sums to " << sum);
  }
}

const AttentionMap& find_map(const AttentionMaps& maps, const std::string& name) {
  for (const auto& m : maps.maps)
    if (m.name == name) return m;
  BOOST_FAIL("no map named " + name);
  throw;  // unreachable
}

// The greedy output as `attend translate` prints it: detokenized, <pad> and <bos> dropped (an
// untrained model may generate them), up to <eos>.
std::string detokenized_output(const AttentionMaps& maps) {
  std::vector<std::string> words;
  for (const auto& w : maps.output_tokens) {
    if (w == "<eos>") break;
    if (w != "<bos>" && w != "<pad>") words.push_back(w);
  }
  return detokenize(words);
}

std::string read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_attention_maps)

BOOST_AUTO_TEST_CASE(transformer_has_every_layer_and_head_of_all_three_attentions) {
  TempDir dir;
  test::write_corpus(dir);
  ExperimentConfig c = test::text_config(dir, "transformer");
  c.hyperparams["encoder-layers"] = "2";
  c.hyperparams["decoder-layers"] = "2";
  Experiment e = Experiment::create(c);
  const AttentionMaps maps = compute_attention_maps(e, kInput);
  BOOST_TEST(maps.model == "transformer");
  const int64_t layers = 2, heads = 2;
  BOOST_TEST(maps.maps.size() == static_cast<size_t>(layers * heads * 3));

  // The source as the encoder reads it: the words (an unknown one marked), then <eos>.
  BOOST_TEST(maps.source_tokens ==
                 (std::vector<std::string>{"red", "cat", "<unk>(zebra)", "blue", "<eos>"}),
             boost::test_tools::per_element());
  const size_t S = maps.source_tokens.size(), T = maps.output_tokens.size();
  BOOST_REQUIRE(T >= 1);
  BOOST_TEST((maps.output_tokens.back() == "<eos>" ||
              static_cast<int64_t>(T) == c.text_task.decode.max_length));
  // The same output as the library's own greedy decoding.
  BOOST_TEST(e.text_task()->generate({kInput}, c.text_task.decode).at(0) ==
             detokenized_output(maps));

  std::set<std::string> names;
  for (const auto& m : maps.maps) {
    names.insert(m.name);
    check_rows_are_softmax(m);
  }
  BOOST_TEST(names.size() == maps.maps.size());  // no two maps share a name
  for (int64_t l = 1; l <= layers; ++l)
    for (int64_t h = 1; h <= heads; ++h) {
      const std::string suffix = " layer " + std::to_string(l) + " head " + std::to_string(h);
      const Heatmap& enc = find_map(maps, "encoder" + suffix).heatmap;
      BOOST_TEST(enc.row_labels == maps.source_tokens, boost::test_tools::per_element());
      BOOST_TEST(enc.col_labels == maps.source_tokens, boost::test_tools::per_element());
      const Heatmap& cross = find_map(maps, "cross" + suffix).heatmap;
      BOOST_TEST(cross.row_labels == maps.output_tokens, boost::test_tools::per_element());
      BOOST_TEST(cross.col_labels == maps.source_tokens, boost::test_tools::per_element());
      const Heatmap& dec = find_map(maps, "decoder" + suffix).heatmap;
      BOOST_TEST(dec.row_labels == maps.output_tokens, boost::test_tools::per_element());
      BOOST_REQUIRE_EQUAL(dec.col_labels.size(), T);
      BOOST_TEST(dec.col_labels[0] == "<bos>");  // the decoder reads <bos>, then its own output
      for (size_t t = 1; t < T; ++t) BOOST_TEST(dec.col_labels[t] == maps.output_tokens[t - 1]);
      // Causal: step t never looks at a later input.
      for (size_t r = 0; r < T; ++r)
        for (size_t k = r + 1; k < T; ++k) BOOST_TEST(dec.values[r * T + k] == 0.0f);
      (void)S;
    }
}

BOOST_AUTO_TEST_CASE(seq2seq_has_one_row_per_decoder_step) {
  TempDir dir;
  test::write_corpus(dir);
  ExperimentConfig c = test::text_config(dir, "seq2seq");
  Experiment e = Experiment::create(c);
  // A few steps of training, so the output is not just the first token repeated.
  TrainerOptions o = test::quiet_options(dir / "run", 30);
  o.lr = 0.03f;
  Trainer(e.task(), e.dropout_generator(), o).fit();
  const AttentionMaps maps = compute_attention_maps(e, "green dog bird");
  BOOST_TEST(maps.model == "seq2seq");
  BOOST_REQUIRE_EQUAL(maps.maps.size(), 1u);
  const AttentionMap& m = maps.maps[0];
  BOOST_TEST(m.name == "decoder step attention");
  BOOST_TEST(m.heatmap.row_labels == maps.output_tokens, boost::test_tools::per_element());
  BOOST_TEST(m.heatmap.col_labels == (std::vector<std::string>{"green", "dog", "bird", "<eos>"}),
             boost::test_tools::per_element());
  check_rows_are_softmax(m);
  BOOST_TEST(e.text_task()->generate({"green dog bird"}, c.text_task.decode).at(0) ==
             detokenized_output(maps));
}

BOOST_AUTO_TEST_CASE(seq2seq_without_attention_is_refused) {
  TempDir dir;
  test::write_corpus(dir);
  ExperimentConfig c = test::text_config(dir, "seq2seq");
  c.hyperparams["attention"] = "none";
  Experiment e = Experiment::create(c);
  BOOST_CHECK_THROW(compute_attention_maps(e, kInput), DataError);
}

BOOST_AUTO_TEST_CASE(text_models_refuse_a_node_and_empty_text) {
  TempDir dir;
  test::write_corpus(dir);
  Experiment e = Experiment::create(test::text_config(dir, "seq2seq"));
  BOOST_CHECK_THROW(compute_attention_maps(e, kInput, 3), DataError);
  BOOST_CHECK_THROW(compute_attention_maps(e, " \t "), DataError);
}

BOOST_AUTO_TEST_CASE(gat_attends_over_exactly_the_neighbours_of_the_node) {
  Experiment e = Experiment::create(test::gat_config());  // karate: 34 nodes, 2 layers, 2 heads
  const auto& g = dynamic_cast<NodeClassificationTask&>(e.task()).data();
  for (int64_t node : {0, 11, 33}) {
    const AttentionMaps maps = compute_attention_maps(e, "", node);
    BOOST_TEST(maps.model == "gat");
    BOOST_TEST(maps.source_tokens == std::vector<std::string>{g.node_names[node]},
               boost::test_tools::per_element());
    BOOST_REQUIRE_EQUAL(maps.output_tokens.size(), 1u);
    BOOST_TEST((std::find(g.class_names.begin(), g.class_names.end(), maps.output_tokens[0]) !=
                g.class_names.end()));
    // The graph's in-neighbours of the node, and the node itself (the self loop).
    std::multiset<std::string> expected = {g.node_names[node]};
    for (int64_t k = 0; k < g.num_edges(); ++k)
      if (static_cast<int64_t>(g.edge_dst.data()[k]) == node)
        expected.insert(g.node_names[static_cast<int64_t>(g.edge_src.data()[k])]);
    BOOST_REQUIRE_EQUAL(maps.maps.size(), 2u);
    const std::vector<size_t> heads = {2, 1};  // hidden layer: --heads 2; output: --out-heads 1
    for (size_t l = 0; l < 2; ++l) {
      const AttentionMap& m = maps.maps[l];
      BOOST_TEST(m.name == "node " + g.node_names[node] + " layer " + std::to_string(l + 1));
      BOOST_TEST(m.heatmap.row_labels.size() == heads[l]);
      const std::multiset<std::string> got(m.heatmap.col_labels.begin(),
                                           m.heatmap.col_labels.end());
      BOOST_TEST((got == expected));
      check_rows_are_softmax(m);
    }
  }
  BOOST_CHECK_THROW(compute_attention_maps(e, "", 34), DataError);
  BOOST_CHECK_THROW(compute_attention_maps(e, "", -1), DataError);
}

BOOST_AUTO_TEST_CASE(json_and_files_match_the_heatmaps) {
  TempDir dir;
  test::write_corpus(dir);
  Experiment e = Experiment::create(test::text_config(dir, "transformer"));
  const AttentionMaps maps = compute_attention_maps(e, kInput);
  const std::vector<std::string> files = write_attention_maps(maps, dir / "out");
  BOOST_REQUIRE_EQUAL(files.size(), maps.maps.size() + 1);
  const std::string json_path = dir / "out/attention.json";
  BOOST_TEST(files.back() == json_path);

  const nlohmann::json j = nlohmann::json::parse(read(files.back()));  // throws if malformed
  BOOST_TEST(j["model"] == "transformer");
  BOOST_TEST(j["source_tokens"].get<std::vector<std::string>>() == maps.source_tokens,
             boost::test_tools::per_element());
  BOOST_TEST(j["output_tokens"].get<std::vector<std::string>>() == maps.output_tokens,
             boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(j["maps"].size(), maps.maps.size());
  for (size_t i = 0; i < maps.maps.size(); ++i) {
    const Heatmap& h = maps.maps[i].heatmap;
    const nlohmann::json& jm = j["maps"][i];
    BOOST_TEST(jm["name"] == maps.maps[i].name);
    const std::string path = dir / ("out/" + jm["file"].get<std::string>());
    BOOST_TEST(path == files[i]);
    BOOST_TEST(jm["row_labels"].get<std::vector<std::string>>() == h.row_labels,
               boost::test_tools::per_element());
    BOOST_TEST(jm["col_labels"].get<std::vector<std::string>>() == h.col_labels,
               boost::test_tools::per_element());
    const auto values = jm["values"].get<std::vector<std::vector<float>>>();
    BOOST_REQUIRE_EQUAL(values.size(), h.row_labels.size());
    for (size_t r = 0; r < values.size(); ++r) {
      BOOST_REQUIRE_EQUAL(values[r].size(), h.col_labels.size());
      for (size_t c = 0; c < values[r].size(); ++c)
        BOOST_TEST(values[r][c] == h.values[r * h.col_labels.size() + c]);
    }
    // The SVG: one cell per value, labels escaped (<eos> never appears raw).
    const std::string svg = read(files[i]);
    const size_t a = svg.find("<g class=\"cells\">"), b = svg.find("</g>", a);
    BOOST_TEST(count(svg.substr(a, b - a), "<rect ") == h.values.size());
    BOOST_TEST(svg.find("<eos>") == std::string::npos);
    if (std::count(h.col_labels.begin(), h.col_labels.end(), "<eos>") > 0)
      BOOST_TEST(svg.find("&lt;eos&gt;") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(file_names_follow_the_map_names) {
  BOOST_TEST(attention_map_file_name("encoder layer 1 head 2") == "encoder-layer1-head2.svg");
  BOOST_TEST(attention_map_file_name("cross layer 2 head 1") == "cross-layer2-head1.svg");
  BOOST_TEST(attention_map_file_name("decoder step attention") == "decoder-step-attention.svg");
  BOOST_TEST(attention_map_file_name("node 17 layer 1") == "node-17-layer1.svg");
  BOOST_TEST(attention_map_file_name("node ../x/y layer 1") == "node-.._x_y-layer1.svg");
}

BOOST_AUTO_TEST_CASE(maps_from_a_checkpoint_file) {
  TempDir dir;
  test::write_corpus(dir);
  ExperimentConfig c = test::text_config(dir, "transformer");
  c.text_task.decode.max_length = 100;  // as the checkpoint is loaded: the default
  Experiment e = Experiment::create(c);
  TrainerOptions o = test::quiet_options(dir / "run", 2);
  o.metadata = e.checkpoint_metadata();
  Trainer(e.task(), e.dropout_generator(), o).fit();
  const AttentionMaps maps = compute_attention_maps(dir / "run/last.safetensors", kInput);
  // The checkpoint holds the trained weights: the same maps as the model in memory.
  const AttentionMaps same = compute_attention_maps(e, kInput);
  BOOST_TEST(maps.output_tokens == same.output_tokens, boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(maps.maps.size(), same.maps.size());
  for (size_t i = 0; i < maps.maps.size(); ++i) {
    BOOST_TEST(maps.maps[i].name == same.maps[i].name);
    BOOST_TEST(maps.maps[i].heatmap.values == same.maps[i].heatmap.values,
               boost::test_tools::tolerance(1e-5f) << boost::test_tools::per_element());
  }
  BOOST_CHECK_THROW(compute_attention_maps(dir / "no-such.safetensors", kInput),
                    std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
