// Scoring a file of hypotheses against one or more reference files, as `attend score` does and as
// sacreBLEU's command line (`sacrebleu REF1 REF2 -i HYP`) and rouge-score's score_multi would:
// line k of every file is one segment. BLEU is corpus BLEU-4 with several references
// (metrics.h); ROUGE-1/2/L take each segment's best reference per type.
#pragma once
#include <string>
#include <vector>

#include "trainers/tasks/metrics.h"

namespace attend {

struct ScoreFilesOptions {
  bool bleu = true, rouge = true;
  BleuOptions bleu_options;
};

struct FileScores {
  size_t segments = 0, references = 0;  // lines per file, reference files
  BleuScore bleu;                       // when asked for
  RougeScore rouge;                     // when asked for (F1, 0-1)
};

// Reads the files (plain or gzip, UTF-8) and scores them. Throws DataError naming the file and
// line when a reference file is shorter or longer than the hypotheses (the first line one of them
// lacks), when every reference of a line is empty (BLEU needs one), on invalid UTF-8 or binary
// data, or when the hypothesis file is empty. An empty hypothesis line is an empty output (it
// scores nothing), as sacreBLEU counts it.
FileScores score_files(const std::string& hypotheses, const std::vector<std::string>& references,
                       const ScoreFilesOptions& options = {});

// "ROUGE|nrefs:3|multi:max|case:lc|tok:rouge-score|stem:no = rouge1 23.67 rouge2 10.29 rougeL
// 23.44": F1 x 100 with two decimals; rouge-score always lowercases and has no signature of its
// own, so this one says in sacreBLEU's style what was computed.
std::string format_rouge(const RougeScore& score, size_t num_references);

}  // namespace attend
