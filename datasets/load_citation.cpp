// Chooses between the LINQS and Planetoid readers (see load_citation.h).
#include "datasets/load_citation.h"

#include <filesystem>

#include "datasets/load_linqs.h"
#include "datasets/load_planetoid.h"

namespace attend {

GraphData load_citation_dataset(const std::string& root, const std::string& name,
                                const CitationOptions& options) {
  if (options.split == CitationSplit::kPlanetoid)
    return load_planetoid_txt(root + "/planetoid_txt", name, options.edges);
  std::string content = root + "/linqs/" + name + ".content";
  // Citeseer's content is stored gzipped; LineReader says what to do if it cannot read it.
  if (!std::filesystem::exists(content) && std::filesystem::exists(content + ".gz"))
    content += ".gz";
  LinqsOptions lo;
  lo.edges = options.edges;
  lo.skip_unknown_papers = options.skip_unknown_papers;
  GraphData g = load_linqs(content, root + "/linqs/" + name + ".cites", lo);
  if (options.split == CitationSplit::kRandom) set_random_split(g, 20, 500, 1000, options.seed);
  return g;
}

bool is_citation_directory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  return fs::is_directory(dir, ec) && (fs::exists(fs::path(dir) / "linqs", ec) ||
                                       fs::exists(fs::path(dir) / "planetoid_txt", ec));
}

GraphData load_citation_directory(const std::string& dir, const CitationOptions& options) {
  std::filesystem::path p = std::filesystem::path(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return load_citation_dataset(p.string(), p.filename().string(), options);
}

}  // namespace attend
