// Helpers for the datasets suites: a temporary directory the test writes small files into, and a
// check that a call throws a DataError whose one-line message names the file and line.
#pragma once

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "datasets/data_error.h"

namespace attend::test {

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "attend-data-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes content (bytes, as given) to name inside the directory; returns its path.
  std::string write(const std::string& name, const std::string& content) const {
    const std::string p = path(name);
    std::ofstream out(p, std::ios::binary);
    out << content;
    return p;
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }
  std::string root() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// A gzip file holding `data` in one stored (uncompressed) deflate block: enough to test reading
// .gz input without a compressor in the test.
inline std::string gzip_stored(const std::string& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xFFFFFFFFu;
  const auto le32 = [](uint32_t v) {
    return std::string{static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 24)};
  };
  const auto n = static_cast<uint16_t>(data.size());
  std::string out = {'\x1f', '\x8b', '\x08', '\0', '\0', '\0', '\0', '\0', '\0', '\xff'};
  out += '\x01';  // final block, stored
  out += {static_cast<char>(n), static_cast<char>(n >> 8), static_cast<char>(~n),
          static_cast<char>(~n >> 8)};
  return out + data + le32(crc) + le32(static_cast<uint32_t>(data.size()));
}

// fn must throw DataError with message "FILE:LINE: ..." ("FILE: ..." when line is 0, no prefix when
// file is empty) containing `expect`, on one line.
inline void check_data_error(const std::function<void()>& fn, const std::string& file, int64_t line,
                             const std::string& expect) {
  try {
    fn();
  } catch (const DataError& e) {
    const std::string msg = e.what();
    BOOST_TEST_MESSAGE("DataError: " << msg);
    const std::string prefix = file.empty() ? std::string()
                               : line > 0   ? file + ":" + std::to_string(line) + ": "
                                            : file + ": ";
    BOOST_CHECK_MESSAGE(msg.starts_with(prefix),
                        "message '" << msg << "' should start with '" << prefix << "'");
    BOOST_CHECK_MESSAGE(msg.find(expect) != std::string::npos,
                        "message '" << msg << "' should contain '" << expect << "'");
    BOOST_CHECK_MESSAGE(msg.find('\n') == std::string::npos, "message has several lines: " << msg);
    BOOST_CHECK_EQUAL(e.file(), file);
    BOOST_CHECK_EQUAL(e.line(), line);
    return;
  } catch (const std::exception& e) {
    BOOST_ERROR("expected DataError, got another exception: " << e.what());
    return;
  }
  BOOST_ERROR("expected DataError containing '" << expect << "', nothing was thrown");
}

}  // namespace attend::test
