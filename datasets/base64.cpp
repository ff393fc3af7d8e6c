// Base64 (see base64.h).
#include "datasets/base64.h"

#include <array>
#include <cstdint>

#include "datasets/data_error.h"

namespace attend {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 6-bit value of each byte, -1 for bytes outside the alphabet.
constexpr std::array<int8_t, 256> make_values() {
  std::array<int8_t, 256> v{};
  for (auto& x : v) x = -1;
  for (size_t i = 0; i < kAlphabet.size(); ++i) v[static_cast<unsigned char>(kAlphabet[i])] = i;
  return v;
}
constexpr std::array<int8_t, 256> kValues = make_values();

[[noreturn]] void fail(const std::string& what) {
  throw DataError("base64: " + what);
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                       static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (const size_t rest = bytes.size() - i; rest > 0) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    fail("length " + std::to_string(text.size()) + " is not a multiple of 4");
  // Padding: at most two '=' and only at the very end.
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t n = 0;
  const size_t data = text.size() - pad;
  for (size_t i = 0; i < data; ++i) {
    const int v = kValues[static_cast<unsigned char>(text[i])];
    if (v < 0)
      fail("character " + std::to_string(i + 1) + " " + quote_excerpt(text.substr(i, 1)) +
           " is not in the alphabet");
    n = n << 6 | static_cast<uint32_t>(v);
    if (i % 4 == 3) {
      out += static_cast<char>(n >> 16);
      out += static_cast<char>(n >> 8 & 255);
      out += static_cast<char>(n & 255);
      n = 0;
    }
  }
  // The last group: 2 or 3 characters carry 1 or 2 bytes; their unused low bits must be zero, so
  // every byte string has exactly one encoding.
  if (pad == 2) {
    if (n & 15) fail("non-zero bits in the last group before its padding");
    out += static_cast<char>(n >> 4);
  } else if (pad == 1) {
    if (n & 3) fail("non-zero bits in the last group before its padding");
    out += static_cast<char>(n >> 10);
    out += static_cast<char>(n >> 2 & 255);
  }
  return out;
}

}  // namespace attend
