// HTML character references in corpus text, as Moses' escape-special-chars.perl and web scrapes
// leave them: "&quot;" "&amp;" "&apos;" "&lt;" "&gt;" and numeric ones ("&#124;", "&#x5B;").
// Multi30k's raw training files hold "&amp;"; Moses-tokenised corpora hold "&apos;" and
// "&quot;". Unescaped before tokenising, they reach the model as the characters they stand for
// instead of as "&" "quot" ";" (which a detokeniser then prints as "& quot;").
#pragma once

#include <string>
#include <string_view>

namespace attend {

// One left-to-right pass: each reference becomes its character, so "&amp;quot;" is "&quot;" (as a
// browser shows it), not '"'. Left as they are: other named references, numeric ones for 0,
// surrogates or above U+10FFFF, and a '&' that starts no reference.
std::string unescape_html(std::string_view text);

}  // namespace attend
