// study/run_history and study/report: the metrics log read back (series, corrupt lines named by
// file and line), and the HTML report of hand-written and really trained run directories (every
// chart present and closed, nothing fetched from outside, attention maps of validation examples).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "datasets/data_error.h"
#include "study/report.h"
#include "study/run_history.h"
#include "trainers/experiment.h"
#include "trainers/trainer.h"
#include "trainers/trainer_test_util.h"

using namespace attend;
using namespace attend::study;
using namespace attend::test;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A log as attend train writes one: two logged steps with per-parameter norms, one skipped batch,
// two evaluations, a test record, and a last line cut short by a kill.
const char* kLog =
    R"({"epoch":1,"grad_norm":2.5,"lr":0.01,"split":"train","step":1,"train_loss":4.0,)"
    R"("grad_norms":{"encoder.rnn.weight_ih_l0":1.5,"encoder.rnn.bias_ih_l0":2.0,"out.weight":0.0}}
{"batch":2,"epoch":1,"skipped":1,"split":"train","step":1}

{"epoch":1,"grad_norm":null,"lr":0.02,"split":"train","step":2,"train_loss":3.0,)"
    R"("grad_norms":{"encoder.rnn.weight_ih_l0":0.5,"encoder.rnn.bias_ih_l0":null,"out.weight":3.0}}
{"bleu":1.5,"epoch":1,"loss":3.5,"lr":0.02,"ppl":33.1,"split":"valid","step":2,"train_loss":3.4}
{"bleu":7.25,"epoch":2,"loss":2.5,"lr":0.02,"ppl":12.2,"split":"valid","step":4,"train_loss":2.9}
{"bleu":6.5,"epoch":2,"loss":2.6,"split":"test"}
{"epoch":2,"grad_norm":1.0,"lr":0.02,"sp)";

// Every <svg ...> has its </svg>, in order; returns how many.
int closed_svgs(const std::string& html) {
  int open = 0, count = 0;
  for (size_t i = 0; (i = html.find("<svg", i)) != std::string::npos; ++i) {
    const size_t close = html.find("</svg>", i);
    BOOST_REQUIRE(close != std::string::npos);
    const size_t next = html.find("<svg", i + 4);
    BOOST_CHECK_MESSAGE(next == std::string::npos || next > close, "nested or unclosed <svg>");
    ++count;
    ++open;
  }
  size_t closes = 0;
  for (size_t i = 0; (i = html.find("</svg>", i)) != std::string::npos; ++i) ++closes;
  BOOST_CHECK_EQUAL(closes, static_cast<size_t>(open));
  return count;
}

// Nothing is fetched from outside: the only URL is the SVG namespace.
void check_offline(const std::string& html) {
  const std::string ns = "http://www.w3.org/2000/svg";
  for (size_t i = 0; (i = html.find("http", i)) != std::string::npos; ++i)
    BOOST_CHECK_MESSAGE(html.compare(i, ns.size(), ns) == 0,
                        "external URL: " << html.substr(i, 60));
  BOOST_CHECK(html.find("<script") == std::string::npos);
  BOOST_CHECK(html.find("src=") == std::string::npos);
}

// The points of the polyline of the series named `name` (data-name attribute).
size_t points_of_series(const std::string& html, const std::string& name) {
  const size_t g = html.find("data-name=\"" + name + "\"");
  BOOST_REQUIRE_MESSAGE(g != std::string::npos, "no series " << name);
  const size_t p = html.find("points=\"", g);
  const size_t end = html.find('"', p + 8);
  const std::string pts = html.substr(p + 8, end - p - 8);
  return static_cast<size_t>(std::count(pts.begin(), pts.end(), ','));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_report)

BOOST_AUTO_TEST_CASE(run_history_reads_every_kind_of_record) {
  TempDir dir;
  write_file(dir / "metrics.jsonl", kLog);
  const RunHistory h = read_run_history(dir / "metrics.jsonl");
  BOOST_CHECK_EQUAL(h.records, 6);  // the blank and the cut-short last line are not records
  BOOST_CHECK_EQUAL(h.skipped_batches, 1);
  BOOST_REQUIRE_EQUAL(h.train_loss.step.size(), 2u);
  BOOST_CHECK_EQUAL(h.train_loss.value[1], 3.0);
  BOOST_CHECK_EQUAL(h.lr.value[1], 0.02);
  BOOST_CHECK(std::isnan(h.grad_norm.value[1]));  // null: a gap, not a zero
  BOOST_REQUIRE_EQUAL(h.param_grad_norms.size(), 3u);
  const StepSeries& w = h.param_grad_norms.at("encoder.rnn.weight_ih_l0");
  BOOST_CHECK_EQUAL(w.step[1], 2.0);
  BOOST_CHECK_EQUAL(w.value[1], 0.5);
  BOOST_CHECK(std::isnan(h.param_grad_norms.at("encoder.rnn.bias_ih_l0").value[1]));
  BOOST_REQUIRE(h.valid.count("bleu"));
  BOOST_CHECK_EQUAL(h.valid.at("bleu").value[1], 7.25);
  BOOST_CHECK_EQUAL(h.valid.at("bleu").step[1], 4.0);
  BOOST_CHECK(h.valid.count("train_loss") && h.valid.count("ppl") && !h.valid.count("lr"));
  BOOST_CHECK_EQUAL(h.test.at("bleu"), 6.5);
  BOOST_CHECK(!h.test.count("epoch"));
  BOOST_CHECK_EQUAL(h.last_step, 4.0);
}

BOOST_AUTO_TEST_CASE(corrupt_logs_name_the_file_and_line) {
  TempDir dir;
  const std::string path = dir / "metrics.jsonl";
  auto error_of = [&](const std::string& text) {
    write_file(path, text);
    try {
      read_run_history(path);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string good = R"({"split":"train","step":1,"train_loss":2})"
                           "\n";
  BOOST_CHECK_EQUAL(error_of(good + "{not json\n" + good).rfind(path + ":2: not a JSON object", 0),
                    0u);
  BOOST_CHECK_EQUAL(error_of(good + "\n[1,2]\n").rfind(path + ":3: not a JSON object", 0), 0u);
  BOOST_CHECK_EQUAL(error_of(good + R"({"step":"two","split":"train"})"
                                    "\n"),
                    path + ":2: \"step\" is \"two\", not a number");
  BOOST_CHECK_EQUAL(error_of(R"({"split":"train","grad_norms":[1]})"
                             "\n"),
                    path + ":1: \"grad_norms\" is [1], not an object");
  BOOST_CHECK_EQUAL(error_of(R"({"split":"train","grad_norms":{"a.b":"x"}})"
                             "\n"),
                    path + ":1: \"grad_norms.a.b\" is \"x\", not a number");
  BOOST_CHECK_EQUAL(error_of(R"({"split":3})"
                             "\n"),
                    path + ":1: \"split\" is 3, not text");
  BOOST_CHECK_EQUAL(error_of("\n \n"), path + ": no records (the run has not logged anything yet)");
  BOOST_CHECK_EQUAL(error_of(good).find("no error"), 0u);  // the helper can say "fine"
  fs::remove(path);
  BOOST_CHECK_EXCEPTION(read_run_history(path), DataError, [&](const DataError& e) {
    return std::string(e.what()).rfind(path + ": cannot read", 0) == 0;
  });
}

BOOST_AUTO_TEST_CASE(report_of_a_log_draws_every_chart_offline) {
  TempDir dir;
  write_file(dir / "metrics.jsonl", kLog);
  write_file(dir / "config.toml", "[train]\nmodel=\"seq2seq\"\nnote=\"<b>&\"\n");
  ReportOptions o;
  o.run_dir = dir.dir.string();
  const std::string path = write_report(o);
  BOOST_CHECK_EQUAL(path, (dir / "report.html"));
  std::ifstream in(path);
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // loss, bleu, ppl, lr, global norm, modules, the per-parameter heatmap, 2 module details.
  BOOST_CHECK_EQUAL(closed_svgs(html), 9);
  check_offline(html);
  BOOST_CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  BOOST_CHECK(html.find("</html>") != std::string::npos);
  // The config verbatim, escaped.
  BOOST_CHECK(html.find("note=&quot;&lt;b&gt;&amp;&quot;") != std::string::npos);
  // Each series has one point per record that logged it (the bleu chart: two evaluations).
  BOOST_CHECK_EQUAL(points_of_series(html, "train (logged step)"), 2u);
  BOOST_CHECK_EQUAL(points_of_series(html, "bleu"), 2u);
  BOOST_CHECK_EQUAL(points_of_series(html, "validation"), 2u);
  // Modules: "encoder.rnn" joins its two parameters: sqrt(1.5^2 + 2^2) = 2.5 at step 1; "out".
  BOOST_CHECK(html.find("data-name=\"encoder.rnn\"") != std::string::npos);
  BOOST_CHECK(html.find("data-name=\"out\"") != std::string::npos);
  BOOST_CHECK(html.find("encoder.rnn (2 parameters)") != std::string::npos);
  BOOST_CHECK(html.find("--log-grad-norms</code> (every") == std::string::npos);
  // The test record, and notes where there is nothing to draw.
  BOOST_CHECK(html.find("<td>bleu</td><td>6.5</td>") != std::string::npos);
  BOOST_CHECK(html.find("No checkpoint in the run directory yet") != std::string::npos);
  BOOST_CHECK(html.find("unknown model") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(without_grad_norms_the_report_says_how_to_get_them) {
  TempDir dir;
  write_file(dir / "metrics.jsonl",
             R"({"grad_norm":2.5,"lr":0.01,"split":"train","step":1,"train_loss":4.0})"
             "\n");
  ReportOptions o;
  o.run_dir = dir.dir.string();
  o.out = dir / "elsewhere.html";
  BOOST_CHECK_EQUAL(write_report(o), o.out);
  BOOST_CHECK(fs::exists(o.out) && !fs::exists(dir / "report.html"));
  const std::string html = build_report(o);
  BOOST_CHECK(html.find("attend train --log-grad-norms") != std::string::npos);
  BOOST_CHECK(html.find("No validation record") != std::string::npos);
  BOOST_CHECK(html.find("No test record") != std::string::npos);
  BOOST_CHECK_EQUAL(closed_svgs(html), 3);  // loss, lr, global norm
  // One record: each chart's lone point is a dot (a one-point polyline draws nothing), and the
  // learning rate's axis is around 0.01 (not -0.5 to 0.5 with the point on the tick "0").
  size_t dots = 0;
  for (size_t i = 0; (i = html.find("<circle", i)) != std::string::npos; ++i) ++dots;
  BOOST_CHECK_EQUAL(dots, 3u);
  BOOST_CHECK(html.find(">0.01</text>") != std::string::npos);
  BOOST_CHECK(html.find(">-0.5</text>") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(long_runs_are_thinned_but_keep_their_spikes) {
  TempDir dir;
  std::string log;
  for (int step = 1; step <= 50000; ++step)
    log += R"({"grad_norm":)" + std::string(step == 31234 ? "1000" : "1") +
           R"(,"lr":0.01,"split":"train","step":)" + std::to_string(step) + R"(,"train_loss":)" +
           std::to_string(1.0 + (step % 7) * 0.1) + "}\n";
  write_file(dir / "metrics.jsonl", log);
  ReportOptions o;
  o.run_dir = dir.dir.string();
  const std::string html = build_report(o);
  BOOST_CHECK_LT(html.size(), 1000000u);
  const size_t n = points_of_series(html, "train (logged step)");
  BOOST_CHECK_GE(n, 1000u);
  BOOST_CHECK_LE(n, 2000u);
  // The one spike of the gradient norm is still the top of its chart (the log axis reaches 1000).
  BOOST_CHECK(html.find(">1e+03</text>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_run_directory_or_log_is_a_data_error_naming_it) {
  TempDir dir;
  ReportOptions o;
  auto message = [&] {
    try {
      build_report(o);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  o.run_dir = dir / "nope";
  BOOST_CHECK_EQUAL(message(), o.run_dir + ": no such run directory");
  o.run_dir = dir.dir.string();
  BOOST_CHECK_EQUAL(message().rfind((dir / "metrics.jsonl") + ": missing", 0), 0u);
  fs::create_directory(dir / "metrics.jsonl");
  BOOST_CHECK_EQUAL(message(), (dir / "metrics.jsonl") + ": is a directory, not a metrics log");
  fs::remove(dir / "metrics.jsonl");
  fs::create_directory(dir / "seed-3");
  write_file(dir / "seed-3/metrics.jsonl", "{}\n");
  BOOST_CHECK_EQUAL(message(), (dir / "metrics.jsonl") +
                                   ": missing: this directory holds the runs of attend train "
                                   "--runs (seed-3, ...); give one of them, e.g. " +
                                   (dir / "seed-3"));
  write_file(dir / "file", "x");
  o.run_dir = dir / "file";
  BOOST_CHECK_EQUAL(message().rfind(o.run_dir + ": not a directory", 0), 0u);
}

BOOST_AUTO_TEST_CASE(report_of_a_trained_run_has_attention_maps_of_validation_examples) {
  TempDir data, run;
  write_corpus(data);
  Experiment e = Experiment::create(text_config(data, "seq2seq"));
  TrainerOptions t = quiet_options(run.dir.string(), 6);  // one epoch of 6 batches
  t.log_every = 2;
  t.log_grad_norms = true;
  t.test_at_end = true;
  t.metadata = e.checkpoint_metadata();
  Trainer(e.task(), e.dropout_generator(), t).fit();
  ReportOptions o;
  o.run_dir = run.dir.string();
  o.examples = 2;
  const std::string html = build_report(o);
  check_offline(html);
  BOOST_CHECK(html.find("<h1>seq2seq on ") != std::string::npos);
  BOOST_CHECK(html.find("<h3>validation example 1: ") != std::string::npos);
  BOOST_CHECK(html.find("<h3>validation example 2: ") != std::string::npos);
  BOOST_CHECK(html.find("<h3>validation example 3: ") == std::string::npos);
  BOOST_CHECK(html.find("From the weights in <code>" + (run.dir / "best.safetensors").string()) !=
              std::string::npos);
  // Every parameter of the model is a row of the gradient heatmap (its cells' title elements),
  // long names by their end.
  for (const auto& [name, p] : e.model().named_parameters()) {
    const std::string label = name.size() > 24 ? "~" + name.substr(name.size() - 23) : name;
    BOOST_CHECK_MESSAGE(html.find("<title>" + label + " / ") != std::string::npos, name);
  }
  BOOST_CHECK(html.find("<title>~ntion.query_proj.weight / ") != std::string::npos);
  BOOST_CHECK(html.find("&quot;model&quot;: &quot;seq2seq&quot;") !=
              std::string::npos);  // checkpoint config
  BOOST_CHECK(html.find("<h2 id=\"test\">Test metrics</h2>\n<table>") != std::string::npos);
  // charts + the heatmap + module details + at least one attention map per example.
  const int svgs = closed_svgs(html);
  BOOST_CHECK_GE(svgs, 8 + 2);
  o.examples = 0;
  BOOST_CHECK_LT(closed_svgs(build_report(o)), svgs);
}

BOOST_AUTO_TEST_CASE(only_the_first_example_carries_the_self_attention_maps) {
  TempDir data, run;
  write_corpus(data);
  Experiment e = Experiment::create(text_config(data, "transformer"));
  TrainerOptions t = quiet_options(run.dir.string(), 2);
  t.metadata = e.checkpoint_metadata();
  Trainer(e.task(), e.dropout_generator(), t).fit();
  ReportOptions o;
  o.run_dir = run.dir.string();
  o.examples = 3;
  const std::string html = build_report(o);
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t i = 0; (i = html.find(what, i)) != std::string::npos; ++i) ++n;
    return n;
  };
  BOOST_CHECK_EQUAL(count("<h3>validation example "), 3u);
  // 1 layer x 2 heads: 2 cross-attention maps per example shown, 4 self-attention maps folded.
  BOOST_CHECK_EQUAL(count("<details><summary>4 more maps (self-attention)"), 1u);
  BOOST_CHECK_EQUAL(count("4 self-attention maps: the first example shows them"), 2u);
  BOOST_CHECK_EQUAL(count("font-size=\"14\">cross layer 1 head "), 6u);    // map titles
  BOOST_CHECK_EQUAL(count("font-size=\"14\">encoder layer 1 head "), 2u);  // example 1 only
  BOOST_CHECK_GE(closed_svgs(html), 3 * 2 + 4);
}

BOOST_AUTO_TEST_SUITE_END()
