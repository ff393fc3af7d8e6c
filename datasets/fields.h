// Splitting a line into fields and parsing numbers, for the graph loaders (whose files are
// whitespace- or comma-separated numbers and ids). Header-only: a few lines each.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>
#include <vector>

namespace attend::fields {

// Fields separated by runs of spaces/tabs, and by commas when commas is set (so "1, 2" and
// "1 2" read the same).
inline std::vector<std::string_view> split(std::string_view line, bool commas = false) {
  std::vector<std::string_view> out;
  const auto sep = [&](char c) { return c == ' ' || c == '\t' || (commas && c == ','); };
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && sep(line[i])) ++i;
    const size_t start = i;
    while (i < line.size() && !sep(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// The whole field must be the number (no trailing characters).
inline bool parse(std::string_view s, int64_t& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}
inline bool parse(std::string_view s, float& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// A line that holds only a comment ('#' first) or nothing.
inline bool is_blank_or_comment(std::string_view line) {
  const size_t i = line.find_first_not_of(" \t");
  return i == std::string_view::npos || line[i] == '#';
}

}  // namespace attend::fields
