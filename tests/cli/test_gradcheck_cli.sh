#!/usr/bin/env bash
# End to end: `attend gradcheck` as a user runs it — the full table and summary, one check by
# name, several by substring, --list, the tolerance options, an unknown name (one error line,
# exit 2), and exit code 1 when a check fails (tolerances too tight to pass).
# Usage: test_gradcheck_cli.sh PATH/TO/attend
set -u
attend=$1
source "$(dirname "$0")/cli_test_lib.sh"  # fail, check
rc_is() {  # rc_is DESCRIPTION EXPECTED ACTUAL
  if [[ $2 -ne $3 ]]; then echo "FAIL: $1: exit code $3, expected $2"; fail=1; else echo "ok: $1"; fi
}

# Everything: a header, one row per op or layer descriptor (all its samples), sorted by ratio, and
# the summary.
out=$("$attend" gradcheck 2>&1); rc=$?
rc_is "all checks pass" 0 $rc
check "table header" "name" "$(head -1 <<<"$out")"
for col in kind samples checked 'worst |analytic-numeric|' at sample 'ratio to tolerance' ok; do check "header column $col" "$col" "$(head -1 <<<"$out")"; done
check "an op row" "matmul " "$out"
check "a layer row" "MultiheadAttention " "$out"
n=$("$attend" gradcheck --list | wc -l)
rows=$(tail -n +3 <<<"$out" | grep -cE " (ok|FAIL)$")
[[ $rows -eq $n && $n -ge 80 ]] && echo "ok: one row per check ($n)" || { echo "FAIL: $rows rows for $n checks"; fail=1; }
summary=$(tail -1 <<<"$out")
[[ $summary =~ ^$n\ checks,\ $n\ passed,\ worst\ ratio\ [0-9.]+\ \(.+\)$ ]] \
  && echo "ok: summary '$summary'" || { echo "FAIL: summary '$summary'"; fail=1; }
# Sorted by the ratio column (second to last), worst first; the summary names the first row.
ratios=$(tail -n +3 <<<"$out" | grep -E " (ok|FAIL)$" | awk "{print \$(NF-1)}")
[[ $ratios == "$(sort -g -r <<<"$ratios")" ]] && echo "ok: sorted by worst ratio" || { echo "FAIL: not sorted"; fail=1; }
first=$(sed -n 3p <<<"$out" | awk '{print $1}')
check "summary names the worst check" "($first)" "$summary"
for kind in op layer; do
  grep -qE "^[^ ]+ +$kind " <<<"$out" && echo "ok: has $kind rows" || { echo "FAIL: no $kind rows"; fail=1; }
done

# One by exact name; several by substring.
out=$("$attend" gradcheck layer_norm 2>&1); rc=$?
rc_is "one check" 0 $rc
check "one check's summary" "1 check, 1 passed, worst ratio" "$out"
check "its row" "layer_norm  op" "$out"
out=$("$attend" gradcheck gru 2>&1)
for n in gru_cell GRUCell GRU; do check "'gru' selects $n" "$n " "$out"; done
check "--list prints names and kinds" "edge_softmax" "$("$attend" gradcheck --list edge)"

# Unknown name: one line naming it and close names, exit 2.
out=$("$attend" gradcheck sofmax 2>&1); rc=$?
rc_is "unknown name" 2 $rc
[[ $(wc -l <<<"$out") -eq 1 ]] && echo "ok: one line" || { echo "FAIL: not one line: $out"; fail=1; }
check "names the name" "error: " "$out"
check "names the name" "'sofmax'" "$out"
check "suggests close names" "softmax" "$out"

# Tolerances too tight for float32: the checks fail, the table says where, exit code 1.
out=$("$attend" gradcheck tanh sigmoid --atol 1e-12 --rtol 0 2>&1); rc=$?
rc_is "failing checks" 1 $rc
check "failed row" "FAIL" "$out"
check "failure message" "gradcheck failed: worst element is input 0 at index" "$out"
check "summary counts" "2 checks, 0 passed" "$out"
# --seed changes the cotangent, so the worst error moves; --eps changes the step.
a=$("$attend" gradcheck exp --seed 1 | sed -n 3p); b=$("$attend" gradcheck exp --seed 2 | sed -n 3p)
[[ "$a" != "$b" ]] && echo "ok: --seed is used" || { echo "FAIL: --seed changes nothing: $a"; fail=1; }
a=$("$attend" gradcheck exp --eps 0.001 | sed -n 3p)
[[ "$a" != "$b" ]] && echo "ok: --eps is used" || { echo "FAIL: --eps changes nothing"; fail=1; }
exit $fail
