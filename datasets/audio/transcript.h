// Transcripts as characters: the output units of a character-level recogniser. Spaces become the
// visible word-boundary token "▁" (U+2581, SentencePiece's marker), since a vocabulary token may
// not contain whitespace; runs of whitespace count as one space, and leading or trailing ones are
// dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace attend::audio {

inline constexpr const char* kWordBoundary = "\u2581";

// "three one" -> t h r e e ▁ o n e (one string per UTF-8 code point). Throws DataError on invalid
// UTF-8 or a transcript holding "▁" itself.
std::vector<std::string> transcript_characters(std::string_view text);

// The inverse: characters joined, "▁" back to a space.
std::string characters_to_text(const std::vector<std::string>& chars);

// Whitespace collapsed and trimmed, as transcript_characters sees the text.
std::string normalize_transcript(std::string_view text);

}  // namespace attend::audio
