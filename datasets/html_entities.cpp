// HTML character references (see html_entities.h).
#include "datasets/html_entities.h"

#include <array>
#include <utility>

#include "datasets/utf8.h"

namespace attend {

namespace {

// The reference starting at text[pos] == '&' decoded into out; its length, or 0 when there is none.
size_t decode_reference(std::string_view text, size_t pos, std::string& out) {
  const size_t semi = text.find(';', pos + 1);
  // The longest reference handled is "&#x10FFFF;" (10 bytes).
  if (semi == std::string_view::npos || semi - pos > 10) return 0;
  const std::string_view name = text.substr(pos + 1, semi - pos - 1);
  static constexpr std::array<std::pair<std::string_view, char>, 5> kNamed = {
      {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}}};
  for (const auto& [n, c] : kNamed)
    if (name == n) {
      out += c;
      return semi - pos + 1;
    }
  if (name.size() < 2 || name[0] != '#') return 0;
  const bool hex = name[1] == 'x' || name[1] == 'X';
  const std::string_view digits = name.substr(hex ? 2 : 1);
  if (digits.empty()) return 0;
  char32_t cp = 0;
  for (char d : digits) {
    int v;
    if (d >= '0' && d <= '9')
      v = d - '0';
    else if (hex && d >= 'a' && d <= 'f')
      v = d - 'a' + 10;
    else if (hex && d >= 'A' && d <= 'F')
      v = d - 'A' + 10;
    else
      return 0;
    cp = cp * (hex ? 16 : 10) + static_cast<char32_t>(v);
    if (cp > 0x10FFFF) return 0;
  }
  if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  utf8::append(out, cp);
  return semi - pos + 1;
}

}  // namespace

std::string unescape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '&')
      if (const size_t n = decode_reference(text, i, out); n > 0) {
        i += n;
        continue;
      }
    out += text[i++];
  }
  return out;
}

}  // namespace attend
