// The bundled graph datasets (see bundled_graphs.h).
#include "datasets/bundled_graphs.h"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>
#include <utility>

#include "autograd/creation.h"
#include "datasets/fields.h"
#include "datasets/json_line.h"
#include "datasets/line_reader.h"
#include "datasets/load_edge_list.h"
#include "datasets/load_linqs.h"

#ifndef ATTEND_GRAPH_DATA_DIR
#define ATTEND_GRAPH_DATA_DIR "datasets/data"
#endif

namespace attend {

namespace {

std::string data_file(const std::string& name) {
  return bundled_graph_dir() + "/" + name;
}

[[noreturn]] void unknown_name(const std::string& name, const char* kind) {
  std::string names;
  for (const auto& n : bundled_graph_names()) names += (names.empty() ? "" : ", ") + n;
  throw DataError("unknown bundled " + std::string(kind) + " " + quote_excerpt(name) +
                  " (bundled graphs: " + names + ")");
}

GraphData load_karate(const BundledGraphOptions& options) {
  EdgeListOptions o;
  o.edges = options.edges;
  o.num_classes = 2;
  GraphData g = load_edge_list(data_file("karate.edges.txt"), data_file("karate.labels.txt"), o);
  g.class_names = {"Mr. Hi", "Officer"};
  if (options.split == BundledSplit::kStandard) {
    std::vector<int64_t> test;
    for (int64_t i = 1; i + 1 < g.num_nodes(); ++i) test.push_back(i);
    set_split(g, {0, g.num_nodes() - 1}, {}, test);
  }
  return g;
}

// Lines "train ID...", "valid ID...", "test ID..." naming papers of g by id.
void read_split_file(GraphData& g, const std::string& path) {
  std::unordered_map<std::string, int64_t> index;
  for (int64_t i = 0; i < g.num_nodes(); ++i) index.emplace(g.node_names[i], i);
  std::vector<int64_t> lists[3];
  bool seen[3] = {false, false, false};
  const char* names[] = {"train", "valid", "test"};
  LineReader in(path);
  std::string line;
  while (in.next(line)) {
    if (fields::is_blank_or_comment(line)) continue;
    const auto f = fields::split(line);
    const auto k = std::find(std::begin(names), std::end(names), f[0]) - std::begin(names);
    if (k == 3) in.fail("unknown split " + quote_excerpt(f[0]) + ", expected train, valid or test");
    if (seen[k]) in.fail(std::string("split ") + names[k] + " appears twice");
    seen[k] = true;
    for (size_t j = 1; j < f.size(); ++j) {
      const auto it = index.find(std::string(f[j]));
      if (it == index.end()) in.fail("unknown paper id " + quote_excerpt(f[j]));
      lists[k].push_back(it->second);
    }
  }
  for (int k = 0; k < 3; ++k)
    if (!seen[k]) in.fail_at(in.line_number(), std::string("no ") + names[k] + " line");
  set_split(g, lists[0], lists[1], lists[2]);
}

GraphData load_toy_citation(const BundledGraphOptions& options) {
  LinqsOptions o;
  o.edges = options.edges;
  GraphData g =
      load_linqs(data_file("toy-citation.content.gz"), data_file("toy-citation.cites.gz"), o);
  if (options.split == BundledSplit::kStandard)
    read_split_file(g, data_file("toy-citation.split.txt"));
  return g;
}

int64_t int_field(const nlohmann::json& obj, const char* name, const LineReader& in) {
  const auto it = obj.find(name);
  if (it == obj.end()) in.fail(std::string("missing field \"") + name + "\"");
  if (!it->is_number_integer())
    in.fail(std::string("field \"") + name + "\" is " + it->type_name() + ", expected an integer");
  return it->get<int64_t>();
}

}  // namespace

std::string bundled_graph_dir() {
  const char* env = std::getenv("ATTEND_DATA_DIR");
  if (env && *env) return env;
  return ATTEND_GRAPH_DATA_DIR;
}

std::vector<std::string> bundled_graph_names() {
  return {"karate", "toy-citation", "toy-motifs"};
}

GraphData load_bundled_graph(const std::string& name, const BundledGraphOptions& options) {
  if (name == "karate") return load_karate(options);
  if (name == "toy-citation") return load_toy_citation(options);
  if (name == "toy-motifs")
    throw DataError(
        "\"toy-motifs\" is a graph-classification set: load it with "
        "load_bundled_graph_set");
  unknown_name(name, "graph");
}

GraphClassificationDataset load_bundled_graph_set(const std::string& name,
                                                  const GraphClassificationOptions& options) {
  if (name == "toy-motifs")
    return load_graph_set_jsonl(data_file("toy-motif-graphs.jsonl.gz"), options);
  if (name == "karate" || name == "toy-citation")
    throw DataError("\"" + name +
                    "\" is a node-classification graph: load it with load_bundled_graph");
  unknown_name(name, "graph set");
}

GraphClassificationDataset load_graph_set_jsonl(const std::string& path,
                                                const GraphClassificationOptions& options) {
  if (options.features == NodeFeatures::kDegreeOneHot && options.max_degree < 0)
    throw DataError("load_graph_set_jsonl: max_degree must be >= 0, got " +
                    std::to_string(options.max_degree));
  GraphClassificationDataset ds;
  int64_t feature_values = 0;      // in all graphs so far
  std::vector<std::string> names;  // class k's motif name, "" until seen
  LineReader in(path);
  std::string line;
  while (in.next(line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const nlohmann::json obj = parse_json_line(line, in);
    if (!obj.is_object()) in.fail(std::string("expected a JSON object, found ") + obj.type_name());
    const int64_t label = int_field(obj, "label", in);
    const int64_t n = int_field(obj, "num_nodes", in);
    if (label < 0) in.fail("label " + std::to_string(label) + " is negative");
    if (label >= kMaxClasses)
      in.fail("label " + std::to_string(label) + " is too large (class indices are below " +
              std::to_string(kMaxClasses) + ")");
    if (n <= 0) in.fail("num_nodes " + std::to_string(n) + " must be positive");
    // The features are made here, n x width per graph: bounded before anything is allocated.
    const int64_t width = options.features == NodeFeatures::kConstant ? 1 : options.max_degree + 1;
    if (n > kMaxGraphSetNodes || n > (kMaxDenseFeatures - feature_values) / width)
      in.fail("num_nodes " + std::to_string(n) + " is too many (at most " +
              std::to_string(kMaxGraphSetNodes) + " per graph, and " +
              std::to_string(kMaxDenseFeatures) + " feature values in the whole set)");
    feature_values += n * width;

    std::string split = "train";
    if (const auto it = obj.find("split"); it != obj.end()) {
      if (!it->is_string())
        in.fail(std::string("field \"split\" is ") + it->type_name() + ", expected a string");
      split = it->get<std::string>();
    }
    const auto pos = static_cast<int64_t>(ds.graphs.size());
    if (split == "train") {
      ds.split.train.push_back(pos);
    } else if (split == "valid") {
      ds.split.valid.push_back(pos);
    } else if (split == "test") {
      ds.split.test.push_back(pos);
    } else {
      in.fail("unknown split " + quote_excerpt(split) + ", expected train, valid or test");
    }

    if (static_cast<int64_t>(names.size()) <= label) names.resize(label + 1);
    if (const auto it = obj.find("motif"); it != obj.end()) {
      if (!it->is_string())
        in.fail(std::string("field \"motif\" is ") + it->type_name() + ", expected a string");
      const std::string motif = it->get<std::string>();
      if (names[label].empty()) names[label] = motif;
      if (names[label] != motif)
        in.fail("label " + std::to_string(label) + " is motif " + quote_excerpt(motif) +
                " here but " + quote_excerpt(names[label]) + " before");
    }

    const auto edges_it = obj.find("edges");
    if (edges_it == obj.end()) in.fail("missing field \"edges\"");
    if (!edges_it->is_array())
      in.fail(std::string("field \"edges\" is ") + edges_it->type_name() + ", expected an array");
    std::vector<int64_t> src, dst, degree(n, 0);
    std::set<std::pair<int64_t, int64_t>> seen;
    for (const auto& e : *edges_it) {
      const std::string at = "edge " + std::to_string(src.size());
      if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer() || !e[1].is_number_integer())
        in.fail(at + " is " + quote_excerpt(e.dump()) + ", expected [u, v] with integer nodes");
      const auto u = e[0].get<int64_t>(), v = e[1].get<int64_t>();
      if (u < 0 || u >= n || v < 0 || v >= n)
        in.fail(at + " [" + std::to_string(u) + ", " + std::to_string(v) +
                "] names a node outside 0.." + std::to_string(n - 1));
      if (u == v) in.fail(at + " is a self loop on node " + std::to_string(u));
      if (!seen.emplace(std::min(u, v), std::max(u, v)).second)
        in.fail(at + " [" + std::to_string(u) + ", " + std::to_string(v) +
                "] repeats an earlier edge");
      src.push_back(u);
      dst.push_back(v);
      ++degree[u];
      ++degree[v];
    }

    SmallGraph sg;
    sg.label = label;
    if (options.features == NodeFeatures::kConstant) {
      sg.features = ones({n, 1});
    } else {
      const int64_t f = options.max_degree + 1;
      sg.features = zeros({n, f});
      for (int64_t i = 0; i < n; ++i)
        sg.features.data()[i * f + std::min(degree[i], options.max_degree)] = 1.0f;
    }
    GraphData tmp;
    tmp.features = sg.features;
    EdgeOptions eo;
    eo.undirected = true;
    eo.add_self_loops = options.add_self_loops;
    set_edges(tmp, src, dst, {}, eo);
    sg.edge_src = std::move(tmp.edge_src);
    sg.edge_dst = std::move(tmp.edge_dst);
    ds.graphs.push_back(std::move(sg));
  }
  if (in.line_number() == 0) in.fail_at(1, "file is empty, expected one JSON graph per line");
  if (ds.graphs.empty()) in.fail("file has no graphs, only empty lines");
  for (size_t k = 0; k < names.size(); ++k)
    ds.class_names.push_back(names[k].empty() ? std::to_string(k) : names[k]);
  return ds;
}

}  // namespace attend
