#!/usr/bin/env bash
# End to end: `attend score` against sacreBLEU's own published numbers (its README's two-reference
# example prints "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17
# ref_len = 18)"), case-insensitive BLEU, ROUGE with several references, gzip input, and AESLC's
# three test annotations when ../shared/datasets is there.
# Usage: test_score_cli.sh PATH/TO/attend
set -u
attend=$1
source "$(dirname "$0")/cli_test_lib.sh"  # fail, ok, bad, check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n" >"$tmp/hyp"
printf 'The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n' >"$tmp/ref1"
printf 'The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.\n' >"$tmp/ref2"

out=$("$attend" score --hyp "$tmp/hyp" --ref "$tmp/ref1" --ref "$tmp/ref2" -w 2 2>&1)
check "two references as sacreBLEU" \
  "BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:attend-" "$out"
check "two references: sacreBLEU's statistics" \
  " = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)" "$out"
check "ROUGE with several references" "ROUGE|nrefs:2|multi:max|case:lc|tok:rouge-score|stem:no = rouge1 " "$out"
[[ $(printf '%s\n' "$out" | wc -l) -eq 2 ]] && ok "one line per metric" || bad "expected 2 lines: $out"

# Case: "THE DOG BIT THE MAN." matches only "." cased (1 of 6 tokens; exp smoothing for the
# orders without a match: 100/(2*5), 100/(4*4), 100/(8*3)), everything lowercased.
printf 'THE DOG BIT THE MAN.\n' >"$tmp/upper"
printf 'The dog bit the man.\n' >"$tmp/one"
out=$("$attend" score --hyp "$tmp/upper" --ref "$tmp/one" --metric bleu 2>&1)
check "cased BLEU: case:mixed" "|case:mixed|" "$out"
check "cased BLEU of an uppercased sentence" " = 8.1 16.7/10.0/6.2/4.2 (BP = 1.000" "$out"
out=$("$attend" score --hyp "$tmp/upper" --ref "$tmp/one" --metric bleu --lowercase 2>&1)
check "--lowercase: case:lc and a perfect score" "|case:lc|" "$out"
check "--lowercase: a perfect score" " = 100.0 100.0/100.0/100.0/100.0" "$out"
out=$("$attend" score --hyp "$tmp/upper" --ref "$tmp/one" --metric rouge 2>&1)
check "ROUGE lowercases anyway" "= rouge1 100.00 rouge2 100.00 rougeL 100.00" "$out"
[[ $out != *BLEU* ]] && ok "--metric rouge prints only ROUGE" || bad "--metric rouge printed BLEU"

# gzip references and a blank hypothesis line (an empty output scores nothing but keeps its place).
printf 'The dog bit the man.\n\nThe man had just bitten him.\n' >"$tmp/gap"
gzip -c "$tmp/ref1" >"$tmp/ref1.gz"
out=$("$attend" score --hyp "$tmp/gap" --ref "$tmp/ref1.gz" --metric bleu 2>&1); rc=$?
[[ $rc -eq 0 ]] && ok "a blank hypothesis line and a .gz reference" || bad "exit $rc: $out"
check "the blank line counts as an empty output" "hyp_len = 13 " "$out"

aeslc=$(dirname "$0")/../../../shared/datasets/aeslc
if [[ -f $aeslc/test.ann0.txt ]]; then
  # The senders' own subject lines against the three annotators': a human baseline.
  out=$("$attend" score --hyp "$aeslc/test.subject.txt" --ref "$aeslc/test.ann0.txt" \
    --ref "$aeslc/test.ann1.txt" --ref "$aeslc/test.ann2.txt" 2>&1)
  check "AESLC: three references" "ROUGE|nrefs:3|multi:max" "$out"
  echo "$out"
else
  echo "skipped: $aeslc is not there"
fi
exit $fail
