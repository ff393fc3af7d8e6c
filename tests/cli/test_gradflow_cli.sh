#!/usr/bin/env bash
# End to end: a tiny `attend gradflow` run prints both tables, writes gradflow.svg, accuracy.svg
# and gradflow.json, shows progress on stderr, and refuses to write into a non-empty --out
# without --overwrite.
# Usage: test_gradflow_cli.sh PATH/TO/attend
set -u
attend=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/cli_test_lib.sh"  # fail, check
tiny=(gradflow --lengths 3,6 --hidden 8 --steps 4 --batch-size 8 --encoders rnn,gru,attention)
out=$("$attend" "${tiny[@]}" --progress lines --out "$tmp/run" 2>"$tmp/err") || { echo "FAIL: exited $?"; cat "$tmp/err"; fail=1; }
err=$(cat "$tmp/err")
check "gradient table header" "distance  rnn init  rnn trained  gru init  gru trained  attention init  attention trained" "$out"
check "gradient table names L" "by distance from the output (L+1-t), L = 6" "$out"
check "gradient table has the farthest bucket" $'\n4-6 ' "$out"
check "accuracy table header" "L    rnn    gru  attention  chance" "$out"
check "accuracy table row per length" $'\n6  ' "$out"
check "chance is 1/8" "0.125" "$out"
check "progress on stderr" "gradflow 100% " "$err"
check "files named" "gradflow.json" "$out"
for f in gradflow.svg accuracy.svg; do
  head -c 200 "$tmp/run/$f" | grep -q '<svg' || { echo "FAIL: $f is not an SVG"; fail=1; }
  grep -q '</svg>' "$tmp/run/$f" || { echo "FAIL: $f is cut short"; fail=1; }
done
grep -q 'attention trained' "$tmp/run/gradflow.svg" || { echo "FAIL: gradflow.svg lacks its legend"; fail=1; }
grep -q 'chance' "$tmp/run/accuracy.svg" || { echo "FAIL: accuracy.svg lacks the chance line"; fail=1; }
json=$(cat "$tmp/run/gradflow.json" 2>/dev/null)
check "json has the gradient per distance" '"grad_norm_by_distance"' "$json"
check "json has the config" '"lengths": [' "$json"
check "json has every encoder" '"gru": {' "$json"
# The same seed gives the same numbers.
out2=$("$attend" "${tiny[@]}" --progress off --out "$tmp/run2" 2>&1) || { echo "FAIL: second run exited $?"; fail=1; }
cmp -s <(grep -v seconds "$tmp/run/gradflow.json") <(grep -v seconds "$tmp/run2/gradflow.json") \
  || { echo "FAIL: same seed, different gradflow.json"; fail=1; }
# A non-empty --out is refused (one error line, exit 2), and kept; --overwrite writes into it.
before=$(cksum <"$tmp/run/gradflow.json")
out=$("$attend" "${tiny[@]}" --out "$tmp/run" 2>&1); rc=$?
[[ $rc -eq 2 ]] || { echo "FAIL: non-empty --out exited $rc"; fail=1; }
check "non-empty --out refused" "error: --out: $tmp/run exists and is not empty; pass --overwrite" "$out"
[[ $(cksum <"$tmp/run/gradflow.json") == "$before" ]] || { echo "FAIL: refused run changed files"; fail=1; }
"$attend" "${tiny[@]}" --progress off --seed 2 --out "$tmp/run" --overwrite >/dev/null 2>&1 || { echo "FAIL: --overwrite exited $?"; fail=1; }
grep -q '"seed": 2' "$tmp/run/gradflow.json" || { echo "FAIL: --overwrite did not rewrite"; fail=1; }
mkdir "$tmp/empty"
"$attend" "${tiny[@]}" --progress off --out "$tmp/empty" >/dev/null 2>&1 || { echo "FAIL: an empty --out was refused"; fail=1; }
[[ $fail -eq 0 ]] && echo "all gradflow CLI checks passed"
exit $fail
