#include "cli/datasets_cmd.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <tuple>

#include "cli/datasets_audio.h"
#include "datasets/bundled.h"
#include "datasets/bundled_graphs.h"
#include "datasets/data_error.h"
#include "datasets/line_reader.h"
#include "datasets/load_citation.h"
#include "datasets/load_doc_summary.h"
#include "datasets/load_linqs.h"
#include "datasets/load_text_pairs.h"
#include "datasets/split_file.h"
#include "datasets/text_pipeline.h"
#include "datasets/vocab.h"

namespace attend::cli {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A text histogram of token counts in buckets of 5, one bar per bucket.
void print_length_histogram(const char* what,
                            const std::vector<std::vector<std::string>>& sentences) {
  std::map<size_t, int64_t> buckets;
  size_t lo = SIZE_MAX, hi = 0;
  double total = 0;
  for (const auto& s : sentences) {
    buckets[s.size() / 5]++;
    lo = std::min(lo, s.size());
    hi = std::max(hi, s.size());
    total += static_cast<double>(s.size());
  }
  if (sentences.empty()) return;
  std::printf("%s length (tokens): min %zu, mean %.1f, max %zu\n", what, lo,
              total / sentences.size(), hi);
  int64_t most = 0;
  for (auto& [b, n] : buckets) most = std::max(most, n);
  for (auto& [b, n] : buckets) {
    const int bar =
        static_cast<int>(40.0 * static_cast<double>(n) / static_cast<double>(most) + 0.5);
    std::printf("  %3zu-%-3zu %7lld %s\n", b * 5, b * 5 + 4, static_cast<long long>(n),
                std::string(bar, '#').c_str());
  }
}

void show_text(const std::vector<std::pair<std::string, std::vector<TextPair>>>& splits,
               int samples) {
  std::vector<TextPair> all;
  for (auto& [name, pairs] : splits) {
    std::printf("%-6s %lld pairs\n", name.c_str(), static_cast<long long>(pairs.size()));
    all.insert(all.end(), pairs.begin(), pairs.end());
  }
  const auto tok = std::make_shared<WordTokenizer>();
  TokenizedPairs t = tokenize_pairs(all, TextPipeline{tok, tok, {}, {}});
  std::printf("vocabulary (all tokens, with 4 specials): source %lld, target %lld\n",
              static_cast<long long>(Vocab::build(t.source).size()),
              static_cast<long long>(Vocab::build(t.target).size()));
  print_length_histogram("source", t.source);
  print_length_histogram("target", t.target);
  const auto& first = splits.front().second;
  for (int i = 0; i < samples && i < static_cast<int>(first.size()); ++i)
    std::printf("sample %d:\n  source: %s\n  target: %s\n", i + 1, first[i].source.c_str(),
                first[i].target.c_str());
}

void show_graph(const GraphData& g) {
  std::printf(
      "nodes %lld, directed edges %lld (average degree %.2f), features %lld, classes %lld\n",
      static_cast<long long>(g.num_nodes()), static_cast<long long>(g.num_edges()),
      g.num_nodes() ? static_cast<double>(g.num_edges()) / static_cast<double>(g.num_nodes()) : 0.0,
      static_cast<long long>(g.num_features()), static_cast<long long>(g.num_classes()));
  std::vector<int64_t> count(g.num_classes(), 0);
  int64_t unlabelled = 0;
  for (int64_t i = 0; i < g.num_nodes(); ++i) {
    const float l = g.labels.data()[i];
    if (l < 0)
      ++unlabelled;
    else
      ++count[static_cast<size_t>(l)];
  }
  std::printf("class balance:\n");
  for (size_t c = 0; c < count.size(); ++c)
    std::printf("  %-24s %6lld (%.1f%%)\n", g.class_names[c].c_str(),
                static_cast<long long>(count[c]),
                100.0 * static_cast<double>(count[c]) /
                    static_cast<double>(std::max<int64_t>(g.num_nodes(), 1)));
  if (unlabelled) std::printf("  %-24s %6lld\n", "(no label)", static_cast<long long>(unlabelled));
  auto ones = [](const Tensor& m) {
    int64_t n = 0;
    if (m.defined())
      for (int64_t i = 0; i < m.numel(); ++i) n += m.data()[i] != 0.0f;
    return n;
  };
  if (g.train_mask.defined())
    std::printf("split: train %lld, validation %lld, test %lld nodes\n",
                static_cast<long long>(ones(g.train_mask)),
                static_cast<long long>(ones(g.val_mask)),
                static_cast<long long>(ones(g.test_mask)));
}

void show_graph_set(const GraphClassificationDataset& d) {
  std::vector<int64_t> count(d.num_classes(), 0);
  int64_t lo = INT64_MAX, hi = 0;
  for (const SmallGraph& g : d.graphs) {
    ++count[static_cast<size_t>(g.label)];
    lo = std::min(lo, g.num_nodes());
    hi = std::max(hi, g.num_nodes());
  }
  std::printf("graphs %lld (%lld-%lld nodes each), node features %lld, classes %lld\n",
              static_cast<long long>(d.graphs.size()), static_cast<long long>(lo),
              static_cast<long long>(hi), static_cast<long long>(d.num_features()),
              static_cast<long long>(d.num_classes()));
  for (size_t c = 0; c < count.size(); ++c)
    std::printf("  %-12s %6lld\n", d.class_names[c].c_str(), static_cast<long long>(count[c]));
  std::printf("split: train %zu, validation %zu, test %zu graphs\n", d.split.train.size(),
              d.split.valid.size(), d.split.test.size());
}

// Parallel text: two files, a prefix and two languages, or a directory and two languages.
void show_parallel_text(const ShowDataset& r) {
  if (!r.target.empty()) {
    if (!r.source_lang.empty() || !r.target_lang.empty())
      throw DataError(r.what, 0,
                      "give two files or a prefix with --source-lang/--target-lang, not both");
    std::vector<TextPair> pairs = load_parallel_text(r.what, r.target);
    std::printf("%s + %s (parallel text)\n", r.what.c_str(), r.target.c_str());
    show_text({{"all", pairs}}, r.samples);
    return;
  }
  if (r.source_lang.empty() || r.target_lang.empty())
    throw DataError(r.what, 0,
                    "parallel text by language needs both --source-lang and --target-lang");
  if (!std::filesystem::is_directory(r.what)) {
    const ParallelFiles f = parallel_files(r.what, r.source_lang, r.target_lang);
    std::vector<TextPair> pairs = load_parallel_text(f.source, f.target);
    std::printf("%s + %s (parallel text)\n", f.source.c_str(), f.target.c_str());
    show_text({{"all", pairs}}, r.samples);
    return;
  }
  const std::vector<std::string> stems = parallel_stems(r.what, r.source_lang, r.target_lang);
  if (stems.empty())
    throw DataError(r.what, 0,
                    "no STEM." + r.source_lang + " file with a STEM." + r.target_lang +
                        " beside it (parallel text, one sentence a line)");
  std::vector<std::pair<std::string, std::vector<TextPair>>> splits;
  for (const std::string& stem : stems) {
    const ParallelFiles f = parallel_files((std::filesystem::path(r.what) / stem).string(),
                                           r.source_lang, r.target_lang);
    splits.emplace_back(stem, load_parallel_text(f.source, f.target));
  }
  std::printf(
      "%s: parallel text %s -> %s (train with --data %s --source-lang %s --target-lang %s, "
      "or --train-pref %s/STEM, --valid-pref, --test-pref)\n",
      r.what.c_str(), r.source_lang.c_str(), r.target_lang.c_str(), r.what.c_str(),
      r.source_lang.c_str(), r.target_lang.c_str(), r.what.c_str());
  show_text(splits, r.samples);
}

// A directory: a Cora/Citeseer graph (what train --data takes) or parallel text.
void show_directory(const ShowDataset& r) {
  if (is_citation_directory(r.what)) {
    GraphData g = load_citation_directory(r.what);
    std::printf("%s (citation graph, the Planetoid split)\n", r.what.c_str());
    show_graph(g);
    return;
  }
  const auto [a, b] = parallel_languages(r.what);
  if (a.empty())
    throw DataError(r.what, 0,
                    "a directory, but neither a Cora/Citeseer directory (with linqs/ or "
                    "planetoid_txt/) nor parallel text (STEM.LANG files for two languages)");
  ShowDataset langs = r;
  langs.source_lang = a;
  langs.target_lang = b;
  show_parallel_text(langs);
}

// A JSONL file of graphs (for gat-graph) rather than of document-summary pairs: its first
// non-empty line has "edges".
bool is_graph_set_jsonl(const std::string& path) {
  LineReader in(path);
  for (std::string line; in.next(line);)
    if (!line.empty()) return line.find("\"edges\"") != std::string::npos;
  return false;
}

}  // namespace

