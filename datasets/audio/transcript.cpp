// Transcripts as characters (see transcript.h).
#include "datasets/audio/transcript.h"

#include "datasets/data_error.h"
#include "datasets/utf8.h"

namespace attend::audio {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string normalize_transcript(std::string_view text) {
  std::string out;
  bool gap = false;
  for (char c : text) {
    if (is_space(c)) {
      gap = !out.empty();
      continue;
    }
    if (gap) out += ' ';
    gap = false;
    out += c;
  }
  return out;
}

std::vector<std::string> transcript_characters(std::string_view text) {
  if (const size_t bad = utf8::find_invalid(text); bad != utf8::npos)
    throw DataError("transcript " + quote_excerpt(text) + ": " + utf8::describe_invalid(text, bad));
  const std::string norm = normalize_transcript(text);
  if (norm.find(kWordBoundary) != std::string::npos)
    throw DataError("transcript " + quote_excerpt(text) + " contains the word-boundary token " +
                    kWordBoundary + " (U+2581)");
  std::vector<std::string> out;
  for (size_t pos = 0; pos < norm.size();) {
    const size_t start = pos;
    utf8::decode(norm, pos);
    if (norm[start] == ' ')
      out.emplace_back(kWordBoundary);
    else
      out.emplace_back(norm.substr(start, pos - start));
  }
  return out;
}

std::string characters_to_text(const std::vector<std::string>& chars) {
  std::string out;
  for (const std::string& c : chars) out += c == kWordBoundary ? std::string(" ") : c;
  return out;
}

}  // namespace attend::audio
