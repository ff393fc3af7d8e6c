// Issue item 7: every kind of bad input, in every loader that can meet it, throws a DataError whose
// one-line message starts with "FILE:LINE: " (or "FILE: " for a file that cannot be opened at all).
#include <boost/test/unit_test.hpp>

#include "data_test_util.h"
#include "datasets/bundled_graphs.h"
#include "datasets/loaders.h"

using namespace attend;
using test::check_data_error;

namespace {

const char* kContent = "p1\t1\t0\tA\np2\t0\t1\tB\n";
const char* kCites = "p1\tp2\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(test_bad_input)

BOOST_AUTO_TEST_CASE(malformed_lines) {
  test::TempDir d;
  const std::string tsv = d.write("a.tsv", "Go.\tVa !\nRun! Cours !\n");
  check_data_error([&] { load_tsv_pairs(tsv); }, tsv, 2,
                   "1 tab-separated field(s), need at least 2");
  const std::string tsv_empty = d.write("b.tsv", "Go.\tVa !\nRun!\t\n");
  check_data_error([&] { load_tsv_pairs(tsv_empty); }, tsv_empty, 2, "empty target (column 2)");

  const std::string content = d.write("c.content", "p1\t1\t0\tA\np2\t0\tx\tB\n");
  const std::string cites = d.write("c.cites", kCites);
  check_data_error([&] { load_linqs(content, cites); }, content, 2,
                   "feature 2 is 'x', not a number");
  const std::string short_content = d.write("s.content", "p1\tA\n");
  check_data_error([&] { load_linqs(short_content, cites); }, short_content, 1,
                   "expected <paper id> <features...> <label>");

  const std::string jsonl =
      d.write("d.jsonl", "{\"document\": \"a\", \"summary\": \"b\"}\n{\"document\": \"a\",}\n");
  check_data_error([&] { load_jsonl_pairs(jsonl); }, jsonl, 2, "invalid JSON at column");
  // A number beyond double's range is nlohmann's out_of_range, not a parse_error (found by
  // fuzzing: it escaped the loader and ended the program).
  const std::string huge = d.write("d2.jsonl", "{\"document\": \"a\", \"summary\": -1e999}\n");
  check_data_error([&] { load_jsonl_pairs(huge); }, huge, 1, "invalid JSON number overflow");
  const std::string huge_graph = d.write("d3.jsonl", "{\"label\": 1e999}\n");
  check_data_error([&] { load_graph_set_jsonl(huge_graph); }, huge_graph, 1,
                   "invalid JSON number overflow");
  const std::string not_obj = d.write("e.jsonl", "[\"a\", \"b\"]\n");
  check_data_error([&] { load_jsonl_pairs(not_obj); }, not_obj, 1,
                   "expected a JSON object, found array");
  const std::string missing = d.write("f.jsonl", "{\"document\": \"a\", \"title\": \"b\"}\n");
  check_data_error([&] { load_jsonl_pairs(missing); }, missing, 1, "missing field \"summary\"");
  const std::string number = d.write("g.jsonl", "\n\n{\"document\": 3, \"summary\": \"b\"}\n");
  check_data_error([&] { load_jsonl_pairs(number); }, number, 3, "field \"document\" is number");
  const std::string blank = d.write("h.jsonl", "{\"document\": \"a\", \"summary\": \"\"}\n");
  check_data_error([&] { load_jsonl_pairs(blank); }, blank, 1, "field \"summary\" is empty");

  const std::string header = d.write("i.csv", "text,summary\nx,y\n");
  check_data_error([&] { load_csv_pairs(header); }, header, 1,
                   "header has no column \"document\" (it has 'text,summary')");
  const std::string quote = d.write("j.csv", "document,summary\n\"a\"b,c\n");
  check_data_error([&] { load_csv_pairs(quote); }, quote, 2, "after the closing quote");

  const std::string edges = d.write("k.txt", "0 1\n1 x\n");
  check_data_error([&] { load_edge_list(edges, ""); }, edges, 2, "node indices must be integers");
  const std::string weight = d.write("l.txt", "0 1 2\n1 2 heavy\n");
  check_data_error([&] { load_edge_list(weight, ""); }, weight, 2,
                   "weight 'heavy' is not a number");
  const std::string nodes = d.write("m.csv", "1,0\n1,zero\n");
  check_data_error([&] { load_edge_list(d.write("n.txt", "0 1\n"), nodes); }, nodes, 2,
                   "label 'zero' is not an integer");
}

BOOST_AUTO_TEST_CASE(wrong_column_counts) {
  test::TempDir d;
  const std::string content = d.write("a.content", "p1\t1\t0\tA\np2\t0\tB\n");
  const std::string cites = d.write("a.cites", kCites);
  check_data_error([&] { load_linqs(content, cites); }, content, 2,
                   "wrong column count: 3 fields, expected 4 as on the first line");
  const std::string good = d.write("b.content", kContent);
  const std::string cites3 = d.write("b.cites", "p1\tp2\np2\tp1\tp1\n");
  check_data_error([&] { load_linqs(good, cites3); }, cites3, 2, "wrong column count: 3 field(s)");

  const std::string csv = d.write("c.csv", "document,summary,id\n\"a, b\",c,1\nd,e\n");
  check_data_error([&] { load_csv_pairs(csv); }, csv, 3,
                   "wrong column count: 2 field(s), the header has 3");

  const std::string edges = d.write("d.txt", "0 1\n1 2 5\n");
  check_data_error([&] { load_edge_list(edges, ""); }, edges, 2,
                   "wrong column count: 3 field(s), expected 2");
  const std::string four = d.write("e.txt", "0 1 2 3\n");
  check_data_error([&] { load_edge_list(four, ""); }, four, 1, "expected 'u v' or 'u v weight'");
  const std::string nodes = d.write("f.csv", "1,2,0\n1,1\n");
  check_data_error([&] { load_edge_list(d.write("g.txt", "0 1\n"), nodes); }, nodes, 2,
                   "wrong column count: 2 field(s), expected 3");

  test::TempDir p;
  p.write("t.features.txt", "# 2 2 1\n0 1\n");
  check_data_error([&] { load_planetoid_txt(p.root(), "t"); }, p.path("t.features.txt"), 2,
                   "wrong column count: 2 field(s), expected 'row col value'");
}

BOOST_AUTO_TEST_CASE(unknown_labels) {
  test::TempDir d;
  LinqsOptions o;
  o.classes = {"A", "C"};
  const std::string content = d.write("a.content", kContent);
  check_data_error([&] { load_linqs(content, d.write("a.cites", kCites), o); }, content, 2,
                   "unknown label 'B' (not among the 2 given classes)");

  EdgeListOptions e;
  e.num_classes = 2;
  const std::string nodes = d.write("n.csv", "0\n1\n2\n");
  check_data_error([&] { load_edge_list(d.write("e.txt", "0 1\n"), nodes, e); }, nodes, 3,
                   "unknown label 2 (classes are 0..1");
  const std::string negative = d.write("m.csv", "0\n-3\n");
  check_data_error([&] { load_edge_list(d.write("f.txt", "0 1\n"), negative); }, negative, 2,
                   "unknown label -3");

  test::TempDir p;
  p.write("t.features.txt", "# 2 2 1\n0 1 1\n");
  p.write("t.labels.txt", "0\n-2\n");
  check_data_error([&] { load_planetoid_txt(p.root(), "t"); }, p.path("t.labels.txt"), 2,
                   "unknown label -2");
}

BOOST_AUTO_TEST_CASE(ids_without_a_node) {
  test::TempDir d;
  const std::string content = d.write("a.content", kContent);
  const std::string cited = d.write("a.cites", "p1\tp2\np9\tp1\n");
  check_data_error([&] { load_linqs(content, cited); }, cited, 2,
                   "cited paper id 'p9' has no node (no line in " + content + ")");
  const std::string citing = d.write("b.cites", "p1\tghost\n");
  check_data_error([&] { load_linqs(content, citing); }, citing, 1,
                   "citing paper id 'ghost' has no node");
  const std::string nodes = d.write("n.csv", "0\n1\n");
  const std::string edges = d.write("e.txt", "0 1\n\n1 2\n");
  check_data_error([&] { load_edge_list(edges, nodes); }, edges, 3,
                   "node 2 has no row in " + nodes + " (2 nodes)");
  const std::string dup = d.write("d.content", "p1\t1\tA\np2\t1\tA\np1\t0\tB\n");
  check_data_error([&] { load_linqs(dup, cited); }, dup, 3,
                   "paper id 'p1' repeated (first on line 1)");
}

BOOST_AUTO_TEST_CASE(invalid_utf8) {
  test::TempDir d;
  // "Été" written in Latin-1 on line 2.
  const std::string tsv = d.write("a.tsv", "Summer.\t\xC3\x89t\xC3\xA9.\nSummer!\t\xC9t\xE9 !\n");
  check_data_error([&] { load_tsv_pairs(tsv); }, tsv, 2, "invalid UTF-8 at byte 9 (0xC9)");
  const std::string jsonl = d.write("b.jsonl", "{\"document\": \"caf\xE9\", \"summary\": \"x\"}\n");
  check_data_error([&] { load_jsonl_pairs(jsonl); }, jsonl, 1, "invalid UTF-8 at byte 18");
  const std::string csv = d.write("c.csv", "document,summary\n\"a\nb\xFF\",c\n");
  check_data_error([&] { load_csv_pairs(csv); }, csv, 3, "invalid UTF-8 at byte 2 (0xFF)");
  const std::string content = d.write("d.content", "p1\t1\tA\np\xE9\t1\tA\n");
  check_data_error([&] { load_linqs(content, d.write("d.cites", kCites)); }, content, 2,
                   "invalid UTF-8");
  const std::string src = d.write("e.src", "ok\n");
  const std::string tgt = d.write("e.tgt", "\xE2\x82\n");
  check_data_error([&] { load_parallel_text(src, tgt); }, tgt, 1,
                   "invalid UTF-8 at byte 1 (0xE2 0x82)");
}

BOOST_AUTO_TEST_CASE(empty_files) {
  test::TempDir d;
  const std::string e = d.write("empty.txt", "");
  check_data_error([&] { load_tsv_pairs(e); }, e, 1, "file is empty");
  check_data_error([&] { load_jsonl_pairs(e); }, e, 1, "file is empty");
  check_data_error([&] { load_csv_pairs(e); }, e, 1, "file is empty");
  check_data_error([&] { load_parallel_text(e, e); }, e, 1, "file is empty");
  check_data_error([&] { load_linqs(e, d.write("c", kCites)); }, e, 1, "file is empty");
  check_data_error([&] { load_linqs(d.write("a.content", kContent), e); }, e, 1, "file is empty");
  check_data_error([&] { load_edge_list(e, ""); }, e, 1, "file is empty");
  check_data_error([&] { load_edge_list(d.write("x.txt", "0 1\n"), e); }, e, 1, "file is empty");
  const std::string blank = d.write("blank.tsv", "\n\n");
  check_data_error([&] { load_tsv_pairs(blank); }, blank, 2, "no sentence pairs");
  const std::string header_only = d.write("h.csv", "document,summary\n");
  check_data_error([&] { load_csv_pairs(header_only); }, header_only, 1,
                   "no records after the header");
  const std::string comments = d.write("c.txt", "# only a comment\n");
  check_data_error([&] { load_edge_list(comments, ""); }, comments, 1, "no data lines");
  test::TempDir p;
  p.write("t.features.txt", "");
  check_data_error([&] { load_planetoid_txt(p.root(), "t"); }, p.path("t.features.txt"), 1,
                   "file is empty");
}

BOOST_AUTO_TEST_CASE(missing_files) {
  test::TempDir d;
  const std::string m = d.path("missing.txt");
  check_data_error([&] { load_tsv_pairs(m); }, m, 0, "cannot open: no such file");
  check_data_error([&] { load_jsonl_pairs(m); }, m, 0, "cannot open: no such file");
  check_data_error([&] { load_csv_pairs(m); }, m, 0, "cannot open: no such file");
  check_data_error([&] { load_parallel_text(d.write("s", "a\n"), m); }, m, 0, "no such file");
  check_data_error([&] { load_linqs(m, d.write("c", kCites)); }, m, 0, "no such file");
  check_data_error([&] { load_linqs(d.write("a.content", kContent), m); }, m, 0, "no such file");
  check_data_error([&] { load_edge_list(m, ""); }, m, 0, "no such file");
  check_data_error([&] { load_planetoid_txt(d.root(), "nope"); }, d.path("nope.features.txt"), 0,
                   "no such file");
  check_data_error([&] { load_tsv_pairs(d.root()); }, d.root(), 0, "it is a directory");
}

BOOST_AUTO_TEST_CASE(mismatched_parallel_files) {
  test::TempDir d;
  const std::string src = d.write("s.txt", "a\nb\nc\n");
  const std::string tgt = d.write("t.txt", "A\nB\n");
  check_data_error([&] { load_parallel_text(src, tgt); }, tgt, 3, "file ends before " + src);
  const std::string gap = d.write("g.txt", "A\n\nC\n");
  check_data_error([&] { load_parallel_text(src, gap); }, gap, 2, "empty line");
}

BOOST_AUTO_TEST_SUITE_END()
