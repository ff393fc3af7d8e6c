// Word tokenizer for the translation and summarisation pipelines: splits on whitespace and
// punctuation, keeps accented letters, and handles apostrophes the way French needs.
//
// Rules, in order:
//  * Input must be valid UTF-8 (otherwise DataError naming the byte).
//  * HTML character references are unescaped first (unescape_html, on by default; see
//    html_entities.h): "&quot;" is the token '"', never "&" "quot" ";".
//  * Whitespace (ASCII spaces and controls, NO-BREAK SPACE U+00A0, NARROW NO-BREAK SPACE U+202F and
//    the other Unicode spaces, zero-width spaces, BOM) separates tokens and is dropped. Tatoeba's
//    French puts U+202F/U+00A0 before "!", "?", ":" — they vanish here.
//  * Punctuation and symbols (ASCII punctuation, « » ¿ ¡ “ ” … – — € and the rest of the Unicode
//    General Punctuation, currency, arrow/math/shape and emoji blocks) are tokens of their own; a
//    run of the same character is one token ("...", "!!").
//  * Everything else (letters with or without accents, combining marks, digits, other scripts) is a
//    word character. A word is a run of word characters, joined across:
//      - an apostrophe (' or the typographic ’ U+2019, written as ' in the token) between two word
//        characters: "aujourd'hui", "don't", "quelqu'un" stay whole;
//      - a hyphen between two word characters: "peut-être", "est-ce", "a-t-il" stay whole;
//      - '.' or ',' between two digits: "3.14", "3,5", "1,000".
//  * French elision (split_elision, on by default): a word that starts with one of the elided
//    articles/pronouns/conjunctions l' d' j' m' n' s' t' c' ç' qu' jusqu' lorsqu' puisqu' quoiqu'
//    (any case) is split after the apostrophe, keeping the apostrophe on the first part — the usual
//    French split, as in Moses and spaCy: "l'homme" -> "l'" "homme", "qu'il" -> "qu'" "il",
//    "d'aujourd'hui" -> "d'" "aujourd'hui". Other apostrophes (English "don't", "I'm") are kept.
//  * lowercase (off by default) lowercases Latin, Greek and Cyrillic letters, independent of the C
//    locale. Accents are kept: "Été" -> "été".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace attend {

struct TokenizerOptions {
  bool lowercase = false;
  bool split_elision = true;
  bool unescape_html = true;
};

std::vector<std::string> tokenize(std::string_view text, const TokenizerOptions& options = {});

// Tokens back to text for people and for BLEU (which re-tokenises with its own rules): words are
// joined by spaces, except after an elided "l'" / "qu'" (ending in an apostrophe), before closing
// punctuation (. , ; : ! ? ) ] } » % …) and after opening punctuation (( [ { « ¿ ¡). Straight
// double quotes alternate between opening and closing. Two equal characters never meet without a
// space ("!" "!" -> "! !", not "!!", which reads back as one token). tokenize(detokenize(t)) == t
// for tokens that tokenize produced.
std::string detokenize(const std::vector<std::string>& tokens);

// A tokenizer bound to its options, for pipelines that pass one around.
class Tokenizer {
 public:
  explicit Tokenizer(TokenizerOptions options = {}) : options_(options) {}
  std::vector<std::string> operator()(std::string_view text) const {
    return tokenize(text, options_);
  }
  const TokenizerOptions& options() const { return options_; }

 private:
  TokenizerOptions options_;
};

}  // namespace attend
