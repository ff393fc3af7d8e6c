// Files a training run leaves behind: the metrics log (JSON Lines, one object per record, safe
// to read while the run is going and after it was killed) and atomically replaced files
// (summaries, configs; checkpoint.cpp saves through the same AtomicFileWriter).
#pragma once

#include <cstddef>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace attend {

// Appends one JSON object per line to a file. Each record goes to the OS in a single write(2)
// of the whole line, newline included, as soon as write() is called, so a run that is killed
// keeps every complete record and at worst leaves one incomplete last line (which
// read_metrics_log ignores); with append, several processes can share one log.
class MetricsLog {
 public:
  // Creates the file, or (append) adds to an existing one; otherwise an existing file is
  // truncated. Throws std::runtime_error naming path and the OS error.
  MetricsLog(const std::string& path, bool append);
  ~MetricsLog();
  MetricsLog(MetricsLog&& other) noexcept;
  MetricsLog& operator=(MetricsLog&& other) noexcept;
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  // One record: {"key": number, ..., "key": "text", ...} with keys in sorted order. Non-finite
  // numbers are written as null (JSON has no NaN or Infinity); invalid UTF-8 in text is
  // replaced by U+FFFD. A key in both maps throws std::invalid_argument; a failed write throws
  // std::runtime_error naming the path and the OS error.
  // objects: nested objects of numbers, {"key": {"name": number, ...}} (per-parameter gradient
  // norms); a key also in numbers or text throws std::invalid_argument.
  void write(const std::map<std::string, double>& numbers,
             const std::map<std::string, std::string>& text = {},
             const std::map<std::string, std::map<std::string, double>>& objects = {});

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// Reads a metrics log back, one JSON object per non-blank line. A last line without a newline
// that does not parse is a record cut short by a killed run and is ignored; any other line that
// is not a JSON object throws std::runtime_error "PATH:LINE: ...". A file that cannot be read
// throws std::runtime_error naming path and the OS error.
std::vector<nlohmann::json> read_metrics_log(const std::string& path);

// Drops the records whose "step" is beyond last_step (those a killed run wrote after its last
// checkpoint, which the resumed run writes again), and a cut-short last line; rewrites the file
// atomically. Records without a step are kept.
void truncate_metrics_log(const std::string& path, double last_step);

// A failure of AtomicFileWriter; the message names the destination path and the OS error.
class AtomicWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes a file so that readers see either the old content or the whole new content, never a
// partial file: the bytes go to "<path>.tmp.<pid>" in the same directory, and commit() flushes,
// fsyncs, closes and renames it over path (then fsyncs the directory, best effort). Destroying
// the writer without commit(), or any failure, removes the temporary file and leaves path as it
// was. Errors throw AtomicWriteError "<error_prefix> <path>: <what failed>: <strerror>".
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path, std::string error_prefix = "cannot write");
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t n);
  void commit();

  const std::string& temporary_path() const { return tmp_; }

 private:
  [[noreturn]] void fail_os(const std::string& what);

  std::string path_, tmp_, error_prefix_;
  FILE* f_ = nullptr;
  bool committed_ = false;
};

// Removes the "<file>.tmp.<pid>" files in dir that an AtomicFileWriter of a process that no
// longer exists left behind (it was killed mid-write); returns how many.
int remove_stale_temporaries(const std::string& dir);

// Replaces path's content with content atomically (through AtomicFileWriter). Throws
// AtomicWriteError (a std::runtime_error) naming path.
void write_text_file_atomic(const std::string& path, const std::string& content);

}  // namespace attend
