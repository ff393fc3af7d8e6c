// The metrics log and atomic text files: JSONL round trips, NaN/Infinity as null, append versus
// truncate, records surviving a killed process, a truncated last line tolerated, a malformed
// line in the middle reported with its line number, and errors that name the path.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_util.h"
#include "trainers/run_log.h"

using namespace attend;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct TmpDir : test::TmpDir {
  TmpDir() : test::TmpDir("attend_test_run_log") {}
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_raw(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// f must throw an exception of type E whose one-line message contains every part.
template <class E = std::runtime_error>
void expect_error(const std::function<void()>& f, std::initializer_list<std::string> parts) {
  test::expect_one_line_error<E>(f, parts);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_run_log)

BOOST_AUTO_TEST_CASE(round_trip) {
  TmpDir tmp;
  const std::string path = tmp / "metrics.jsonl";
  {
    MetricsLog log(path, false);
    BOOST_TEST(log.path() == path);
    log.write({{"step", 1}, {"loss", 2.5}, {"lr", 1e-3}}, {{"split", "train"}});
    log.write({{"step", 2}, {"loss", 0.1}}, {{"note", "quote \" and \\ and \n newline"}});
    log.write({}, {});
  }
  const std::string text = read_text(path);
  BOOST_TEST(text ==
             "{\"loss\":2.5,\"lr\":0.001,\"split\":\"train\",\"step\":1.0}\n"
             "{\"loss\":0.1,\"note\":\"quote \\\" and \\\\ and \\n newline\",\"step\":2.0}\n"
             "{}\n");
  const std::vector<json> records = read_metrics_log(path);
  BOOST_TEST_REQUIRE(records.size() == 3u);
  BOOST_TEST(records[0]["step"].get<double>() == 1.0);
  BOOST_TEST(records[0]["loss"].get<double>() == 2.5);
  BOOST_TEST(records[0]["lr"].get<double>() == 1e-3);  // exact: shortest round-trip digits
  BOOST_TEST(records[0]["split"].get<std::string>() == "train");
  BOOST_TEST(records[1]["loss"].get<double>() == 0.1);
  BOOST_TEST(records[1]["note"].get<std::string>() == "quote \" and \\ and \n newline");
  BOOST_TEST(records[2].is_object());
  BOOST_TEST(records[2].empty());
}

BOOST_AUTO_TEST_CASE(non_finite_numbers_are_null) {
  TmpDir tmp;
  const std::string path = tmp / "m.jsonl";
  {
    MetricsLog log(path, false);
    log.write({{"nan", std::nan("")},
               {"inf", std::numeric_limits<double>::infinity()},
               {"ninf", -std::numeric_limits<double>::infinity()},
               {"ok", -0.5}});
  }
  BOOST_TEST(read_text(path) == "{\"inf\":null,\"nan\":null,\"ninf\":null,\"ok\":-0.5}\n");
  const auto records = read_metrics_log(path);
  BOOST_TEST_REQUIRE(records.size() == 1u);
  BOOST_TEST(records[0]["nan"].is_null());
  BOOST_TEST(records[0]["inf"].is_null());
  BOOST_TEST(records[0]["ninf"].is_null());
  BOOST_TEST(records[0]["ok"].get<double>() == -0.5);
}

BOOST_AUTO_TEST_CASE(append_adds_and_otherwise_truncates) {
  TmpDir tmp;
  const std::string path = tmp / "m.jsonl";
  { MetricsLog(path, false).write({{"a", 1}}); }
  { MetricsLog(path, true).write({{"a", 2}}); }
  BOOST_TEST(read_metrics_log(path).size() == 2u);
  { MetricsLog(path, false).write({{"a", 3}}); }
  const auto records = read_metrics_log(path);
  BOOST_TEST_REQUIRE(records.size() == 1u);
  BOOST_TEST(records[0]["a"].get<double>() == 3.0);
  // Append creates a missing file; a moved log keeps writing to the same file.
  const std::string fresh = tmp / "fresh.jsonl";
  MetricsLog a(fresh, true);
  MetricsLog b = std::move(a);
  b.write({{"x", 1}});
  BOOST_TEST(read_metrics_log(fresh).size() == 1u);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_and_key_clash) {
  TmpDir tmp;
  const std::string path = tmp / "m.jsonl";
  MetricsLog log(path, false);
  log.write({}, {{"t", "bad \xff byte"}});
  const auto records = read_metrics_log(path);
  BOOST_TEST_REQUIRE(records.size() == 1u);
  BOOST_TEST(records[0]["t"].get<std::string>() == "bad \xEF\xBF\xBD byte");
  expect_error<std::invalid_argument>(
      [&] {
        log.write({{"k", 1}}, {{"k", "v"}});
      },
      {path, "\"k\""});
  BOOST_TEST(read_metrics_log(path).size() == 1u);
}

BOOST_AUTO_TEST_CASE(records_survive_a_killed_process) {
  TmpDir tmp;
  const std::string path = tmp / "killed.jsonl";
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: no destructor, no exit handler, no stdio flush runs after the kill.
    try {
      MetricsLog log(path, false);
      for (int i = 0; i < 5; ++i) log.write({{"step", static_cast<double>(i)}});
      ::raise(SIGKILL);
    } catch (...) {
    }
    ::_exit(1);
  }
  int status = 0;
  BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
  BOOST_TEST(WIFSIGNALED(status));
  const auto records = read_metrics_log(path);
  BOOST_TEST_REQUIRE(records.size() == 5u);
  BOOST_TEST(records[4]["step"].get<double>() == 4.0);
}

BOOST_AUTO_TEST_CASE(truncated_last_line_is_ignored) {
  TmpDir tmp;
  const std::string path = tmp / "m.jsonl";
  {
    MetricsLog log(path, false);
    log.write({{"step", 1}});
    log.write({{"step", 2}});
  }
  const std::string good = read_text(path);
  write_raw(path, good + "{\"loss\":2.5,\"st");
  auto records = read_metrics_log(path);
  BOOST_TEST_REQUIRE(records.size() == 2u);
  BOOST_TEST(records[1]["step"].get<double>() == 2.0);
  // A complete last record without its newline is kept.
  write_raw(path, good + "{\"step\":3}");
  BOOST_TEST(read_metrics_log(path).size() == 3u);
  // Blank lines (and an empty file) are fine.
  write_raw(path, "\n" + good + "\n  \n");
  BOOST_TEST(read_metrics_log(path).size() == 2u);
  write_raw(path, "");
  BOOST_TEST(read_metrics_log(path).empty());
}

BOOST_AUTO_TEST_CASE(malformed_line_in_the_middle_names_the_line) {
  TmpDir tmp;
  const std::string path = tmp / "m.jsonl";
  write_raw(path, "{\"step\":1}\n{\"step\":2}\n{\"step\":3,}\n{\"step\":4}\n");
  expect_error([&] { read_metrics_log(path); }, {path + ":3: ", "not valid JSON"});
  // A cut-short line followed by more lines is damage, not a killed run.
  write_raw(path, "{\"step\":1}\n{\"st\n{\"step\":3}\n");
  expect_error([&] { read_metrics_log(path); }, {path + ":2: "});
  // A last line that ends with its newline was written whole: malformed is an error.
  write_raw(path, "{\"step\":1}\n{\"step\":\n");
  expect_error([&] { read_metrics_log(path); }, {path + ":2: "});
  // Valid JSON that is not an object.
  write_raw(path, "{\"step\":1}\n[1, 2]\n");
  expect_error([&] { read_metrics_log(path); }, {path + ":2: ", "expected a JSON object", "array"});
}

BOOST_AUTO_TEST_CASE(unwritable_and_unreadable_paths_are_named) {
  TmpDir tmp;
  const std::string nowhere = tmp / "no/such/dir/metrics.jsonl";
  expect_error([&] { MetricsLog log(nowhere, false); }, {nowhere, "No such file or directory"});
  expect_error([&] { MetricsLog log(nowhere, true); }, {nowhere, "No such file or directory"});
  expect_error([&] { MetricsLog log(tmp.dir.string(), true); },
               {tmp.dir.string(), "Is a directory"});
  expect_error([&] { read_metrics_log(nowhere); }, {nowhere, "No such file or directory"});
  // A write that fails (the device is full).
  if (fs::exists("/dev/full")) {
    MetricsLog full("/dev/full", true);
    expect_error([&] { full.write({{"a", 1}}); }, {"/dev/full", "No space left on device"});
  }
}

BOOST_AUTO_TEST_CASE(atomic_text_file) {
  TmpDir tmp;
  const std::string path = tmp / "summary.json";
  write_text_file_atomic(path, "first\n");
  BOOST_TEST(read_text(path) == "first\n");
  write_text_file_atomic(path, std::string("second\0with nul", 15));
  BOOST_TEST(read_text(path) == std::string("second\0with nul", 15));
  write_text_file_atomic(path, "");
  BOOST_TEST(read_text(path).empty());
  BOOST_TEST(tmp.list() == std::vector<std::string>{"summary.json"});  // no temporary left

  // The temporary file cannot be created: the old content stays.
  write_text_file_atomic(path, "keep");
  const std::string tmp_name = path + ".tmp." + std::to_string(::getpid());
  fs::create_directory(tmp_name);
  expect_error<AtomicWriteError>([&] { write_text_file_atomic(path, "lost"); },
                                 {"cannot write " + path + ": ", "Is a directory"});
  fs::remove(tmp_name);
  BOOST_TEST(read_text(path) == "keep");

  // The rename fails (a directory is in the way): the temporary file is removed.
  const std::string dir_path = tmp / "taken";
  fs::create_directories(dir_path + "/inside");
  expect_error([&] { write_text_file_atomic(dir_path, "x"); }, {dir_path, "renaming"});
  BOOST_TEST(tmp.list().size() == 2u);

  // The directory does not exist.
  const std::string nowhere = tmp / "no/such/dir/summary.json";
  expect_error([&] { write_text_file_atomic(nowhere, "x"); },
               {nowhere, "No such file or directory"});

  // A writer destroyed without commit leaves nothing behind.
  {
    AtomicFileWriter w(tmp / "abandoned.txt");
    w.write("abc", 3);
    BOOST_TEST(fs::exists(w.temporary_path()));
  }
  BOOST_TEST(!fs::exists(tmp / "abandoned.txt"));
  BOOST_TEST(tmp.list().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
