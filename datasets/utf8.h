// UTF-8 helpers for the text pipeline: validation that says where input is broken, decoding to code
// points, and lowercasing that does not depend on the C locale (so results are the same on every
// machine).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace attend::utf8 {

inline constexpr size_t npos = std::string_view::npos;

// Byte offset of the first invalid sequence (truncated, overlong, surrogate, above U+10FFFF, stray
// continuation byte), or npos when s is valid UTF-8.
size_t find_invalid(std::string_view s);

// "invalid UTF-8 at byte 7 (0xE9 0x20)" with 1-based byte position and the offending bytes, plus a
// hint when the text looks Latin-1 encoded. pos is what find_invalid returned.
std::string describe_invalid(std::string_view s, size_t pos);

// Decodes the code point starting at s[pos] and advances pos past it. s must be valid UTF-8.
char32_t decode(std::string_view s, size_t& pos);

// Appends the UTF-8 encoding of cp.
void append(std::string& out, char32_t cp);

// Lowercase of one code point: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals;
// every other code point is returned unchanged.
char32_t to_lower(char32_t cp);

// to_lower applied to each code point of valid UTF-8 text.
std::string lower(std::string_view s);

}  // namespace attend::utf8
