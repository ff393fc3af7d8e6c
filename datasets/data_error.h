// DataError: what the datasets library throws for bad input. The message is one line and, for
// file input, starts with "FILE:LINE: " (as compilers do) so an editor can jump to the fault.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace attend {

class DataError : public std::runtime_error {
 public:
  // line 0 means the fault is the file as a whole (missing, unreadable, compressed).
  DataError(const std::string& file, int64_t line, const std::string& message)
      : std::runtime_error(format(file, line, message)), file_(file), line_(line) {}
  // A fault that belongs to no file (text passed in memory, a bad option).
  explicit DataError(const std::string& message) : DataError("", 0, message) {}

  const std::string& file() const { return file_; }
  int64_t line() const { return line_; }

 private:
  static std::string format(const std::string& file, int64_t line, const std::string& message) {
    if (file.empty()) return message;
    if (line <= 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ": " + message;
  }
  std::string file_;
  int64_t line_;
};

// A short, printable, single-line excerpt of input for an error message: at most max_chars bytes,
// control characters shown as \t, \n or \xNN, wrapped in single quotes.
inline std::string quote_excerpt(std::string_view s, size_t max_chars = 40) {
  // Cut on a character boundary so a UTF-8 sequence is never split.
  size_t n = std::min(s.size(), max_chars);
  while (n > 0 && n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  std::string out = "'";
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7F) {
      static const char* hex = "0123456789ABCDEF";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < s.size()) out += "...";
  return out + "'";
}

}  // namespace attend
