#include "cli/score_cmd.h"

#include <cstdio>

#include "trainers/tasks/scoring.h"

namespace attend::cli {

void add_score_command(CLI::App& root, ScoreCommand& c) {
  c.app = root.add_subcommand(
      "score",
      "Score outputs against one or more line-aligned reference files: BLEU as sacreBLEU, "
      "ROUGE-1/2/L as rouge-score");
  c.app->add_option("--hyp", c.hypotheses, "The outputs, one per line (plain or .gz)")
      ->required()
      ->check(CLI::ExistingFile);
  c.app
      ->add_option("--ref", c.references,
                   "A reference file, line-aligned with --hyp; repeat it for several references")
      ->required()
      ->check(CLI::ExistingFile)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  c.app
      ->add_option("--metric", c.metric,
                   "bleu (corpus BLEU-4, 13a, exp smoothing; an n-gram's match clipped by its "
                   "count in any one reference, the closest reference length), rouge (F1; the "
                   "best reference per line and type, as rouge-score's score_multi) or all")
      ->check(CLI::IsMember({"bleu", "rouge", "all"}))
      ->capture_default_str();
  c.app->add_flag("--lowercase,-l", c.lowercase,
                  "Case-insensitive BLEU (sacreBLEU's -lc; the signature says case:lc)");
  c.app->add_option("--width,-w", c.width, "Decimals of the BLEU score (sacreBLEU's -w)")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
}

int run_score(const ScoreCommand& c) {
  ScoreFilesOptions o;
  o.bleu = c.metric != "rouge";
  o.rouge = c.metric != "bleu";
  o.bleu_options.lowercase = c.lowercase;
  const FileScores s = score_files(c.hypotheses, c.references, o);
  if (o.bleu)
    std::printf("%s\n",
                format_bleu(s.bleu, bleu_signature(s.references, o.bleu_options), c.width).c_str());
  if (o.rouge) std::printf("%s\n", format_rouge(s.rouge, s.references).c_str());
  return 0;
}

}  // namespace attend::cli
