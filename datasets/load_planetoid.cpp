// Planetoid plain-text reader (see load_planetoid.h).
#include "datasets/load_planetoid.h"

#include <algorithm>

#include "autograd/creation.h"
#include "datasets/fields.h"
#include "datasets/line_reader.h"

namespace attend {

namespace {

// Reads every non-blank line as exactly `count` integers.
template <typename OnRow>
void read_int_rows(LineReader& in, size_t count, const char* what, OnRow on_row) {
  std::string line;
  std::vector<int64_t> v(count);
  while (in.next(line)) {
    if (fields::is_blank_or_comment(line)) continue;
    const auto f = fields::split(line);
    if (f.size() != count)
      in.fail("wrong column count: " + std::to_string(f.size()) + " field(s), expected " + what);
    for (size_t k = 0; k < count; ++k)
      if (!fields::parse(f[k], v[k]))
        in.fail("malformed line: field " + std::to_string(k + 1) + " is " + quote_excerpt(f[k]) +
                ", not an integer");
    on_row(v);
  }
  if (in.line_number() == 0) in.fail_at(1, std::string("file is empty, expected ") + what);
}

void check_node(const LineReader& in, int64_t i, int64_t n) {
  if (i < 0 || i >= n)
    in.fail("node " + std::to_string(i) + " has no row in the features file (" + std::to_string(n) +
            " nodes)");
}

}  // namespace

GraphData load_planetoid_txt(const std::string& dir, const std::string& name,
                             const EdgeOptions& edge_options) {
  const std::string base = dir + "/" + name;
  GraphData g;

  // Features: the sparse header fixes the shape.
  LineReader fin(base + ".features.txt");
  std::string line;
  int64_t rows = 0, cols = 0, nnz = 0;
  {
    const bool has = fin.next(line);
    if (!has) fin.fail_at(1, "file is empty, expected the header '# ROWS COLS NNZ'");
    const auto f = fields::split(line);
    if (f.size() != 4 || f[0] != "#" || !fields::parse(f[1], rows) || !fields::parse(f[2], cols) ||
        !fields::parse(f[3], nnz) || rows < 1 || cols < 1 || nnz < 0)
      fin.fail("malformed header " + quote_excerpt(line) + ", expected '# ROWS COLS NNZ'");
    if (rows >= kMaxGraphIndex || cols > kMaxDenseFeatures / rows)
      fin.fail("header " + quote_excerpt(line) + " declares " + std::to_string(rows) + " x " +
               std::to_string(cols) + " features; at most " + std::to_string(kMaxGraphIndex - 1) +
               " nodes and " + std::to_string(kMaxDenseFeatures) + " values are supported");
  }
  g.features = Tensor::empty({rows, cols});
  std::fill(g.features.data(), g.features.data() + rows * cols, 0.0f);
  int64_t seen = 0;
  while (fin.next(line)) {
    if (line.empty()) continue;
    const auto f = fields::split(line);
    int64_t r, c;
    float v;
    if (f.size() != 3)
      fin.fail("wrong column count: " + std::to_string(f.size()) +
               " field(s), expected 'row col value'");
    if (!fields::parse(f[0], r) || !fields::parse(f[1], c) || !fields::parse(f[2], v))
      fin.fail("malformed line " + quote_excerpt(line) + ", expected 'row col value'");
    if (r < 0 || r >= rows || c < 0 || c >= cols)
      fin.fail("entry (" + std::to_string(r) + ", " + std::to_string(c) + ") outside the " +
               std::to_string(rows) + " x " + std::to_string(cols) + " of the header");
    g.features.data()[r * cols + c] = v;
    ++seen;
  }
  if (seen != nnz)
    fin.fail_at(fin.line_number() + 1, "header promises " + std::to_string(nnz) +
                                           " entries, found " + std::to_string(seen));

  // Labels: one per node.
  LineReader lin(base + ".labels.txt");
  std::vector<float> labels;
  int64_t max_label = -1;
  read_int_rows(lin, 1, "one class index per line", [&](const std::vector<int64_t>& v) {
    if (v[0] < -1 || v[0] >= kMaxClasses)
      lin.fail("unknown label " + std::to_string(v[0]) + " (classes are 0.." +
               std::to_string(kMaxClasses - 1) + ", -1 = none)");
    if (static_cast<int64_t>(labels.size()) == rows)
      lin.fail("more labels than the " + std::to_string(rows) + " nodes of the features file");
    max_label = std::max(max_label, v[0]);
    labels.push_back(static_cast<float>(v[0]));
  });
  if (static_cast<int64_t>(labels.size()) != rows)
    lin.fail_at(lin.line_number() + 1, "only " + std::to_string(labels.size()) + " labels for " +
                                           std::to_string(rows) + " nodes");
  g.labels = from_vector(labels, {rows});
  for (int64_t k = 0; k <= max_label; ++k) g.class_names.push_back(std::to_string(k));
  for (int64_t i = 0; i < rows; ++i) g.node_names.push_back(std::to_string(i));

  LineReader ein(base + ".edges.txt");
  std::vector<int64_t> src, dst;
  read_int_rows(ein, 2, "'i j'", [&](const std::vector<int64_t>& v) {
    check_node(ein, v[0], rows);
    check_node(ein, v[1], rows);
    src.push_back(v[0]);
    dst.push_back(v[1]);
  });
  set_edges(g, src, dst, {}, edge_options);

  std::vector<int64_t> split[3];
  const char* suffix[3] = {".train.idx", ".val.idx", ".test.idx"};
  for (int k = 0; k < 3; ++k) {
    LineReader sin(base + suffix[k]);
    read_int_rows(sin, 1, "one node index per line", [&](const std::vector<int64_t>& v) {
      check_node(sin, v[0], rows);
      if (labels[v[0]] < 0) sin.fail("node " + std::to_string(v[0]) + " has no label");
      split[k].push_back(v[0]);
    });
  }
  set_split(g, split[0], split[1], split[2]);
  return g;
}

}  // namespace attend
