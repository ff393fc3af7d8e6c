// The gradient-check catalogue (study/gradcheck_catalog.h): every case passes; together the op
// cases reach every op the engine records (each record("name", ...) in autograd/*.cpp, read at test
// time, so adding an op without a case fails here); a deliberately wrong backward is reported as a
// failure at its wrong element; names are unique; selection by name, suggestions, table, summary.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "study/gradcheck_catalog.h"

using namespace attend;

namespace {

// Every op name recorded in autograd/*.cpp -> the file that records it: the string literal that
// record(...) / record_multi(...) is called with, or, for record(op, ...), the literal last
// assigned to that identifier above the call ("constexpr const char* op = \"edge_softmax\"").
std::map<std::string, std::string> recorded_op_names() {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> names;
  const fs::path dir = fs::path(ATTEND_SOURCE_DIR) / "autograd";
  const std::regex literal_call(R"(\brecord(?:_multi)?\(\s*"([A-Za-z0-9_]+)\")");
  const std::regex named_call(R"(\brecord(?:_multi)?\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,)");
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".cpp") continue;
    std::ifstream in(entry.path());
    std::string text, line;
    while (std::getline(in, line)) {
      const auto comment = line.find("//");
      text += (comment == std::string::npos ? line : line.substr(0, comment)) + "\n";
    }
    const std::string file = entry.path().filename().string();
    for (std::sregex_iterator it(text.begin(), text.end(), literal_call), end; it != end; ++it)
      names[(*it)[1]] = file;
    for (std::sregex_iterator it(text.begin(), text.end(), named_call), end; it != end; ++it) {
      const std::string ident = (*it)[1];
      const std::string before = text.substr(0, static_cast<size_t>(it->position()));
      const std::regex assign("\\b" + ident + R"(\s*=\s*"([A-Za-z0-9_]+)\")");
      std::string last;
      for (std::sregex_iterator a(before.begin(), before.end(), assign), e; a != e; ++a)
        last = (*a)[1];
      BOOST_CHECK_MESSAGE(!last.empty(), file << ": cannot tell which op name record(" << ident
                                              << ", ...) records");
      if (!last.empty()) names[last] = file;
    }
  }
  return names;
}

// The concrete layer classes of layers/*.h: every `class X : public Y` whose X is nobody's base
// (Module, UnaryModule, Attention, RNNBase, ... are bases, not layers one builds).
std::set<std::string> declared_layer_classes() {
  namespace fs = std::filesystem;
  std::set<std::string> classes, bases;
  const std::regex decl(
      R"(\bclass\s+([A-Za-z_][A-Za-z0-9_]*)\s*:\s*public\s+([A-Za-z_][A-Za-z0-9_]*))");
  for (const auto& entry : fs::directory_iterator(fs::path(ATTEND_SOURCE_DIR) / "layers")) {
    if (entry.path().extension() != ".h") continue;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::sregex_iterator it(text.begin(), text.end(), decl), end; it != end; ++it) {
      classes.insert((*it)[1]);
      bases.insert((*it)[2]);
    }
  }
  for (const auto& b : bases) classes.erase(b);
  return classes;
}

// y = x^2 with a backward that is wrong at one element (flat index 4): 2 x g, plus 1 there.
Tensor bad_square(const Tensor& x) {
  Tensor out;
  {
    NoGradGuard ng;
    out = mul(x, x);
  }
  return record("bad_square", out, {&x}, [xs = x.detach()](const Tensor& g) {
    Tensor gx = mul(mul(g, xs), 2.0f);
    gx.data()[4] += 1.0f;
    return std::vector<Tensor>{gx};
  });
}

GradcheckCase bad_square_case() {
  return {"bad_square", "op", [](const GradcheckOptions& o) {
            Generator g(5);
            Tensor x = uniform({2, 3}, -1.0f, 1.0f, g);
            x.requires_grad_();
            return gradcheck(
                [](const std::vector<Tensor>& in) { return trace_ops(bad_square(in[0])); }, {x}, o);
          }};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_gradcheck_catalog)

