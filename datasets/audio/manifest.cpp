// Speech manifest loader (see manifest.h).
#include "datasets/audio/manifest.h"

#include <algorithm>
#include <filesystem>

#include "datasets/audio/transcript.h"
#include "datasets/line_reader.h"

namespace attend::audio {

namespace {

bool skipped(const std::string& line) {
  return line.empty() || line[0] == '#';
}

}  // namespace

std::vector<ManifestEntry> load_manifest(const std::string& path) {
  LineReader in(path);
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::vector<ManifestEntry> out;
  std::string line;
  while (in.next(line)) {
    if (skipped(line)) continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos)
      in.fail("expected 'path<TAB>transcript', found no tab: " + quote_excerpt(line));
    if (line.find('\t', tab + 1) != std::string::npos)
      in.fail("expected 'path<TAB>transcript', found more than one tab: " + quote_excerpt(line));
    ManifestEntry e;
    e.audio = line.substr(0, tab);
    e.transcript = normalize_transcript(std::string_view(line).substr(tab + 1));
    e.line = in.line_number();
    if (e.audio.empty()) in.fail("empty audio path");
    if (e.transcript.empty()) in.fail("empty transcript for " + quote_excerpt(e.audio));
    try {
      transcript_characters(e.transcript);
    } catch (const DataError& err) {
      in.fail(err.what());
    }
    const std::filesystem::path p(e.audio);
    e.resolved = (p.is_absolute() ? p : dir / p).lexically_normal().string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(e.resolved, ec))
      in.fail(
          std::string("audio file ") + quote_excerpt(e.audio, 200) +
          (std::filesystem::exists(e.resolved, ec) ? " is not a regular file" : " does not exist") +
          " (looked for " + e.resolved + ")");
    out.push_back(std::move(e));
  }
  if (out.empty())
    in.fail_at(std::max<int64_t>(1, in.line_number()),
               "no utterances (expected lines 'path<TAB>transcript')");
  return out;
}

bool looks_like_manifest(const std::string& path) {
  try {
    LineReader in(path);
    std::string line;
    while (in.next(line)) {
      if (skipped(line)) continue;
      const size_t tab = line.find('\t');
      return tab != std::string::npos && has_audio_extension(line.substr(0, tab));
    }
  } catch (const DataError&) {
  }
  return false;
}

std::vector<AudioClip> read_manifest_audio(const std::string& manifest,
                                           const std::vector<ManifestEntry>& entries,
                                           const FeaturePipeline& pipeline) {
  std::vector<AudioClip> clips;
  clips.reserve(entries.size());
  for (const ManifestEntry& e : entries) {
    AudioClip c;
    try {
      c.samples = pipeline.read(e.resolved).samples;
    } catch (const DataError& err) {
      throw DataError(manifest, e.line, err.what());
    }
    c.id = e.audio;
    c.transcript = e.transcript;
    c.source = manifest;
    c.line = e.line;
    clips.push_back(std::move(c));
  }
  return clips;
}

}  // namespace attend::audio
