// A small CSV state machine over LineReader (see csv.h).
#include "datasets/csv.h"

namespace attend {

CsvReader::CsvReader(const std::string& path, char delimiter) : lines_(path), delim_(delimiter) {
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r')
    throw DataError(path, 0, "CSV delimiter cannot be a quote or a newline");
}

bool CsvReader::next(std::vector<std::string>& fields) {
  std::string line;
  do {
    if (!lines_.next(line)) return false;
  } while (line.empty());
  record_line_ = lines_.line_number();
  fields.assign(1, std::string());

  // States: at the start of a field, inside an unquoted field, inside quotes, just after a
  // closing quote.
  enum { kStart, kBare, kQuoted, kClosed } state = kStart;
  size_t i = 0;
  int64_t quote_line = 0;
  for (;;) {
    if (i == line.size()) {
      if (state != kQuoted) break;
      // A newline inside quotes belongs to the field: continue on the next line.
      if (!lines_.next(line))
        lines_.fail_at(quote_line, "unterminated quoted field " + std::to_string(fields.size()) +
                                       " (the quote opened on this line is never closed)");
      fields.back() += '\n';
      i = 0;
      continue;
    }
    const char c = line[i++];
    switch (state) {
      case kStart:
        if (c == '"') {
          state = kQuoted;
          quote_line = lines_.line_number();
          break;
        }
        state = kBare;
        [[fallthrough]];
      case kBare:
        if (c == delim_) {
          fields.emplace_back();
          state = kStart;
        } else if (c == '"') {
          lines_.fail("stray quote in unquoted field " + std::to_string(fields.size()) +
                      " (quote the whole field and double the quote: \"\")");
        } else {
          fields.back() += c;
        }
        break;
      case kQuoted:
        if (c == '"') {
          if (i < line.size() && line[i] == '"') {
            fields.back() += '"';
            ++i;
          } else {
            state = kClosed;
          }
        } else {
          fields.back() += c;
        }
        break;
      case kClosed:
        if (c != delim_)
          lines_.fail("unexpected character after the closing quote of field " +
                      std::to_string(fields.size()) + " (expected the delimiter or end of line)");
        fields.emplace_back();
        state = kStart;
        break;
    }
  }
  return true;
}

}  // namespace attend