BOOST_AUTO_TEST_CASE(every_case_passes_and_the_op_cases_cover_every_recorded_op) {
  std::set<std::string> covered, modules;
  const auto t0 = std::chrono::steady_clock::now();
  for (const GradcheckCase& c : gradcheck_catalog()) {
    std::set<std::string> ops;
    const GradcheckResult r = run_gradcheck_case(c, GradcheckOptions(), &ops, &modules);
    BOOST_CHECK_MESSAGE(r.ok, c.name << ": " << r.message);
    BOOST_CHECK_MESSAGE(r.checked > 0, c.name << ": no element checked");
    BOOST_CHECK_MESSAGE(!ops.empty(), c.name << ": its forward recorded no op");
    if (c.kind == "op") covered.insert(ops.begin(), ops.end());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST_MESSAGE(gradcheck_catalog().size() << " checks in " << seconds << " s");

  const std::map<std::string, std::string> recorded = recorded_op_names();
  // The parse must find the engine's ops, or the coverage check below would pass vacuously.
  BOOST_REQUIRE_GE(recorded.size(), 40u);
  for (const char* known : {"matmul", "lstm_cell", "edge_softmax", "gatv2_edge_score", "unbind"})
    BOOST_CHECK_MESSAGE(recorded.count(known), "the parse of autograd/*.cpp missed " << known);
  for (const auto& [name, file] : recorded)
    BOOST_CHECK_MESSAGE(covered.count(name), "op '"
                                                 << name << "' (recorded in autograd/" << file
                                                 << ") has no case in study/gradcheck_catalog.cpp");

  // Every layer class is in some layer case (itself or inside another layer).
  const std::set<std::string> layers = declared_layer_classes();
  BOOST_REQUIRE_GE(layers.size(), 20u);
  for (const char* known : {"Linear", "GATLayer", "TransformerDecoder", "LSTMCell", "ModuleList"})
    BOOST_CHECK_MESSAGE(layers.count(known), "the parse of layers/*.h missed " << known);
  for (const auto& cls : layers)
    BOOST_CHECK_MESSAGE(
        modules.count(cls),
        "layer " << cls << " (layers/*.h) has no case in study/gradcheck_catalog.cpp");
}

BOOST_AUTO_TEST_CASE(every_case_passes_with_other_cotangents) {
  // --seed draws another cotangent: the inputs are chosen so that the checks pass for any (seeds
  // 28 and 42 once failed the pre-LN decoder layer, whose LayerNorm saw a row of close values).
  for (uint64_t seed : {28u, 42u}) {
    GradcheckOptions opt;
    opt.seed = seed;
    for (const GradcheckCase& c : gradcheck_catalog()) {
      const GradcheckResult r = run_gradcheck_case(c, opt);
      BOOST_CHECK_MESSAGE(r.ok, "seed " << seed << ": " << c.name << ": " << r.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_catalogue_has_ops_and_layers_with_unique_names) {
  std::set<std::string> names;
  std::map<std::string, int> kinds;
  for (const GradcheckCase& c : gradcheck_catalog()) {
    BOOST_CHECK_MESSAGE(names.insert(c.name).second, "duplicate name " << c.name);
    BOOST_CHECK_MESSAGE(c.kind == "op" || c.kind == "layer", c.name << ": kind " << c.kind);
    BOOST_CHECK_MESSAGE(c.name.find_first_of(" \t*?") == std::string::npos,
                        "name '" << c.name << "' is not one shell word without glob characters");
    ++kinds[c.kind];
  }
  // Every layer class of layers/*.h.
  for (const char* layer :
       {"Linear", "Embedding", "LayerNorm", "Dropout", "RNNCell", "LSTMCell", "GRUCell", "RNN",
        "LSTM", "GRU", "AdditiveAttention", "ScaledDotProductAttention", "MultiheadAttention",
        "GATLayer", "SinusoidalPositionalEncoding", "LearnedPositionalEncoding",
        "TransformerEncoder", "TransformerDecoder"})
    BOOST_CHECK_MESSAGE(names.count(layer), "no case for layer " << layer);
  BOOST_CHECK_GE(kinds["layer"], 20);
}

BOOST_AUTO_TEST_CASE(a_wrong_backward_fails_at_its_wrong_element) {
  const GradcheckCase bad = bad_square_case();
  std::set<std::string> ops;
  const GradcheckResult r = run_gradcheck_case(bad, GradcheckOptions(), &ops);
  BOOST_CHECK(!r.ok);
  BOOST_CHECK(ops == std::set<std::string>{"bad_square"});
  BOOST_CHECK_EQUAL(r.label, "input 0");
  BOOST_CHECK(r.index == (std::vector<int64_t>{1, 1}));  // flat index 4 of [2, 3]
  BOOST_CHECK_CLOSE(r.analytic - r.numeric, 1.0, 1.0);   // the 1 added there (within 1 %)
  BOOST_CHECK_EQUAL(r.checked, 6);

  // In a run with passing cases it sorts first, and the table and summary say so.
  const GradcheckCase& good = *select_gradcheck_cases(gradcheck_catalog(), "tanh").at(0);
  const auto rows = run_gradcheck_cases({&good, &bad}, GradcheckOptions());
  BOOST_REQUIRE_EQUAL(rows.size(), 2u);
  BOOST_CHECK_EQUAL(rows[0].name, "bad_square");
  BOOST_CHECK(!rows[0].result.ok && rows[1].result.ok);
  const std::string table = format_gradcheck_table(rows);
  BOOST_TEST_MESSAGE(table);
  std::istringstream lines(table);
  std::string header, rule, first, second;
  std::getline(lines, header);
  std::getline(lines, rule);
  std::getline(lines, first);
  std::getline(lines, second);
  for (const char* col :
       {"name", "kind", "checked", "worst |analytic-numeric|", "at", "ratio to tolerance", "ok"})
    BOOST_CHECK_MESSAGE(header.find(col) != std::string::npos, "header lacks " << col);
  BOOST_CHECK(first.rfind("bad_square", 0) == 0);
  BOOST_CHECK(first.find("input 0 [1, 1]") != std::string::npos);
  BOOST_CHECK(first.find("FAIL") != std::string::npos);
  BOOST_CHECK(second.rfind("tanh", 0) == 0);
  BOOST_CHECK(second.find(" ok") != std::string::npos);
  BOOST_CHECK(table.find("bad_square: gradcheck failed") != std::string::npos);
  const std::string summary = gradcheck_summary(rows);
  BOOST_CHECK_MESSAGE(summary.rfind("2 checks, 1 passed, worst ratio ", 0) == 0, summary);
  BOOST_CHECK(summary.find("(bad_square)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_case_that_throws_is_a_failed_row) {
  const GradcheckCase throws{"throws", "op", [](const GradcheckOptions&) -> GradcheckResult {
                               return gradcheck(
                                   [](const std::vector<Tensor>& in) {
                                     return matmul(in[0], in[0]);  // [2, 3] @ [2, 3]
                                   },
                                   {ones({2, 3}).requires_grad_()});
                             }};
  const GradcheckResult r = run_gradcheck_case(throws, GradcheckOptions());
  BOOST_CHECK(!r.ok);
  BOOST_CHECK_MESSAGE(r.message.find("matmul") != std::string::npos, r.message);
}

BOOST_AUTO_TEST_CASE(rows_are_sorted_by_worst_ratio_and_summarised) {
  const auto& cat = gradcheck_catalog();
  std::vector<const GradcheckCase*> some;
  for (const char* n : {"exp", "layer_norm", "softmax", "Linear"})
    some.push_back(select_gradcheck_cases(cat, n).at(0));
  const auto rows = run_gradcheck_cases(some, GradcheckOptions());
  BOOST_REQUIRE_EQUAL(rows.size(), 4u);
  for (size_t i = 1; i < rows.size(); ++i)
    BOOST_CHECK_GE(rows[i - 1].result.worst_ratio, rows[i].result.worst_ratio);
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.2f", rows[0].result.worst_ratio);
  BOOST_CHECK_EQUAL(gradcheck_summary(rows), "4 checks, 4 passed, worst ratio " +
                                                 std::string(ratio) + " (" + rows[0].name + ")");
}

BOOST_AUTO_TEST_CASE(selection_by_name_substring_and_glob_and_close_names) {
  const auto& cat = gradcheck_catalog();
  auto names = [&](const std::string& q) {
    std::set<std::string> out;
    for (const GradcheckCase* c : select_gradcheck_cases(cat, q)) out.insert(c->name);
    return out;
  };
  BOOST_CHECK(names("LSTM") == std::set<std::string>{"LSTM"});  // exact name: that one only
  const auto lstm = names("lstm");                              // else substring, any case
  for (const char* n : {"lstm_cell", "LSTMCell", "LSTM", "LSTM_lengths"})
    BOOST_CHECK_MESSAGE(lstm.count(n), "'lstm' does not select " << n);
  BOOST_CHECK(names("edge_*") == (std::set<std::string>{"edge_aggregate", "edge_softmax"}));
  BOOST_CHECK(names("no_such_check").empty());
  const auto close = close_gradcheck_names(cat, "lstm_cel");
  BOOST_CHECK(!close.empty() && close.front() == "lstm_cell");
  const auto close2 = close_gradcheck_names(cat, "sofmax");
  BOOST_CHECK(std::find(close2.begin(), close2.end(), "softmax") != close2.end());
  BOOST_CHECK(close_gradcheck_names(cat, "qqqqqqqqqqqq").empty());
}

BOOST_AUTO_TEST_SUITE_END()
