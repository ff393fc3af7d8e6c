// LINQS content/cites reader (see load_linqs.h).
#include "datasets/load_linqs.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "datasets/fields.h"
#include "datasets/line_reader.h"

namespace attend {

namespace {

struct Paper {
  std::string id;
  std::string label;
  int64_t line;
};

}  // namespace

GraphData load_linqs(const std::string& content_path, const std::string& cites_path,
                     const LinqsOptions& options) {
  // Content: rows of features are appended to one buffer; its width is fixed by line 1.
  LineReader content(content_path);
  std::vector<Paper> papers;
  std::vector<float> feats;
  std::unordered_map<std::string, int64_t> node_of;
  size_t width = 0;
  std::string line;
  while (content.next(line)) {
    if (line.empty()) continue;
    const auto f = fields::split(line);
    if (width == 0) {
      if (f.size() < 3)
        content.fail("malformed line: " + std::to_string(f.size()) +
                     " field(s), expected <paper id> <features...> <label>");
      width = f.size();
    } else if (f.size() != width) {
      content.fail("wrong column count: " + std::to_string(f.size()) + " fields, expected " +
                   std::to_string(width) + " as on the first line");
    }
    for (size_t k = 1; k + 1 < f.size(); ++k) {
      float v;
      if (!fields::parse(f[k], v))
        content.fail("malformed line: feature " + std::to_string(k) + " is " + quote_excerpt(f[k]) +
                     ", not a number");
      feats.push_back(v);
    }
    Paper p{std::string(f.front()), std::string(f.back()), content.line_number()};
    if (!options.classes.empty() &&
        std::find(options.classes.begin(), options.classes.end(), p.label) == options.classes.end())
      content.fail("unknown label " + quote_excerpt(p.label) + " (not among the " +
                   std::to_string(options.classes.size()) + " given classes)");
    if (auto [it, fresh] = node_of.emplace(p.id, static_cast<int64_t>(papers.size())); !fresh)
      content.fail("paper id " + quote_excerpt(p.id) + " repeated (first on line " +
                   std::to_string(papers[it->second].line) + ")");
    papers.push_back(std::move(p));
  }
  if (papers.empty()) content.fail_at(1, "file is empty, expected one paper per line");

  GraphData g;
  const auto n = static_cast<int64_t>(papers.size());
  const auto nf = static_cast<int64_t>(width - 2);
  g.features = Tensor::empty({n, nf});
  std::copy(feats.begin(), feats.end(), g.features.data());
  if (options.classes.empty()) {
    std::set<std::string> names;
    for (const auto& p : papers) names.insert(p.label);
    g.class_names.assign(names.begin(), names.end());
  } else {
    g.class_names = options.classes;
  }
  g.labels = Tensor::empty({n});
  for (int64_t i = 0; i < n; ++i) {
    const auto it = std::find(g.class_names.begin(), g.class_names.end(), papers[i].label);
    g.labels.data()[i] = static_cast<float>(it - g.class_names.begin());
    g.node_names.push_back(std::move(papers[i].id));
  }

  LineReader cites(cites_path);
  std::vector<int64_t> src, dst;
  int64_t skipped = 0;
  while (cites.next(line)) {
    if (line.empty()) continue;
    const auto f = fields::split(line);
    if (f.size() != 2)
      cites.fail("wrong column count: " + std::to_string(f.size()) +
                 " field(s), expected <cited paper id> <citing paper id>");
    const auto cited = node_of.find(std::string(f[0]));
    const auto citing = node_of.find(std::string(f[1]));
    if (cited == node_of.end() || citing == node_of.end()) {
      if (options.skip_unknown_papers) {
        ++skipped;
        continue;
      }
      const bool is_cited = cited == node_of.end();
      cites.fail(std::string(is_cited ? "cited" : "citing") + " paper id " +
                 quote_excerpt(is_cited ? f[0] : f[1]) + " has no node (no line in " +
                 content_path + ")");
    }
    src.push_back(citing->second);  // the link is citing -> cited
    dst.push_back(cited->second);
  }
  if (cites.line_number() == 0) cites.fail_at(1, "file is empty, expected one link per line");
  set_edges(g, src, dst, {}, options.edges);
  g.edge_stats.skipped_unknown = skipped;
  return g;
}

}  // namespace attend