void list_datasets() {
  std::printf("bundled text datasets (from %s):\n", bundled_data_dir().c_str());
  for (const std::string& name : bundled_dataset_names()) {
    TextSplits s = load_bundled_text(name);
    std::printf("  %-20s train %6zu  valid %5zu  test %5zu pairs\n", name.c_str(), s.train.size(),
                s.valid.size(), s.test.size());
  }
  std::printf("bundled graphs:\n");
  for (const std::string& name : bundled_graph_names()) {
    if (name == "toy-motifs") {
      GraphClassificationDataset d = load_bundled_graph_set(name);
      std::printf("  %-20s %zu graphs, %lld classes (graph classification)\n", name.c_str(),
                  d.graphs.size(), static_cast<long long>(d.num_classes()));
    } else {
      GraphData g = load_bundled_graph(name);
      std::printf("  %-20s %lld nodes, %lld directed edges, %lld features, %lld classes\n",
                  name.c_str(), static_cast<long long>(g.num_nodes()),
                  static_cast<long long>(g.num_edges()), static_cast<long long>(g.num_features()),
                  static_cast<long long>(g.num_classes()));
    }
  }
  list_speech_datasets();
  std::printf(
      "`attend datasets show NAME` for details; a path to a TSV, JSONL, CSV or LINQS .content "
      "file, "
      "a Cora/Citeseer directory, or parallel text (SRC_FILE TGT_FILE, or a prefix or directory "
      "with --source-lang/--target-lang) works too\n");
}

