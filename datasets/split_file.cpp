// Splits a file of pairs into train/valid/test files (see split_file.h).
#include "datasets/split_file.h"

#include <filesystem>
#include <sstream>
#include <vector>

#include "datasets/atomic_write.h"
#include "datasets/data_error.h"
#include "datasets/line_reader.h"
#include "datasets/load_text_pairs.h"
#include "datasets/split.h"

namespace attend {

namespace {

namespace fs = std::filesystem;

// Writes lines[i] for i in rows to path, one a line, atomically.
void write_rows(const std::string& path, const std::vector<std::string>& lines,
                const std::vector<int64_t>& rows) {
  write_file_atomically(path, "pairs", [&](std::ostream& out) {
    for (int64_t r : rows) out << lines[r] << '\n';
  });
}

std::string fraction(double f) {
  std::ostringstream s;
  s << f;  // 0.05, not std::to_string's 0.050000
  return s.str();
}

}  // namespace

FileSplitResult split_pairs_file(const std::string& path, const std::string& out_dir,
                                 const FileSplitOptions& o) {
  const double v = o.valid_fraction, t = o.test_fraction;
  if (!(v >= 0 && t >= 0 && v + t <= 1))
    throw DataError(path, 0,
                    "valid and test fractions " + fraction(v) + " and " + fraction(t) +
                        " must be at least 0 and sum to at most 1");
  const std::string base = path.ends_with(".gz") ? path.substr(0, path.size() - 3) : path;
  if (base.ends_with(".csv") || base.ends_with(".jsonl") || base.ends_with(".json"))
    throw DataError(path, 0,
                    "only TSV pairs (source TAB target, one pair a line) are split; give a .tsv "
                    "or .txt file");
  // The loader's checks (columns, empty sides, UTF-8, binary) with its FILE:LINE messages; the
  // lines themselves are then copied unchanged, so no normalisation happens here.
  const std::vector<TextPair> pairs = load_tsv_pairs(path);
  std::vector<std::string> lines;
  lines.reserve(pairs.size());
  LineReader in(path);
  for (std::string line; in.next(line);)
    if (!line.empty()) lines.push_back(line);
  if (lines.size() != pairs.size())  // the loader skips exactly the empty lines
    throw DataError(path, 0, "changed while it was read");

  const auto n = static_cast<int64_t>(lines.size());
  const SplitIndices s = random_split(n, v, t, o.seed);
  for (const auto& [name, rows] :
       {std::pair{"train", &s.train}, std::pair{"valid", &s.valid}, std::pair{"test", &s.test}})
    if (rows->empty())
      throw DataError(path, 0,
                      "its " + std::to_string(n) + " pairs leave the " + name +
                          " split empty at valid " + fraction(v) + " and test " + fraction(t));

  FileSplitResult r;
  const fs::path dir(out_dir);
  r.train = (dir / "train.tsv").string();
  r.valid = (dir / "valid.tsv").string();
  r.test = (dir / "test.tsv").string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw DataError(out_dir, 0, "cannot create the folder: " + ec.message());
  for (const std::string* p : {&r.train, &r.valid, &r.test})
    if (!o.overwrite && fs::exists(*p))
      throw DataError(*p, 0, "exists already (--overwrite replaces it)");
  write_rows(r.train, lines, s.train);
  write_rows(r.valid, lines, s.valid);
  write_rows(r.test, lines, s.test);
  r.train_pairs = static_cast<int64_t>(s.train.size());
  r.valid_pairs = static_cast<int64_t>(s.valid.size());
  r.test_pairs = static_cast<int64_t>(s.test.size());
  return r;
}

}  // namespace attend
