#include "datasets/char_vocab.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "datasets/data_error.h"
#include "datasets/utf8.h"

namespace attend {

CharVocab CharVocab::build(std::string_view text) {
  std::set<char32_t> points;
  for (size_t pos = 0; pos < text.size();) points.insert(utf8::decode(text, pos));
  CharVocab v;
  for (char32_t cp : points) {
    std::string ch;
    utf8::append(ch, cp);
    v.ids_[ch] = v.size();
    v.chars_.push_back(ch);
  }
  return v;
}

CharVocab CharVocab::from_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("character vocabulary is not JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("chars") || !j["chars"].is_array())
    throw std::invalid_argument("character vocabulary has no \"chars\" list");
  CharVocab v;
  for (const auto& c : j["chars"]) {
    if (!c.is_string()) throw std::invalid_argument("character vocabulary holds a non-string");
    const std::string ch = c.get<std::string>();
    size_t pos = 0;
    if (ch.empty() || utf8::find_invalid(ch) != utf8::npos ||
        (utf8::decode(ch, pos), pos) != ch.size())
      throw std::invalid_argument("character vocabulary entry " + std::to_string(v.size()) +
                                  " is not one character");
    if (!v.ids_.emplace(ch, v.size()).second)
      throw std::invalid_argument("character vocabulary lists " + describe_char(ch) + " twice");
    v.chars_.push_back(ch);
  }
  return v;
}

std::string CharVocab::to_json() const {
  return nlohmann::json{{"chars", chars_}}.dump();
}

int64_t CharVocab::id(std::string_view ch) const {
  auto it = ids_.find(std::string(ch));
  return it == ids_.end() ? -1 : it->second;
}

std::vector<int64_t> CharVocab::encode(std::string_view text,
                                       std::vector<std::string>* unknown) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    utf8::decode(text, pos);
    const std::string_view ch = text.substr(start, pos - start);
    const int64_t i = id(ch);
    if (i >= 0) {
      ids.push_back(i);
      continue;
    }
    if (!unknown)
      throw DataError("character " + describe_char(ch) + " at byte " + std::to_string(start + 1) +
                      " is not in the vocabulary");
    if (std::find(unknown->begin(), unknown->end(), ch) == unknown->end())
      unknown->emplace_back(ch);
  }
  return ids;
}

std::string CharVocab::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  for (int64_t i : ids) out += token(i);
  return out;
}

std::string describe_char(std::string_view ch) {
  size_t pos = 0;
  const char32_t cp = utf8::decode(ch, pos);
  char code[16];
  std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
  return quote_excerpt(ch) + " (" + code + ")";
}

}  // namespace attend
