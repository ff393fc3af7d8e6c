// One JSON document per line (JSON Lines), parsed with the error naming the file, line and column.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "datasets/line_reader.h"

namespace attend {

// Parses line as JSON. Any failure — bad syntax, or a number beyond double's range such as 1e999,
// which nlohmann reports as out_of_range rather than parse_error — fails `in` (a DataError naming
// the file and line) with nlohmann's reason, without its "[json.exception.parse_error.101]" tag.
inline nlohmann::json parse_json_line(const std::string& line, const LineReader& in) {
  try {
    return nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    if (const size_t tag_end = what.find("] "); what.starts_with("[json.") && tag_end != what.npos)
      what = what.substr(tag_end + 2);
    // "parse error at line 1, column 7: ..." — the line is always 1 here; keep the column.
    if (const size_t col = what.find("column "); col != what.npos) what = "at " + what.substr(col);
    in.fail("invalid JSON " + what);
  }
}

}  // namespace attend
