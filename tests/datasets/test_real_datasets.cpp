// The real files in ../shared/datasets, when present (each case says clearly when it skips): Cora
// (LINQS and Planetoid views), Citeseer, the karate club, eng-fra.txt, AESLC and
// Multi30k. The counts are
// those of each folder's SOURCE.md.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "data_test_util.h"
#include "datasets/batching.h"
#include "datasets/line_reader.h"
#include "datasets/loaders.h"
#include "datasets/sentencepiece_model.h"
#include "datasets/split.h"
#include "datasets/utf8.h"

using namespace attend;

namespace {

const std::string kShared = ATTEND_SOURCE_DIR "/../shared/datasets";

bool present(const std::string& path) {
  if (std::filesystem::exists(path)) return true;
  BOOST_TEST_MESSAGE("SKIPPED: " << path << " is not present");
  return false;
}

int64_t count_lines(const std::string& path) {
  LineReader in(path);
  std::string line;
  while (in.next(line)) {
  }
  return in.line_number();
}

std::multiset<int64_t> class_counts(const GraphData& g) {
  std::vector<int64_t> c(g.num_classes());
  for (int64_t i = 0; i < g.num_nodes(); ++i)
    if (g.labels.data()[i] >= 0) ++c[static_cast<int64_t>(g.labels.data()[i])];
  return {c.begin(), c.end()};
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_real_datasets)

BOOST_AUTO_TEST_CASE(cora_linqs) {
  const std::string root = kShared + "/cora";
  if (!present(root + "/linqs/cora.content")) return;
  BOOST_CHECK_EQUAL(count_lines(root + "/linqs/cora.cites"), 5429);
  CitationOptions o;
  o.split = CitationSplit::kNone;
  const GraphData g = load_citation_dataset(root, "cora", o);
  BOOST_CHECK_EQUAL(g.num_nodes(), 2708);
  BOOST_CHECK_EQUAL(g.num_features(), 1433);
  BOOST_CHECK_EQUAL(g.num_classes(), 7);
  const std::vector<std::string> classes = {"Case_Based",
                                            "Genetic_Algorithms",
                                            "Neural_Networks",
                                            "Probabilistic_Methods",
                                            "Reinforcement_Learning",
                                            "Rule_Learning",
                                            "Theory"};
  BOOST_CHECK(g.class_names == classes);
  // Per-class counts of SOURCE.md, in the sorted class order above.
  std::vector<int64_t> per_class(7);
  for (int64_t i = 0; i < g.num_nodes(); ++i) ++per_class[static_cast<int>(g.labels.data()[i])];
  BOOST_CHECK(per_class == std::vector<int64_t>({298, 418, 818, 426, 217, 180, 351}));
  // 5429 cites lines: no self-citations, 151 repeat a pair (either way), 5278 undirected pairs.
  BOOST_CHECK_EQUAL(g.edge_stats.input_edges, 5429);
  BOOST_CHECK_EQUAL(g.edge_stats.self_loops, 0);
  BOOST_CHECK_EQUAL(g.edge_stats.duplicates, 5429 - 5278);
  BOOST_CHECK_EQUAL(g.num_edges(), 2 * 5278);
  BOOST_TEST_MESSAGE("Cora LINQS: "
                     << g.num_nodes() << " nodes, " << g.num_features() << " features, "
                     << g.num_classes() << " classes; cites lines " << g.edge_stats.input_edges
                     << ", self loops " << g.edge_stats.self_loops << ", duplicates "
                     << g.edge_stats.duplicates << ", directed edges after dedup " << g.num_edges()
                     << " (" << g.num_edges() / 2 << " undirected)");
  // Binary bag of words: every entry 0 or 1.
  int64_t ones = 0;
  for (int64_t i = 0; i < g.features.numel(); ++i) ones += g.features.data()[i] == 1.0f;
  BOOST_CHECK_EQUAL(ones, 49216);  // the nnz of planetoid_txt's cora.features.txt

  o.split = CitationSplit::kRandom;
  o.seed = 1;
  const GraphData r = load_citation_dataset(root, "cora", o);
  BOOST_CHECK_EQUAL(mask_indices(r.train_mask).size(), 140u);
  BOOST_CHECK_EQUAL(mask_indices(r.val_mask).size(), 500u);
  BOOST_CHECK_EQUAL(mask_indices(r.test_mask).size(), 1000u);
}

BOOST_AUTO_TEST_CASE(cora_planetoid_split) {
  const std::string root = kShared + "/cora";
  if (!present(root + "/planetoid_txt/cora.features.txt")) return;
  const GraphData g = load_citation_dataset(root, "cora");  // kPlanetoid is the default
  BOOST_CHECK_EQUAL(g.num_nodes(), 2708);
  BOOST_CHECK_EQUAL(g.num_features(), 1433);
  BOOST_CHECK_EQUAL(g.num_classes(), 7);
  BOOST_CHECK_EQUAL(g.num_edges(), 10556);
  BOOST_CHECK_EQUAL(g.edge_stats.self_loops, 0);
  const auto train = mask_indices(g.train_mask), val = mask_indices(g.val_mask),
             test = mask_indices(g.test_mask);
  BOOST_CHECK_EQUAL(train.size(), 140u);
  BOOST_CHECK_EQUAL(val.size(), 500u);
  BOOST_CHECK_EQUAL(test.size(), 1000u);
  BOOST_CHECK_EQUAL(train.front(), 0);
  BOOST_CHECK_EQUAL(train.back(), 139);
  BOOST_CHECK_EQUAL(val.front(), 140);
  BOOST_CHECK_EQUAL(val.back(), 639);
  BOOST_CHECK_EQUAL(test.front(), 1708);
  BOOST_CHECK_EQUAL(test.back(), 2707);
  std::vector<int64_t> train_per_class(7);
  for (int64_t i : train) ++train_per_class[static_cast<int>(g.labels.data()[i])];
  BOOST_CHECK(train_per_class == std::vector<int64_t>(7, 20));
  std::vector<int64_t> per_class(7);
  for (int64_t i = 0; i < 2708; ++i) ++per_class[static_cast<int>(g.labels.data()[i])];
  BOOST_CHECK(per_class == std::vector<int64_t>({351, 217, 418, 818, 426, 298, 180}));
  // GAT's self loops: exactly one per node on top of the 10556 edges.
  const GraphData s = load_planetoid_txt(root + "/planetoid_txt", "cora", {.add_self_loops = true});
  BOOST_CHECK_EQUAL(s.num_edges(), 10556 + 2708);
  // Same graph as LINQS, renumbered: same class sizes and edge count.
  if (std::filesystem::exists(root + "/linqs/cora.content")) {
    CitationOptions o;
    o.split = CitationSplit::kNone;
    const GraphData l = load_citation_dataset(root, "cora", o);
    BOOST_CHECK(class_counts(l) == class_counts(g));
    BOOST_CHECK_EQUAL(l.num_edges(), g.num_edges());
  }
}

BOOST_AUTO_TEST_CASE(citeseer) {
  const std::string root = kShared + "/citeseer";
  if (!present(root + "/planetoid_txt/citeseer.features.txt")) return;
  const GraphData p = load_citation_dataset(root, "citeseer");
  BOOST_CHECK_EQUAL(p.num_nodes(), 3327);
  BOOST_CHECK_EQUAL(p.num_features(), 3703);
  BOOST_CHECK_EQUAL(p.num_classes(), 6);
  BOOST_CHECK_EQUAL(p.edge_stats.self_loops, 124);
  BOOST_CHECK_EQUAL(p.num_edges(), 9228 - 124);
  BOOST_CHECK_EQUAL(mask_indices(p.train_mask).size(), 120u);
  BOOST_CHECK_EQUAL(mask_indices(p.val_mask).size(), 500u);
  BOOST_CHECK_EQUAL(mask_indices(p.test_mask).size(), 1000u);
  int64_t unlabelled = 0;
  for (int64_t i = 0; i < p.num_nodes(); ++i) unlabelled += p.labels.data()[i] < 0;
  BOOST_CHECK_EQUAL(unlabelled, 15);

  const std::string gz = root + "/linqs/citeseer.content.gz";
  if (!present(gz)) return;
  CitationOptions o;
  o.split = CitationSplit::kNone;
  if (!gzip_supported()) {
    test::check_data_error([&] { load_citation_dataset(root, "citeseer", o); }, gz, 0,
                           "decompress it first");
    return;
  }
  // 17 cites lines name 15 papers without a content row: an error unless skipped.
  test::check_data_error([&] { load_citation_dataset(root, "citeseer", o); },
                         root + "/linqs/citeseer.cites", 232,
                         "cited paper id '197556' has no node");
  o.skip_unknown_papers = true;
  const GraphData g = load_citation_dataset(root, "citeseer", o);
  BOOST_CHECK_EQUAL(g.num_nodes(), 3312);
  BOOST_CHECK_EQUAL(g.num_features(), 3703);
  BOOST_CHECK_EQUAL(g.num_classes(), 6);
  BOOST_CHECK_EQUAL(g.edge_stats.skipped_unknown, 17);
  BOOST_CHECK_EQUAL(g.edge_stats.input_edges, 4732 - 17);
  BOOST_CHECK_EQUAL(g.edge_stats.self_loops, 124);
  BOOST_CHECK_EQUAL(g.edge_stats.duplicates, 55);
  BOOST_CHECK_EQUAL(g.num_edges(), 2 * 4536);
  BOOST_TEST_MESSAGE("Citeseer LINQS (gz): "
                     << g.num_nodes() << " nodes; cites lines 4732, "
                     << g.edge_stats.skipped_unknown << " skipped (unknown papers), "
                     << g.edge_stats.self_loops << " self loops, " << g.edge_stats.duplicates
                     << " duplicates, " << g.num_edges() / 2 << " undirected edges");
}

BOOST_AUTO_TEST_CASE(karate_club) {
  const std::string dir = kShared + "/karate";
  if (!present(dir + "/karate.edges.txt")) return;
  const GraphData g = load_edge_list(dir + "/karate.edges.txt", dir + "/karate.labels.txt");
  BOOST_CHECK_EQUAL(g.num_nodes(), 34);
  BOOST_CHECK_EQUAL(g.num_features(), 34);  // identity features
  BOOST_CHECK_EQUAL(g.num_classes(), 2);
  BOOST_CHECK_EQUAL(g.edge_stats.input_edges, 78);
  BOOST_CHECK_EQUAL(g.num_edges(), 156);
  BOOST_REQUIRE(g.edge_weight.defined());
  float lo = 1e9f, hi = 0;
  for (int64_t i = 0; i < g.num_edges(); ++i) {
    lo = std::min(lo, g.edge_weight.data()[i]);
    hi = std::max(hi, g.edge_weight.data()[i]);
  }
  BOOST_CHECK_EQUAL(lo, 1.0f);
  BOOST_CHECK_EQUAL(hi, 7.0f);
  BOOST_CHECK(class_counts(g) == std::multiset<int64_t>({17, 17}));
}

BOOST_AUTO_TEST_CASE(eng_fra) {
  const std::string path = kShared + "/eng-fra/eng-fra.txt";
  if (!present(path)) return;
  auto t0 = std::chrono::steady_clock::now();
  const auto pairs = load_tsv_pairs(path);
  const double load_s = seconds_since(t0);
  BOOST_CHECK_EQUAL(pairs.size(), 142787u);
  BOOST_CHECK_EQUAL(pairs.front().source, "Go.");
  BOOST_CHECK_EQUAL(pairs.front().target, "Va !");
  // Tokenize everything, lowercased, and build both vocabularies.
  t0 = std::chrono::steady_clock::now();
  const Tokenizer tok({.lowercase = true});
  const TokenizedPairs toks = tokenize_pairs(pairs, tok, tok);
  const Vocab en = Vocab::build(toks.source, {.min_freq = 2});
  const Vocab fr = Vocab::build(toks.target, {.min_freq = 2});
  const auto data = encode_pairs(toks, en, fr);
  const double tok_s = seconds_since(t0);
  BOOST_CHECK(toks.target[0] == std::vector<std::string>({"va", "!"}));  // the U+00A0 is gone
  BOOST_CHECK(fr.contains("aujourd'hui"));
  BOOST_CHECK(fr.contains("l'"));
  BOOST_CHECK(fr.contains("été"));
  int64_t unk = 0, total = 0;
  for (const auto& p : data) {
    for (int64_t i : p.target) unk += i == Vocab::kUnk;
    total += static_cast<int64_t>(p.target.size());
  }
  BOOST_TEST_MESSAGE("eng-fra: " << pairs.size() << " pairs read in " << load_s << " s; tokenized, "
                                 << "vocabularies built and encoded in " << tok_s << " s; en vocab "
                                 << en.size() << ", fr vocab " << fr.size()
                                 << " (min_freq 2); French tokens " << total << ", <unk> " << unk);
  // A reproducible split and a bucketed epoch cover every pair.
  const SplitIndices s = random_split(static_cast<int64_t>(data.size()), 0.05, 0.05, 0);
  BOOST_CHECK_EQUAL(s.train.size() + s.valid.size() + s.test.size(), data.size());
  Generator g(0);
  const auto plan = plan_batches(data, {.batch_size = 64, .bucket_batches = 50}, &g);
  size_t covered = 0;
  for (const auto& b : plan) covered += b.size();
  BOOST_CHECK_EQUAL(covered, data.size());
}

BOOST_AUTO_TEST_CASE(aeslc_dev) {
  const std::string dir = kShared + "/aeslc";
  if (!present(dir + "/dev.body.txt")) return;
  const auto pairs = load_parallel_text(dir + "/dev.body.txt", dir + "/dev.subject.txt");
  BOOST_CHECK_EQUAL(pairs.size(), 1960u);
}

// Multi30k as it ships (../shared/datasets/multi30k/raw): the line counts of SOURCE.md, and
// "&amp;" kept as it is in the file (the tokenizers unescape it).
BOOST_AUTO_TEST_CASE(multi30k_raw_files) {
  const std::string raw = kShared + "/multi30k/raw";
  if (!present(raw + "/train.de")) return;
  const ParallelFiles f = parallel_files(raw + "/train", "de", "en");
  const auto train = load_parallel_text(f.source, f.target);
  BOOST_CHECK_EQUAL(train.size(), 29000u);
  BOOST_CHECK_EQUAL(train[560].target, "Eight gentlemen are working with stone &amp; tile.");
  const ParallelFiles t = parallel_files(raw + "/test_2016_flickr", "de", "en");
  BOOST_CHECK_EQUAL(load_parallel_text(t.source, t.target).size(), 1000u);
}

// SentencePiece on Multi30k's raw German and English: decode(encode(x)) == x for every validation
// and test sentence that is normalised text (one ASCII space between words, none at the ends; NFKC
// turns a no-break space into a space) made of characters the training text has; the others are
// counted (one German line has "120\u00A0cm").
BOOST_AUTO_TEST_CASE(multi30k_sentencepiece_round_trip) {
  const std::string raw = kShared + "/multi30k/raw";
  if (!present(raw + "/train.de") || !sentencepiece_supported()) return;
  for (const char* lang : {"de", "en"}) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> train;
    for (const TextPair& p :
         load_parallel_text(raw + "/train." + std::string(lang), raw + "/train.en"))
      train.push_back(p.source);
    SentencePieceOptions o;
    o.vocab_size = 8000;
    const SentencePieceModel m = SentencePieceModel::train(train, o);
    std::set<std::string> seen_chars;
    for (const auto& s : train)
      for (size_t i = 0; i < s.size();) {
        const size_t start = i;
        utf8::decode(s, i);
        seen_chars.insert(s.substr(start, i - start));
      }
    int64_t checked = 0, not_normalised = 0;
    for (const char* split : {"val", "test_2016_flickr"})
      for (const TextPair& p :
           load_parallel_text(raw + "/" + split + "." + lang, raw + "/" + split + ".en")) {
        const std::string& x = p.source;
        bool normal = x.find("  ") == std::string::npos && x.front() != ' ' && x.back() != ' ' &&
                      x.find("\u00A0") == std::string::npos;
        for (size_t i = 0; normal && i < x.size();) {
          const size_t start = i;
          utf8::decode(x, i);
          normal = seen_chars.count(x.substr(start, i - start)) > 0;
        }
        if (!normal) {
          ++not_normalised;
          continue;
        }
        BOOST_CHECK_MESSAGE(m.decode(m.encode(x)) == x, x << " -> " << m.decode(m.encode(x)));
        ++checked;
      }
    BOOST_TEST_MESSAGE(lang << ": " << checked << " sentences round-trip, " << not_normalised
                            << " not normalised text, " << seconds_since(t0) << " s");
    BOOST_CHECK_GE(checked, 2010);
  }
}

BOOST_AUTO_TEST_SUITE_END()
