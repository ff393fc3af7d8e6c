// CsvReader: RFC 4180 CSV records with line numbers. Fields may be quoted ("..."), a quote inside a
// quoted field is doubled (""), and a quoted field may hold delimiters and newlines. Empty lines
// between records are skipped. Malformed quoting throws DataError naming the file and line.
#pragma once

#include <string>
#include <vector>

#include "datasets/line_reader.h"

namespace attend {

class CsvReader {
 public:
  explicit CsvReader(const std::string& path, char delimiter = ',');

  // The next record's fields; false at the end of the file.
  bool next(std::vector<std::string>& fields);

  // Line on which the last record started (a record may span lines).
  int64_t record_line() const { return record_line_; }
  const std::string& path() const { return lines_.path(); }
  [[noreturn]] void fail(const std::string& message) const {
    lines_.fail_at(record_line_, message);
  }

 private:
  LineReader lines_;
  char delim_;
  int64_t record_line_ = 0;
};

}  // namespace attend
