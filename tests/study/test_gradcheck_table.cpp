// `attend gradcheck`'s table (study/gradcheck_table.h): one row per op and layer descriptor, all
// passing; a deliberately wrong backward reported as a failed row at its wrong element, sorted
// first; a sample that throws as a failed row; selection by name, substring and glob; close
// names; the summary.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <set>
#include <sstream>
#include <string>

#include "autograd/node.h"
#include "autograd/op_info.h"
#include "autograd/ops.h"
#include "study/gradcheck_table.h"
#include "test_util.h"

using namespace attend;

namespace {

// y = x^2 with a backward that is wrong at one element (flat index 4): 2 x g, plus 1 there.
Tensor bad_square(const Tensor& x) {
  Tensor out;
  {
    NoGradGuard ng;
    out = mul(x, x);
  }
  return record(attend::test::test_op("bad_square"), out, {&x}, [xs = x.detach()](const Tensor& g) {
    Tensor gx = mul(mul(g, xs), 2.0f);
    gx.data()[4] += 1.0f;
    return std::vector<Tensor>{gx};
  });
}

// Its descriptor for the table: one sample, [2, 3] in [-1, 1].
const OpInfo bad_square_descriptor{
    .name = "bad_square", .samples = [] {
      return std::vector<Sample>{{.name = "[2, 3]",
                                  .inputs = {make_input({2, 3}, 5)},
                                  .f = [](const Inputs& x) { return bad_square(x[0]); }}};
    }};

const OpInfo& find(const std::string& name) {
  const auto found = select_descriptors(gradcheck_descriptors(), name);
  BOOST_REQUIRE_EQUAL(found.size(), 1u);
  return *found[0];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_gradcheck_table)

BOOST_AUTO_TEST_CASE(one_passing_row_per_op_and_layer) {
  const std::vector<const OpInfo*> all = gradcheck_descriptors();
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<GradcheckRow> rows = run_descriptors(all, GradcheckOptions());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST_MESSAGE(gradcheck_summary(rows) << " in " << seconds << " s");
  BOOST_REQUIRE_EQUAL(rows.size(), all.size());
  std::set<std::string> names;
  size_t layers = 0;
  for (const GradcheckRow& r : rows) {
    BOOST_CHECK_MESSAGE(r.result.ok,
                        r.name << ", sample '" << r.sample << "': " << r.result.message);
    BOOST_CHECK_MESSAGE(r.samples > 0 && r.result.checked > 0, r.name << ": nothing checked");
    names.insert(r.name);
    layers += r.kind == "layer";
  }
  // Every layer class of layers/*.h.
  for (const char* layer :
       {"Linear", "Embedding", "LayerNorm", "Dropout", "RNNCell", "LSTMCell", "GRUCell", "RNN",
        "LSTM", "GRU", "AdditiveAttention", "ScaledDotProductAttention", "MultiheadAttention",
        "GATLayer", "SinusoidalPositionalEncoding", "LearnedPositionalEncoding",
        "TransformerEncoder", "TransformerDecoder"})
    BOOST_CHECK_MESSAGE(names.count(layer), "no row for layer " << layer);
  BOOST_CHECK_GE(layers, 20u);
  BOOST_CHECK_GE(rows.size() - layers, 60u);
}

BOOST_AUTO_TEST_CASE(a_wrong_backward_fails_at_its_wrong_element) {
  const GradcheckRow bad = run_descriptor(bad_square_descriptor, GradcheckOptions());
  BOOST_CHECK(!bad.result.ok);
  BOOST_CHECK_EQUAL(bad.kind, "op");
  BOOST_CHECK_EQUAL(bad.sample, "[2, 3]");
  BOOST_CHECK_EQUAL(bad.result.label, "input 0");
  BOOST_CHECK(bad.result.index == (std::vector<int64_t>{1, 1}));          // flat index 4 of [2, 3]
  BOOST_CHECK_CLOSE(bad.result.analytic - bad.result.numeric, 1.0, 1.0);  // the 1 added there
  BOOST_CHECK_EQUAL(bad.result.checked, 6);

  // In a run with passing rows it sorts first, and the table and summary say so.
  const OpInfo* both[] = {&find("tanh"), &bad_square_descriptor};
  const auto rows = run_descriptors({both[0], both[1]}, GradcheckOptions());
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
  for (const char* col : {"name", "kind", "samples", "checked", "worst |analytic-numeric|", "at",
                          "sample", "ratio to tolerance", "ok"})
    BOOST_CHECK_MESSAGE(header.find(col) != std::string::npos, "header lacks " << col);
  BOOST_CHECK(first.rfind("bad_square", 0) == 0);
  BOOST_CHECK(first.find("input 0 [1, 1]") != std::string::npos);
  BOOST_CHECK(first.find("FAIL") != std::string::npos);
  BOOST_CHECK(second.rfind("tanh", 0) == 0);
  BOOST_CHECK(second.find(" ok") != std::string::npos);
  BOOST_CHECK(table.find("bad_square, sample '[2, 3]': gradcheck failed") != std::string::npos);
  const std::string summary = gradcheck_summary(rows);
  BOOST_CHECK_MESSAGE(summary.rfind("2 checks, 1 passed, worst ratio ", 0) == 0, summary);
  BOOST_CHECK(summary.find("(bad_square)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_sample_that_throws_is_a_failed_row) {
  const OpInfo throws{
      .name = "throws", .samples = [] {
        return std::vector<Sample>{{.name = "[2, 3] @ [2, 3]",
                                    .inputs = {make_input({2, 3}, 1)},
                                    .f = [](const Inputs& x) { return matmul(x[0], x[0]); }}};
      }};
  const GradcheckRow r = run_descriptor(throws, GradcheckOptions());
  BOOST_CHECK(!r.result.ok);
  BOOST_CHECK_EQUAL(r.sample, "[2, 3] @ [2, 3]");
  BOOST_CHECK_MESSAGE(r.result.message.find("matmul") != std::string::npos, r.result.message);
}

BOOST_AUTO_TEST_CASE(a_reference_that_disagrees_fails_the_row) {
  const OpInfo off{.name = "off", .samples = [] {
                     return std::vector<Sample>{
                         {.name = "exp against exp + 1e-3",
                          .inputs = {make_input({3}, 1)},
                          .f = [](const Inputs& x) { return exp(x[0]); },
                          .reference = [](const Inputs& x) { return exp(x[0]) + 1e-3f; }}};
                   }};
  const GradcheckRow r = run_descriptor(off, GradcheckOptions());
  BOOST_CHECK(!r.result.ok);
  BOOST_CHECK_MESSAGE(r.result.message.find("differs from its reference") != std::string::npos,
                      r.result.message);
}

BOOST_AUTO_TEST_CASE(rows_are_sorted_by_worst_ratio_and_summarised) {
  std::vector<const OpInfo*> some;
  for (const char* n : {"exp", "layer_norm", "softmax", "Linear"}) some.push_back(&find(n));
  const auto rows = run_descriptors(some, GradcheckOptions());
  BOOST_REQUIRE_EQUAL(rows.size(), 4u);
  for (size_t i = 1; i < rows.size(); ++i)
    BOOST_CHECK_GE(rows[i - 1].result.worst_ratio, rows[i].result.worst_ratio);
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.2f", rows[0].result.worst_ratio);
  BOOST_CHECK_EQUAL(gradcheck_summary(rows), "4 checks, 4 passed, worst ratio " +
                                                 std::string(ratio) + " (" + rows[0].name + ")");
}

BOOST_AUTO_TEST_CASE(selection_by_name_substring_and_glob_and_close_names) {
  const std::vector<const OpInfo*> all = gradcheck_descriptors();
  auto names = [&](const std::string& q) {
    std::set<std::string> out;
    for (const OpInfo* d : select_descriptors(all, q)) out.insert(d->name);
    return out;
  };
  BOOST_CHECK(names("LSTM") == std::set<std::string>{"LSTM"});  // exact name: that one only
  const auto lstm = names("lstm");                              // else substring, any case
  for (const char* n : {"lstm_cell", "lstm_sequence", "LSTMCell", "LSTM"})
    BOOST_CHECK_MESSAGE(lstm.count(n), "'lstm' does not select " << n);
  BOOST_CHECK(names("edge_*") == (std::set<std::string>{"edge_aggregate", "edge_softmax"}));
  BOOST_CHECK(names("no_such_check").empty());
  const auto close = close_descriptor_names(all, "lstm_cel");
  BOOST_CHECK(!close.empty() && close.front() == "lstm_cell");
  const auto close2 = close_descriptor_names(all, "sofmax");
  BOOST_CHECK(std::find(close2.begin(), close2.end(), "softmax") != close2.end());
  BOOST_CHECK(close_descriptor_names(all, "qqqqqqqqqqqq").empty());
}

BOOST_AUTO_TEST_SUITE_END()
