// UTF-8 validation, decoding and lowercasing (RFC 3629; see utf8.h).
#include "datasets/utf8.h"

namespace attend::utf8 {

namespace {

bool is_cont(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Length of the valid sequence starting at s[pos], or 0 when it is invalid. The second byte's range
// depends on the lead byte: that is what rules out overlong forms, surrogates and > U+10FFFF.
size_t valid_length(std::string_view s, size_t pos) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[pos + i]); };
  const size_t left = s.size() - pos;
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // stray continuation byte, C0/C1 (overlong ASCII) or F5..FF
  }
  if (left < len) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (size_t i = 2; i < len; ++i)
    if (!is_cont(b(i))) return 0;
  return len;
}

std::string hex_byte(unsigned char c) {
  static const char* digits = "0123456789ABCDEF";
  return std::string("0x") + digits[c >> 4] + digits[c & 15];
}

}  // namespace

size_t find_invalid(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    // Fast path for ASCII, by far the most common case in the corpora.
    if (static_cast<unsigned char>(s[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const size_t len = valid_length(s, pos);
    if (len == 0) return pos;
    pos += len;
  }
  return npos;
}

std::string describe_invalid(std::string_view s, size_t pos) {
  std::string msg = "invalid UTF-8 at byte " + std::to_string(pos + 1) + " (";
  for (size_t i = pos; i < s.size() && i < pos + 4; ++i) {
    if (i > pos) {
      // Show the bytes that belong to the broken sequence, stopping at the first that cannot.
      if (!is_cont(static_cast<unsigned char>(s[i]))) break;
      msg += ' ';
    }
    msg += hex_byte(static_cast<unsigned char>(s[i]));
  }
  msg += ")";
  const auto c = static_cast<unsigned char>(s[pos]);
  const bool next_is_cont = pos + 1 < s.size() && is_cont(static_cast<unsigned char>(s[pos + 1]));
  if (c >= 0xA0 && !next_is_cont)
    msg += "; the text may be Latin-1: convert it with iconv -f latin1 -t utf-8";
  return msg;
}

char32_t decode(std::string_view s, size_t& pos) {
  const auto c = static_cast<unsigned char>(s[pos]);
  int extra = 0;
  char32_t cp = 0;
  if (c < 0x80) {
    cp = c;
  } else if (c < 0xE0) {
    cp = c & 0x1F;
    extra = 1;
  } else if (c < 0xF0) {
    cp = c & 0x0F;
    extra = 2;
  } else {
    cp = c & 0x07;
    extra = 3;
  }
  ++pos;
  for (int i = 0; i < extra; ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[pos++]) & 0x3F);
  return cp;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

char32_t to_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  // Latin-1: À..Þ except the multiplication sign.
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  // Latin Extended-A alternates capital/small, with the parity flipping at a few points.
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x130) return U'i';  // İ
    if (c == 0x178) return 0xFF;  // Ÿ
    if ((c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
      return (c % 2 == 0) ? c + 1 : c;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
    return c;
  }
  // Greek capitals (U+03A2 is unassigned) and the accented ones.
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 0x20;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 0x25;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 0x3F;
  // Cyrillic.
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  return c;
}

std::string lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) append(out, to_lower(decode(s, pos)));
  return out;
}

}  // namespace attend::utf8
