// Speech manifests, as LibriSpeech and Common Voice recipes write them: a UTF-8 text file, one
// utterance per line, "path<TAB>transcript". Paths are relative to the manifest's directory (or
// absolute); empty lines and lines starting with '#' are skipped. Every entry's audio file must
// exist when the manifest is loaded, so a typo fails at once, naming the manifest line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/audio/speech_data.h"

namespace attend::audio {

struct ManifestEntry {
  std::string audio;       // path as written in the manifest
  std::string resolved;    // the path attend opens
  std::string transcript;  // whitespace collapsed and trimmed
  int64_t line = 0;
};

// Throws DataError "MANIFEST:LINE: ..." for a line without exactly one tab, an empty path or
// transcript, invalid UTF-8, or a missing audio file; "MANIFEST: ..." when there are no entries.
std::vector<ManifestEntry> load_manifest(const std::string& path);

// True when the file's first entry line looks like "AUDIO.wav<TAB>...": a speech manifest rather
// than a TSV of sentence pairs (used by `attend datasets show`). Never throws; false when the
// file cannot be read.
bool looks_like_manifest(const std::string& path);

// Reads every entry's audio at the pipeline's rate. A file that cannot be read, or is too short,
// is a DataError "MANIFEST:LINE: AUDIO: what is wrong".
std::vector<AudioClip> read_manifest_audio(const std::string& manifest,
                                           const std::vector<ManifestEntry>& entries,
                                           const FeaturePipeline& pipeline);

}  // namespace attend::audio
