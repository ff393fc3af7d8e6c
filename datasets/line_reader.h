// LineReader: reads a text file line by line, counting lines so that every loader can report
// "FILE:LINE: what is wrong". It checks each line is valid UTF-8, drops a trailing '\r' (CRLF
// files) and a UTF-8 byte-order mark on line 1, and reads gzip-compressed files when attend was
// built with zlib (otherwise it says the file must be decompressed first).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "datasets/data_error.h"

namespace attend {

// True when this build links zlib and so reads .gz input directly.
bool gzip_supported();

class LineReader {
 public:
  // Throws DataError naming the file when it is missing, a directory, unreadable, or compressed
  // without zlib support.
  explicit LineReader(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its terminator; false at the end of the file. Throws DataError on
  // invalid UTF-8 or a control byte other than
  // tab, LF, VT, FF and CR (a binary file), naming the line and byte.
  bool next(std::string& line);

  // 1-based number of the line next() returned last (0 before the first call).
  int64_t line_number() const { return line_no_; }
  const std::string& path() const { return path_; }

  // Throws DataError for the current line (or for a given one).
  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void fail_at(int64_t line, const std::string& message) const;

 private:
  struct Source;
  std::string path_;
  std::unique_ptr<Source> src_;
  int64_t line_no_ = 0;
};

}  // namespace attend
