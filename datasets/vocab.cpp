// Vocab construction, lookup, and its two serialised forms (text file and JSON string).
#include "datasets/vocab.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "datasets/atomic_write.h"
#include "datasets/data_error.h"
#include "datasets/line_reader.h"
#include "datasets/utf8.h"

namespace attend {

namespace {

// Why a token cannot be stored (empty string when it can): the text format has one token per line
// and the tokenizer never produces whitespace, so a token with whitespace is a caller's mistake.
std::string token_problem(const std::string& t) {
  if (t.empty()) return "empty token";
  if (const size_t bad = utf8::find_invalid(t); bad != utf8::npos)
    return utf8::describe_invalid(t, bad);
  for (char c : t)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
      return "token " + quote_excerpt(t) + " contains whitespace";
  return "";
}

}  // namespace

const std::vector<std::string>& Vocab::specials() {
  static const std::vector<std::string> s = {"<pad>", "<bos>", "<eos>", "<unk>"};
  return s;
}

Vocab::Vocab() : Vocab(std::vector<std::string>{}) {}

Vocab::Vocab(const std::vector<std::string>& regular_tokens) {
  tokens_ = specials();
  tokens_.insert(tokens_.end(), regular_tokens.begin(), regular_tokens.end());
  index_.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (std::string why = token_problem(tokens_[i]); !why.empty())
      throw DataError("Vocab: token " + std::to_string(i) + ": " + why);
    if (!index_.emplace(tokens_[i], static_cast<int64_t>(i)).second)
      throw DataError("Vocab: duplicate token " + quote_excerpt(tokens_[i]) + " at index " +
                      std::to_string(i) + " (first at " + std::to_string(index_[tokens_[i]]) + ")");
  }
}

Vocab Vocab::build(const std::vector<std::vector<std::string>>& sentences,
                   const VocabOptions& options) {
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& s : sentences)
    for (const auto& t : s) ++counts[t];
  return from_counts(counts, options);
}

Vocab Vocab::from_counts(const std::unordered_map<std::string, int64_t>& counts,
                         const VocabOptions& options) {
  if (options.min_freq < 1)
    throw DataError("Vocab: min_freq must be at least 1, got " + std::to_string(options.min_freq));
  if (options.max_size != 0 && options.max_size < kNumSpecials)
    throw DataError("Vocab: max_size must be 0 (no limit) or at least 4 (the specials), got " +
                    std::to_string(options.max_size));
  std::vector<std::pair<std::string, int64_t>> kept;
  const auto& sp = specials();
  for (const auto& [tok, n] : counts)
    if (n >= options.min_freq && std::find(sp.begin(), sp.end(), tok) == sp.end())
      kept.emplace_back(tok, n);
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (options.max_size > 0 && static_cast<int64_t>(kept.size()) > options.max_size - kNumSpecials)
    kept.resize(options.max_size - kNumSpecials);
  std::vector<std::string> toks;
  toks.reserve(kept.size());
  for (auto& [tok, n] : kept) toks.push_back(std::move(tok));
  return Vocab(toks);
}

int64_t Vocab::index(const std::string& token) const {
  auto it = index_.find(token);
  return it == index_.end() ? kUnk : it->second;
}

const std::string& Vocab::token(int64_t index) const {
  if (index < 0 || index >= size())
    throw DataError("Vocab: index " + std::to_string(index) + " out of range for a vocabulary of " +
                    std::to_string(size()) + " tokens");
  return tokens_[index];
}

std::vector<int64_t> Vocab::encode(const std::vector<std::string>& tokens, bool add_bos,
                                   bool add_eos) const {
  std::vector<int64_t> out;
  out.reserve(tokens.size() + 2);
  if (add_bos) out.push_back(kBos);
  for (const auto& t : tokens) out.push_back(index(t));
  if (add_eos) out.push_back(kEos);
  return out;
}

std::vector<std::string> Vocab::decode(const std::vector<int64_t>& indices,
                                       bool strip_specials) const {
  std::vector<std::string> out;
  for (int64_t i : indices) {
    if (strip_specials) {
      if (i == kEos) break;
      if (i == kPad || i == kBos) continue;
    }
    out.push_back(token(i));
  }
  return out;
}

void Vocab::save(const std::string& path) const {
  write_file_atomically(path, "vocabulary", [this](std::ostream& out) {
    for (const auto& t : tokens_) out << t << '\n';
  });
}

Vocab Vocab::load(const std::string& path) {
  LineReader in(path);
  std::vector<std::string> regular;
  std::unordered_map<std::string, int64_t> first_line;
  std::string line;
  const auto& sp = specials();
  while (in.next(line)) {
    const int64_t k = in.line_number();
    if (k <= kNumSpecials) {
      if (line != sp[k - 1])
        in.fail("expected the special token " + sp[k - 1] + " on line " + std::to_string(k) +
                ", found " + quote_excerpt(line));
    } else {
      if (std::string why = token_problem(line); !why.empty()) in.fail(why);
      regular.push_back(line);
    }
    if (auto [it, fresh] = first_line.emplace(line, k); !fresh)
      in.fail("duplicate token " + quote_excerpt(line) + " (first on line " +
              std::to_string(it->second) + ")");
  }
  if (in.line_number() == 0)
    in.fail_at(1, "file is empty; a vocabulary starts with <pad> <bos> <eos> <unk>, one per line");
  if (in.line_number() < kNumSpecials)
    in.fail_at(in.line_number() + 1, "missing special token " + sp[in.line_number()]);
  return Vocab(regular);
}

std::string Vocab::to_json() const {
  nlohmann::json j;
  j["format"] = "attend-vocab";
  j["version"] = 1;
  j["tokens"] = tokens_;
  return j.dump();
}

Vocab Vocab::from_json(const std::string& text) {
  // nlohmann reports syntax and type errors with its own exceptions; they become DataErrors.
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("format", "") != "attend-vocab")
      throw DataError(
          "vocab JSON: not an attend vocabulary (expected \"format\": \"attend-vocab\")");
    const auto version = j.contains("version") ? j["version"] : nlohmann::json();
    if (version != 1) throw DataError("vocab JSON: unsupported version " + version.dump());
    const auto toks = j.contains("tokens") ? j["tokens"] : nlohmann::json();
    if (!toks.is_array()) throw DataError("vocab JSON: \"tokens\" must be an array of strings");
    std::vector<std::string> all;
    for (const auto& t : toks) {
      if (!t.is_string())
        throw DataError("vocab JSON: token " + std::to_string(all.size()) + " is not a string");
      all.push_back(t.get<std::string>());
    }
    const auto& sp = specials();
    for (int64_t k = 0; k < kNumSpecials; ++k)
      if (k >= static_cast<int64_t>(all.size()) || all[k] != sp[k])
        throw DataError("vocab JSON: token " + std::to_string(k) + " must be " + sp[k]);
    return Vocab(std::vector<std::string>(all.begin() + kNumSpecials, all.end()));
  } catch (const nlohmann::json::exception& e) {
    throw DataError(std::string("vocab JSON: ") + e.what());
  }
}

}  // namespace attend
