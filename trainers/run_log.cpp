// The metrics log (JSON Lines) and atomic file replacement; see run_log.h.
#include "trainers/run_log.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

namespace attend {

namespace {

using json = nlohmann::json;

std::string os_error(int err) {
  return err ? std::string(std::strerror(err)) : std::string("I/O error");
}

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\r") == std::string::npos;
}

}  // namespace

// --- MetricsLog ---------------------------------------------------------------------------------

MetricsLog::MetricsLog(const std::string& path, bool append) : path_(path) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  do {
    fd_ = ::open(path_.c_str(), flags, 0644);
  } while (fd_ < 0 && errno == EINTR);
  if (fd_ < 0)
    throw std::runtime_error("cannot open metrics log " + path_ + ": " + os_error(errno));
}

MetricsLog::~MetricsLog() {
  if (fd_ >= 0) ::close(fd_);
}

MetricsLog::MetricsLog(MetricsLog&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

MetricsLog& MetricsLog::operator=(MetricsLog&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void MetricsLog::write(const std::map<std::string, double>& numbers,
                       const std::map<std::string, std::string>& text,
                       const std::map<std::string, std::map<std::string, double>>& objects) {
  if (fd_ < 0) throw std::runtime_error("metrics log " + path_ + " is closed (moved from)");
  json record = json::object();
  for (const auto& [key, value] : numbers)
    record[key] = std::isfinite(value) ? json(value) : json(nullptr);
  for (const auto& [key, value] : text) {
    if (record.contains(key))
      throw std::invalid_argument("metrics log " + path_ + ": key \"" + key +
                                  "\" given both as a number and as text");
    record[key] = value;
  }
  for (const auto& [key, values] : objects) {
    if (record.contains(key))
      throw std::invalid_argument("metrics log " + path_ + ": key \"" + key + "\" given twice");
    json object = json::object();
    for (const auto& [name, value] : values)
      object[name] = std::isfinite(value) ? json(value) : json(nullptr);
    record[key] = std::move(object);
  }
  std::string line = record.dump(-1, ' ', false, json::error_handler_t::replace);
  line += '\n';

  // One write(2) for the whole line; loop only for the rare short write or signal.
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write metrics log " + path_ + ": " + os_error(errno));
    }
    if (n == 0) throw std::runtime_error("cannot write metrics log " + path_ + ": wrote nothing");
    p += n;
    left -= static_cast<size_t>(n);
  }
}

std::vector<json> read_metrics_log(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open metrics log " + path + ": " + os_error(errno));
  std::string content;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) content.append(buf, n);
  const bool failed = std::ferror(f);
  const int err = errno;
  std::fclose(f);
  if (failed) throw std::runtime_error("cannot read metrics log " + path + ": " + os_error(err));

  std::vector<json> records;
  size_t begin = 0;
  for (size_t line_no = 1; begin < content.size(); ++line_no) {
    size_t end = content.find('\n', begin);
    const bool terminated = end != std::string::npos;
    if (!terminated) end = content.size();
    const std::string line = content.substr(begin, end - begin);
    begin = end + 1;
    if (blank(line)) continue;
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    json record;
    try {
      record = json::parse(line);
    } catch (const json::parse_error& e) {
      if (!terminated) break;  // the last record, cut short by a killed run
      throw std::runtime_error(where + "not valid JSON (error at byte " + std::to_string(e.byte) +
                               " of the line)");
    } catch (const json::exception& e) {  // a number beyond double's range (1e999)
      if (!terminated) break;
      throw std::runtime_error(where + "not valid JSON (" + e.what() + ")");
    }
    if (!record.is_object())
      throw std::runtime_error(where + "expected a JSON object, found " + record.type_name());
    records.push_back(std::move(record));
  }
  return records;
}

// --- AtomicFileWriter ---------------------------------------------------------------------------

AtomicFileWriter::AtomicFileWriter(std::string path, std::string error_prefix)
    : path_(std::move(path)),
      tmp_(path_ + ".tmp." + std::to_string(::getpid())),
      error_prefix_(std::move(error_prefix)) {
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) fail_os("cannot create temporary file " + tmp_);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (f_) std::fclose(f_);
  if (!committed_) std::remove(tmp_.c_str());
}

void AtomicFileWriter::write(const void* data, size_t n) {
  if (n == 0) return;
  if (!f_) throw std::logic_error("AtomicFileWriter: write after commit to " + path_);
  errno = 0;
  if (std::fwrite(data, 1, n, f_) != n) fail_os("writing " + tmp_);
}

void AtomicFileWriter::commit() {
  if (!f_) throw std::logic_error("AtomicFileWriter: commit called twice for " + path_);
  errno = 0;
  if (std::fflush(f_) != 0) fail_os("writing " + tmp_);
  if (::fsync(::fileno(f_)) != 0) fail_os("fsync of " + tmp_);
  FILE* f = f_;
  f_ = nullptr;
  if (std::fclose(f) != 0) fail_os("closing " + tmp_);
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) fail_os("renaming " + tmp_ + " to " + path_);
  committed_ = true;
  // Make the rename itself durable. Best effort: the new file is complete and in place, and
  // some file systems do not support fsync on a directory.
  const size_t slash = path_.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path_.substr(0, slash);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
}

void AtomicFileWriter::fail_os(const std::string& what) {
  const int err = errno;
  throw AtomicWriteError(error_prefix_ + " " + path_ + ": " + what + ": " + os_error(err));
}

void write_text_file_atomic(const std::string& path, const std::string& content) {
  AtomicFileWriter f(path);
  f.write(content.data(), content.size());
  f.commit();
}

int remove_stale_temporaries(const std::string& dir) {
  namespace fs = std::filesystem;
  int removed = 0;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const size_t at = name.rfind(".tmp.");
    if (at == std::string::npos || at + 5 >= name.size()) continue;
    const std::string pid_text = name.substr(at + 5);
    if (pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
    // Only a writer that no longer exists: kill(pid, 0) fails with ESRCH.
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH &&
        fs::remove(entry.path(), ec))
      ++removed;
  }
  return removed;
}

void truncate_metrics_log(const std::string& path, double last_step) {
  std::string kept;
  bool dropped = false;
  for (const json& record : read_metrics_log(path)) {
    const auto step = record.find("step");
    if (step != record.end() && step->is_number() && step->get<double>() > last_step) {
      dropped = true;
      continue;
    }
    kept += record.dump() + "\n";
  }
  // Nothing to drop and no cut-short last line: leave the file alone (a rewrite needs space).
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!dropped && !ec) {
    if (size == 0) return;
    std::ifstream f(path, std::ios::binary);
    f.seekg(static_cast<std::streamoff>(size) - 1);
    if (f.get() == '\n') return;
  }
  write_text_file_atomic(path, kept);
}

}  // namespace attend
