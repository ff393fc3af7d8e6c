// The rules are documented in tokenizer.h; this file is their direct transcription.
#include "datasets/tokenizer.h"

#include <algorithm>
#include <array>

#include "datasets/data_error.h"
#include "datasets/html_entities.h"
#include "datasets/utf8.h"

namespace attend {

namespace {

enum class Kind { kSpace, kPunct, kWord };

bool is_space(char32_t c) {
  if (c < 0x80) return c <= 0x20 || c == 0x7F;           // ASCII blanks and control characters
  return (c >= 0x80 && c <= 0xA0) ||                     // C1 controls, NO-BREAK SPACE
         c == 0x1680 || (c >= 0x2000 && c <= 0x200F) ||  // Unicode spaces, zero-width marks
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

bool is_punct(char32_t c) {
  if (c < 0x80)
    return (c > 0x20 && c < 0x30) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
  // Latin-1 punctuation and symbols (¡ « » ¿ § ° € ...), but not ª º µ ¹ ² ³ ¼ ½ ¾.
  if (c >= 0xA1 && c <= 0xBF)
    return c != 0xAA && c != 0xBA && c != 0xB5 && c != 0xB2 && c != 0xB3 && c != 0xB9 &&
           !(c >= 0xBC && c <= 0xBE);
  if (c == 0xD7 || c == 0xF7) return true;                             // × ÷
  if (c >= 0x2010 && c <= 0x205E) return true;                         // General Punctuation
  if (c >= 0x20A0 && c <= 0x20CF) return true;                         // currency
  if (c >= 0x2190 && c <= 0x2BFF) return true;                         // arrows, math, shapes
  if (c >= 0x3001 && c <= 0x303F) return true;                         // CJK punctuation
  if ((c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||  // fullwidth forms
      (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65))
    return true;
  return c >= 0x1F000 && c <= 0x1FAFF;  // emoji and pictographs
}

Kind kind(char32_t c) {
  if (is_space(c)) return Kind::kSpace;
  if (is_punct(c)) return Kind::kPunct;
  return Kind::kWord;
}

bool is_apostrophe(char32_t c) {
  return c == U'\'' || c == 0x2019 || c == 0x2BC;
}
bool is_hyphen(char32_t c) {
  return c == U'-' || c == 0x2010;
}
bool is_digit(char32_t c) {
  return c >= U'0' && c <= U'9';
}

// French words that elide their vowel before another word, written without the apostrophe.
bool is_elided_prefix(const std::string& lower_prefix) {
  static const std::array<std::string, 14> prefixes = {
      "l",  "d",     "j",      "m",      "n",     "s", "t", "c", "\xC3\xA7" /* ç */,
      "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"};
  return std::find(prefixes.begin(), prefixes.end(), lower_prefix) != prefixes.end();
}

void emit_word(std::string word, const TokenizerOptions& options, std::vector<std::string>& out) {
  if (options.lowercase) word = utf8::lower(word);
  if (options.split_elision) {
    // Apostrophes inside a word are always ASCII by now (see tokenize), so a byte search is enough.
    size_t apos;
    while ((apos = word.find('\'')) != std::string::npos &&
           is_elided_prefix(utf8::lower(std::string_view(word).substr(0, apos)))) {
      out.push_back(word.substr(0, apos + 1));
      word.erase(0, apos + 1);
    }
  }
  out.push_back(std::move(word));
}

// The bytes of the first and of the last UTF-8 character of a non-empty string.
std::string_view first_char(std::string_view s) {
  size_t n = 1;
  while (n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) ++n;
  return s.substr(0, n);
}
std::string_view last_char(std::string_view s) {
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  return s.substr(start);
}

}  // namespace

std::vector<std::string> tokenize(std::string_view text, const TokenizerOptions& options) {
  if (const size_t bad = utf8::find_invalid(text); bad != utf8::npos)
    throw DataError("tokenize: " + utf8::describe_invalid(text, bad));
  std::string unescaped;
  if (options.unescape_html && text.find('&') != std::string_view::npos) {
    unescaped = unescape_html(text);
    text = unescaped;
  }
  std::vector<char32_t> cps;
  cps.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) cps.push_back(utf8::decode(text, pos));

  std::vector<std::string> out;
  const size_t n = cps.size();
  const auto word_at = [&](size_t k) { return k < n && kind(cps[k]) == Kind::kWord; };
  size_t i = 0;
  while (i < n) {
    const char32_t c = cps[i];
    const Kind k = kind(c);
    if (k == Kind::kSpace) {
      ++i;
    } else if (k == Kind::kPunct) {
      std::string tok;
      for (; i < n && cps[i] == c; ++i) utf8::append(tok, c);
      out.push_back(std::move(tok));
    } else {
      std::string word;
      for (;;) {
        for (; word_at(i); ++i) utf8::append(word, cps[i]);
        // A joiner continues the word only when a word character follows it.
        if (i >= n || !word_at(i + 1)) break;
        const char32_t j = cps[i];
        if (is_apostrophe(j)) {
          word += '\'';
        } else if (is_hyphen(j) ||
                   ((j == U'.' || j == U',') && is_digit(cps[i - 1]) && is_digit(cps[i + 1]))) {
          utf8::append(word, j);
        } else {
          break;
        }
        ++i;
      }
      emit_word(std::move(word), options, out);
    }
  }
  return out;
}

std::string detokenize(const std::vector<std::string>& tokens) {
  static const std::vector<std::string> closing = {".", ",", ";", ":", "!",   "?",  ")", "]",
                                                   "}", "»", "%", "…", "...", "!!", "??"};
  static const std::vector<std::string> opening = {"(", "[", "{", "«", "¿", "¡"};
  auto is_in = [](const std::vector<std::string>& set, const std::string& t) {
    return std::find(set.begin(), set.end(), t) != set.end();
  };
  std::string out;
  bool glue_next = true;  // no space before the next token
  bool quote_open = false;
  for (const auto& t : tokens) {
    bool glue_before = glue_next || is_in(closing, t) ||
                       (!t.empty() && t.find_first_not_of(t[0]) == std::string::npos &&
                        is_in(closing, std::string(1, t[0])));
    glue_next = false;
    if (t == "\"") {
      if (quote_open)
        glue_before = true;  // closing quote hugs the word before it
      else
        glue_next = true;  // opening quote hugs the word after it
      quote_open = !quote_open;
    }
    // Glued to an equal character the two would read back as one run ("!" "!" -> "!!").
    if (glue_before && !out.empty() && !t.empty() && last_char(out) == first_char(t))
      glue_before = false;
    if (!glue_before) out += ' ';
    out += t;
    if (is_in(opening, t) || (t.size() > 1 && t.back() == '\'')) glue_next = true;
  }
  return out;
}

}  // namespace attend