void show_dataset(const ShowDataset& r) {
  const std::string& what = r.what;
  const int samples = r.samples;
  if (!r.target.empty() || !r.source_lang.empty() || !r.target_lang.empty()) {
    show_parallel_text(r);
    return;
  }
  if (contains(bundled_dataset_names(), what)) {
    TextSplits s = load_bundled_text(what);
    std::printf("%s (bundled)\n", what.c_str());
    show_text({{"train", s.train}, {"valid", s.valid}, {"test", s.test}}, samples);
    return;
  }
  if (what == "toy-motifs") {
    GraphClassificationDataset d = load_bundled_graph_set(what);
    std::printf("%s (bundled)\n", what.c_str());
    show_graph_set(d);
    return;
  }
  if (contains(bundled_graph_names(), what)) {
    GraphData g = load_bundled_graph(what);
    std::printf("%s (bundled)\n", what.c_str());
    show_graph(g);
    return;
  }
  if (show_speech_dataset(what, samples)) return;
  if (!std::filesystem::exists(what))
    throw DataError(what, 0,
                    "neither a bundled dataset (see `attend datasets list`) nor an existing file");
  if (std::filesystem::is_directory(what)) {
    show_directory(r);
    return;
  }
  // Each file is read in full before anything is printed, so a bad one is a one-line error.
  std::string base = ends_with(what, ".gz") ? what.substr(0, what.size() - 3) : what;
  if (ends_with(base, ".content")) {
    const std::string cites = base.substr(0, base.size() - 8) + ".cites";
    GraphData g = load_linqs(what, std::filesystem::exists(cites) ? cites : cites + ".gz");
    std::printf("%s\n", what.c_str());
    show_graph(g);
  } else if (ends_with(base, ".jsonl") && is_graph_set_jsonl(what)) {
    GraphClassificationDataset d = load_graph_set_jsonl(what);  // graphs for gat-graph
    std::printf("%s\n", what.c_str());
    show_graph_set(d);
  } else if (ends_with(base, ".jsonl") || ends_with(base, ".json") || ends_with(base, ".csv")) {
    std::vector<TextPair> pairs = load_doc_summary(what);  // document-summary pairs
    std::printf("%s\n", what.c_str());
    show_text({{"all", pairs}}, samples);
  } else {
    std::vector<TextPair> pairs = load_tsv_pairs(what);  // Tatoeba: source TAB target [TAB ...]
    std::printf("%s\n", what.c_str());
    show_text({{"all", pairs}}, samples);
  }
}

void split_dataset(const SplitDataset& r) {
  const FileSplitResult s = split_pairs_file(r.file, r.out,
                                             {.valid_fraction = r.valid,
                                              .test_fraction = r.test,
                                              .seed = r.seed,
                                              .overwrite = r.overwrite});
  std::printf("%s: %lld pairs, seed %llu\n", r.file.c_str(),
              static_cast<long long>(s.train_pairs + s.valid_pairs + s.test_pairs),
              static_cast<unsigned long long>(r.seed));
  for (const auto& [name, n, path] :
       {std::tuple{"train", s.train_pairs, &s.train}, std::tuple{"valid", s.valid_pairs, &s.valid},
        std::tuple{"test", s.test_pairs, &s.test}})
    std::printf("  %-5s %7lld  %s\n", name, static_cast<long long>(n), path->c_str());
  std::printf("train on it with: attend train --train-file %s --valid-file %s --test-file %s\n",
              s.train.c_str(), s.valid.c_str(), s.test.c_str());
}

}  // namespace attend::cli
