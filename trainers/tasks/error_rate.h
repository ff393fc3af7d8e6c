// Character and word error rates of a speech recogniser, counted as NIST's sclite and jiwer count
// them: align each hypothesis with its reference by minimum edit distance (substitution, deletion
// and insertion each cost 1), then
//   error rate = (substitutions + deletions + insertions) / reference length,
// summed over the corpus before dividing (so long utterances weigh more, and the rate can exceed
// 1 when the recogniser inserts a lot). Among alignments of minimum distance the one with the most
// hits is counted, which fixes how the errors split into S, D and I (jiwer's documented example:
// "short one here" / "shoe order one" is 1 insertion, 1 substitution, 1 deletion, not 3
// substitutions).
//
// Text is compared as jiwer's default transforms leave it: runs of whitespace count as one space
// and leading and trailing whitespace is dropped. Characters are Unicode code points, spaces
// included ("This is a test" has 14); words are the whitespace-separated tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attend {

struct ErrorCounts {
  int64_t hits = 0, substitutions = 0, deletions = 0, insertions = 0;
  int64_t errors() const { return substitutions + deletions + insertions; }
  int64_t reference_length() const { return hits + substitutions + deletions; }
  // errors / reference length; NaN for an empty reference (undefined, as jiwer refuses it).
  double rate() const;
  ErrorCounts& operator+=(const ErrorCounts& o);
};

// The counts of the best alignment of two token sequences.
ErrorCounts align_counts(const std::vector<std::string>& reference,
                         const std::vector<std::string>& hypothesis);

// Code points of whitespace-normalised text ("a  b " -> a, space, b), and its words.
std::vector<std::string> error_rate_characters(std::string_view text);
std::vector<std::string> error_rate_words(std::string_view text);

// Corpus-level counts: the sums over every (reference, hypothesis) pair. Throws
// std::invalid_argument on a size mismatch or invalid UTF-8 (naming the pair).
ErrorCounts character_errors(const std::vector<std::string>& references,
                             const std::vector<std::string>& hypotheses);
ErrorCounts word_errors(const std::vector<std::string>& references,
                        const std::vector<std::string>& hypotheses);

}  // namespace attend
