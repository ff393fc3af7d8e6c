#!/usr/bin/env bash
# --profile: a root option that works before or after the subcommand, prints the op table (forward
# and backward calls and times per op) to stderr after the command, leaves stdout alone, and its
# percentages add up to 100.
# Usage: test_profile_cli.sh PATH/TO/attend
set -u
attend=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/cli_test_lib.sh"  # fail, ok, bad, check
tiny_s2s=(--model seq2seq --embedding 16 --hidden 24 --batch-size 16 --eval-examples 8
          --max-decode-length 8 --progress lines --samples 0 --seed 3 --max-steps 4)

# The profile table of a stderr file: the lines after the "profile (" header.
table() { sed -n '/^profile (/,$p' "$1"; }
# The op row's field N (1 = op name) for op $2 in table file $1.
field() { table "$1" | awk -v op="$2" -v n="$3" '$1 == op { print $n; exit }'; }

check_table() {  # check_table NAME STDOUT_FILE STDERR_FILE
  local name=$1 out=$2 err=$3
  if table "$err" | grep -q '^op .*fwd calls .*bwd calls .*total ms'; then ok "$name: table header"
  else bad "$name: no table header on stderr"; tail -5 "$err"; fi
  if grep -q '^profile (' "$out"; then bad "$name: the table went to stdout"; else ok "$name: stdout has no table"; fi
  local fc bc
  fc=$(field "$err" matmul 2)
  bc=$(field "$err" matmul 4)
  if [[ "$fc" =~ ^[0-9]+$ && "$bc" =~ ^[0-9]+$ && $fc -gt 0 && $bc -gt 0 ]]; then
    ok "$name: matmul row has forward ($fc) and backward ($bc) calls"
  else
    bad "$name: matmul row lacks forward/backward calls: '$fc' '$bc'"; table "$err" | head -20
  fi
  # Every op row and the outside row end in a percentage; without the wall line they sum to 100.
  local sum
  sum=$(table "$err" | awk '/%$/ && $1 != "wall" && $1 != "op" { v = $NF; sub(/%/, "", v); s += v } END { printf "%.1f", s }')
  if awk -v s="$sum" 'BEGIN { exit !(s > 99 && s < 101) }'; then ok "$name: percentages sum to $sum"
  else bad "$name: percentages sum to $sum, not ~100"; table "$err"; fi
  if table "$err" | grep -q '^(outside ops'; then ok "$name: a row for time outside ops"
  else bad "$name: no row for time outside ops"; fi
}

# After the subcommand (CLI11 fallthrough to the root option) and before it.
"$attend" train "${tiny_s2s[@]}" --out "$tmp/a" --profile >"$tmp/a.out" 2>"$tmp/a.err" \
  && ok "train ... --profile exits 0" || { bad "train ... --profile exited $?"; tail "$tmp/a.err"; }
check_table "train ... --profile" "$tmp/a.out" "$tmp/a.err"
grep -q "test: bleu" "$tmp/a.out" "$tmp/a.err" && ok "the run itself still reports" || bad "no test BLEU"
# A diagnostic of this invocation, not an option of the run: --resume must not profile unasked.
grep -q profile "$tmp/a/config.toml" && bad "config.toml records --profile" || ok "config.toml leaves --profile out"

"$attend" --profile train "${tiny_s2s[@]}" --out "$tmp/b" >"$tmp/b.out" 2>"$tmp/b.err" \
  && ok "--profile train ... exits 0" || { bad "--profile train ... exited $?"; tail "$tmp/b.err"; }
check_table "--profile train ..." "$tmp/b.out" "$tmp/b.err"

# Without --profile: no table, and the profiler costs nothing visible.
"$attend" train "${tiny_s2s[@]}" --out "$tmp/c" >"$tmp/c.out" 2>"$tmp/c.err" || bad "plain train exited $?"
if grep -q '^profile (' "$tmp/c.out" "$tmp/c.err"; then bad "a table without --profile"; else ok "no table without --profile"; fi

# A command with no ops: only the outside row, still 100%.
"$attend" models --profile >"$tmp/m.out" 2>"$tmp/m.err" && ok "models --profile exits 0" || bad "models --profile exited $?"
grep -q '^(outside ops.* 100\.0%$' "$tmp/m.err" && ok "models: all time outside ops" || { bad "models: table"; cat "$tmp/m.err"; }

# The fallthrough must not swallow mistakes: an unknown option after a subcommand is still one
# error line and exit 2, and --profile takes no value.
"$attend" train --no-such-option >"$tmp/e.out" 2>"$tmp/e.err"
rc=$?
if [[ $rc -eq 2 && $(wc -l <"$tmp/e.err") -eq 1 ]] && grep -q '^error: .*--no-such-option' "$tmp/e.err"; then
  ok "unknown option after the subcommand: one error line, exit 2"
else
  bad "unknown option: exit $rc, stderr: $(cat "$tmp/e.err")"
fi
"$attend" --profile=maybe models >"$tmp/v.out" 2>"$tmp/v.err"
rc=$?
if [[ $rc -eq 2 && $(wc -l <"$tmp/v.err") -eq 1 ]] && grep -q '^error: .*profile' "$tmp/v.err"; then
  ok "--profile=maybe: one error line, exit 2"
else
  bad "--profile=maybe: exit $rc, stderr: $(cat "$tmp/v.err")"
fi

exit $fail
