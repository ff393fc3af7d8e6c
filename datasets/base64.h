// Base64 (RFC 4648, standard alphabet, '=' padding): how binary blobs such as a SentencePiece
// model travel inside a checkpoint's JSON metadata, which holds only text.
#pragma once

#include <string>
#include <string_view>

namespace attend {

std::string base64_encode(std::string_view bytes);

// Strict: throws DataError naming the first offending character's position on a character outside
// the alphabet, a length that is not a multiple of 4, or misplaced padding. No whitespace allowed.
std::string base64_decode(std::string_view text);

}  // namespace attend
