#include "datasets/lm_corpus.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "datasets/data_error.h"
#include "datasets/utf8.h"

namespace attend {
namespace {

namespace fs = std::filesystem;

// Where ../shared/datasets may be: beside the working directory or beside the source tree.
std::vector<fs::path> shared_roots() {
  std::vector<fs::path> roots{fs::path("../shared/datasets")};
  roots.push_back(fs::path(ATTEND_DATA_DIR) / ".." / ".." / ".." / "shared" / "datasets");
  return roots;
}

int64_t line_of(const std::string& text, size_t pos) {
  return 1 + static_cast<int64_t>(std::count(text.begin(), text.begin() + pos, '\n'));
}

}  // namespace

std::vector<std::string> lm_corpus_names() {
  return {"tinyshakespeare"};
}

std::string resolve_lm_corpus(const std::string& data) {
  if (data != "tinyshakespeare") return data;
  for (const fs::path& root : shared_roots()) {
    const fs::path p = root / data / "input.txt";
    if (fs::is_regular_file(p)) return p.lexically_normal().string();
  }
  throw DataError(data, 0,
                  "corpus not found (looked for ../shared/datasets/tinyshakespeare/input.txt); "
                  "give the text file's path instead");
}

std::string read_lm_text(const std::string& path) {
  if (!fs::exists(path)) throw DataError(path, 0, "no such file");
  if (!fs::is_regular_file(path)) throw DataError(path, 0, "not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, 0, "cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.empty()) throw DataError(path, 0, "empty file: language modelling needs text");
  if (const size_t nul = text.find('\0'); nul != std::string::npos)
    throw DataError(path, line_of(text, nul),
                    "NUL byte at byte " + std::to_string(nul + 1) + ": a binary file, not text");
  if (const size_t bad = utf8::find_invalid(text); bad != utf8::npos)
    throw DataError(path, line_of(text, bad), utf8::describe_invalid(text, bad));
  return text;
}

LMCorpus load_lm_corpus(const std::string& data, int64_t min_tokens, const CharVocab* vocab) {
  LMCorpus c;
  c.source = resolve_lm_corpus(data);
  const std::string text = read_lm_text(c.source);
  c.vocab = vocab ? *vocab : CharVocab::build(text);
  std::vector<int64_t> ids;
  try {
    ids = c.vocab.encode(text);
  } catch (const DataError& e) {
    throw DataError(c.source, 0, std::string(e.what()) + " of the checkpoint");
  }
  const size_t n_train = ids.size() * 9 / 10;  // nanoGPT: int(n * 0.9)
  if (static_cast<int64_t>(n_train) < min_tokens ||
      static_cast<int64_t>(ids.size() - n_train) < min_tokens)
    throw DataError(
        c.source, 0,
        "too short: " + std::to_string(ids.size()) + " characters give a 90/10 split of " +
            std::to_string(n_train) + "/" + std::to_string(ids.size() - n_train) +
            ", and each part needs at least context + 1 = " + std::to_string(min_tokens));
  c.train.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n_train));
  c.valid.assign(ids.begin() + static_cast<std::ptrdiff_t>(n_train), ids.end());
  return c;
}

}  // namespace attend
