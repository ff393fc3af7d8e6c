// Edge list + node table reader (see load_edge_list.h).
#include "datasets/load_edge_list.h"

#include <algorithm>

#include "autograd/creation.h"
#include "datasets/fields.h"
#include "datasets/line_reader.h"

namespace attend {

namespace {

// Reads the lines of a table of numbers with the same field count on every line (fixed by the
// first), calling on_row(fields) for each.
template <typename OnRow>
void read_table(LineReader& in, bool header, const char* expected, OnRow on_row) {
  std::string line;
  size_t width = 0;
  int64_t rows = 0;
  while (in.next(line)) {
    if (header && in.line_number() == 1) continue;
    if (fields::is_blank_or_comment(line)) continue;
    const auto f = fields::split(line, /*commas=*/true);
    if (f.empty()) in.fail(std::string("malformed line: only separators, expected ") + expected);
    if (width == 0) width = f.size();
    if (f.size() != width)
      in.fail("wrong column count: " + std::to_string(f.size()) + " field(s), expected " +
              std::to_string(width) + " as on the first line");
    on_row(f);
    ++rows;
  }
  if (in.line_number() == 0) in.fail_at(1, std::string("file is empty, expected ") + expected);
  if (rows == 0) in.fail(std::string("file has no data lines, expected ") + expected);
}

}  // namespace

GraphData load_edge_list(const std::string& edges_path, const std::string& nodes_path,
                         const EdgeListOptions& options) {
  // Nodes first, so that edges can be checked against them.
  std::vector<float> feats, labels;
  int64_t width = -1, max_label = -1;
  if (!nodes_path.empty()) {
    LineReader in(nodes_path);
    read_table(
        in, options.nodes_header, "one node per line: [features...] label",
        [&](const std::vector<std::string_view>& f) {
          width = static_cast<int64_t>(f.size()) - 1;
          for (size_t k = 0; k + 1 < f.size(); ++k) {
            float v;
            if (!fields::parse(f[k], v))
              in.fail("malformed line: feature " + std::to_string(k + 1) + " is " +
                      quote_excerpt(f[k]) + ", not a number");
            feats.push_back(v);
          }
          int64_t c;
          if (!fields::parse(f.back(), c))
            in.fail("malformed line: label " + quote_excerpt(f.back()) + " is not an integer");
          if (c >= kMaxClasses)
            in.fail("label " + std::to_string(c) + " is too large (class indices are below " +
                    std::to_string(kMaxClasses) + ")");
          if (c < -1 || (options.num_classes > 0 && c >= options.num_classes))
            in.fail("unknown label " + std::to_string(c) + " (classes are 0.." +
                    (options.num_classes > 0 ? std::to_string(options.num_classes - 1)
                                             : std::string("N")) +
                    ", -1 = none)");
          max_label = std::max(max_label, c);
          labels.push_back(static_cast<float>(c));
        });
  }

  LineReader ein(edges_path);
  std::vector<int64_t> src, dst;
  std::vector<float> weights;
  const auto n_known = static_cast<int64_t>(labels.size());
  read_table(ein, false, "one edge per line: u v [weight]",
             [&](const std::vector<std::string_view>& f) {
               if (f.size() != 2 && f.size() != 3)
                 ein.fail("malformed line: " + std::to_string(f.size()) +
                          " field(s), expected 'u v' or 'u v weight'");
               int64_t u, v;
               if (!fields::parse(f[0], u) || !fields::parse(f[1], v) || u < 0 || v < 0)
                 ein.fail("malformed line: node indices must be integers >= 0, found " +
                          quote_excerpt(f[0]) + " " + quote_excerpt(f[1]));
               for (int64_t x : {u, v}) {
                 if (x >= kMaxGraphIndex)
                   ein.fail("node index " + std::to_string(x) + " is too large (at most " +
                            std::to_string(kMaxGraphIndex - 1) + ")");
                 if (!nodes_path.empty() && x >= n_known)
                   ein.fail("node " + std::to_string(x) + " has no row in " + nodes_path + " (" +
                            std::to_string(n_known) + " nodes)");
               }
               if (f.size() == 3) {
                 float w;
                 if (!fields::parse(f[2], w))
                   ein.fail("malformed line: weight " + quote_excerpt(f[2]) + " is not a number");
                 weights.push_back(w);
               }
               src.push_back(u);
               dst.push_back(v);
             });

  GraphData g;
  int64_t n = n_known;
  if (nodes_path.empty()) {
    for (size_t i = 0; i < src.size(); ++i) n = std::max({n, src[i] + 1, dst[i] + 1});
    labels.assign(n, -1.0f);
    width = 0;
  }
  if (width > 0) {
    g.features = from_vector(feats, {n, width});
  } else {
    if (n > kMaxDenseFeatures / std::max<int64_t>(n, 1))
      throw DataError(nodes_path.empty() ? edges_path : nodes_path, 0,
                      "no feature columns, and identity features for " + std::to_string(n) +
                          " nodes would be " + std::to_string(n) + " x " + std::to_string(n) +
                          " values, more than " + std::to_string(kMaxDenseFeatures) +
                          ": give the nodes file feature columns");
    g.features = zeros({n, n});
    for (int64_t i = 0; i < n; ++i) g.features.data()[i * n + i] = 1.0f;
  }
  g.labels = from_vector(labels, {n});
  const int64_t c = options.num_classes > 0 ? options.num_classes : max_label + 1;
  for (int64_t k = 0; k < c; ++k) g.class_names.push_back(std::to_string(k));
  for (int64_t i = 0; i < n; ++i) g.node_names.push_back(std::to_string(i));
  set_edges(g, src, dst, weights, options.edges);
  return g;
}

}  // namespace attend
