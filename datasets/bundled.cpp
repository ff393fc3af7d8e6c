// The bundled text datasets (see bundled.h).
#include "datasets/bundled.h"

#include <cstdlib>
#include <filesystem>

#include "datasets/data_error.h"
#include "datasets/load_doc_summary.h"
#include "datasets/load_text_pairs.h"

namespace attend {

namespace {

struct Entry {
  const char* name;
  const char* stem;       // files are STEM.{train,valid,test}.EXT
  const char* ext;        // "tsv.gz" or "jsonl.gz"
  const char* generator;  // the script that writes them
  bool reversed;          // toy-fr-en: the French column is the source
};

constexpr Entry kEntries[] = {
    {"toy-en-fr", "translation", "tsv.gz", "gen_translation.py", false},
    {"toy-fr-en", "translation", "tsv.gz", "gen_translation.py", true},
    {"toy-summarization", "summarization", "jsonl.gz", "gen_summarization.py", false},
};

const Entry& entry(const std::string& name) {
  for (const auto& e : kEntries)
    if (name == e.name) return e;
  std::string known;
  for (const auto& e : kEntries) known += std::string(known.empty() ? "" : ", ") + e.name;
  throw DataError("unknown bundled dataset '" + name + "': expected one of " + known);
}

}  // namespace

std::string bundled_data_dir() {
  const char* env = std::getenv("ATTEND_DATA_DIR");
  const bool from_env = env != nullptr && *env != '\0';
  const std::string dir = from_env ? std::string(env) : std::string(ATTEND_DATA_DIR);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw DataError(dir, 0,
                    std::string("bundled data directory not found (") +
                        (from_env ? "from the environment variable ATTEND_DATA_DIR"
                                  : "compiled in; set ATTEND_DATA_DIR to attend's datasets/data") +
                        ")");
  return dir;
}

std::vector<std::string> bundled_dataset_names() {
  std::vector<std::string> names;
  for (const auto& e : kEntries) names.emplace_back(e.name);
  return names;
}

std::vector<std::string> bundled_dataset_files(const std::string& name) {
  const Entry& e = entry(name);
  const std::string dir = bundled_data_dir();
  std::vector<std::string> files;
  for (const char* split : {"train", "valid", "test"})
    files.push_back(
        (std::filesystem::path(dir) / (std::string(e.stem) + "." + split + "." + e.ext)).string());
  return files;
}

TextSplits load_bundled_text(const std::string& name) {
  const Entry& e = entry(name);
  const std::vector<std::string> files = bundled_dataset_files(name);
  for (const auto& f : files)
    if (!std::filesystem::exists(f))
      throw DataError(f, 0,
                      std::string("bundled dataset file is missing: regenerate it with python3 "
                                  "datasets/generators/") +
                          e.generator + " or set ATTEND_DATA_DIR to a directory that has it");
  const auto load = [&](const std::string& path) {
    if (std::string(e.ext) == "jsonl.gz") return load_jsonl_pairs(path);
    TsvPairsOptions o;
    if (e.reversed) {
      o.source_column = 1;
      o.target_column = 0;
    }
    return load_tsv_pairs(path, o);
  };
  return {load(files[0]), load(files[1]), load(files[2])};
}

}  // namespace attend
