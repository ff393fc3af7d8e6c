#!/usr/bin/env bash
# End to end: attend-examples (cli/main.cpp linked with the examples) trains, lists, evaluates and
# translates with the example model, gradchecks the example op and layer, and refuses bad
# hyperparameters as attend does; the plain attend binary knows none of them.
# Usage: test_examples_cli.sh PATH/TO/attend-examples PATH/TO/attend
set -u
ex=$1
attend=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../tests/cli/cli_test_lib.sh"  # fail, check
expect_exit() {  # expect_exit DESCRIPTION CODE COMMAND...
  local what=$1 want=$2; shift 2
  out=$("$@" 2>&1); local rc=$?
  if [[ $rc -ne $want ]]; then echo "FAIL: $what: exit $rc, expected $want"; echo "$out" | tail; fail=1
  else echo "ok: $what (exit $rc)"; fi
}

out=$("$ex" models 2>&1) || { echo "FAIL: models exited $?"; fail=1; }
check "models lists the example model" "seq2seq-temperature" "$out"
check "models lists its temperature" "temperature" "$out"
check "models still lists the built-in ones" "transformer" "$out"
out=$("$ex" train --help 2>&1)
check "train --help offers --temperature" "--temperature" "$out"

tiny=(--model seq2seq-temperature --embedding 16 --hidden 24 --temperature 2 --batch-size 32
      --eval-examples 10 --max-decode-length 12 --progress off --samples 1 --seed 3)
out=$("$ex" train "${tiny[@]}" --max-steps 10 --out "$tmp/run" 2>&1) || { echo "FAIL: train exited $?"; echo "$out" | tail; fail=1; }
check "train reports test BLEU" "test: bleu" "$out"
check "train prints a sample translation" "reference:" "$out"
check "config.json records the model" '"model": "seq2seq-temperature"' "$(cat "$tmp/run/config.json" 2>/dev/null)"
check "config.json records the temperature" '"temperature": "2"' "$(cat "$tmp/run/config.json" 2>/dev/null)"
out=$("$ex" translate -c "$tmp/run/best.safetensors" "The cat sleeps." "He sells the box." 2>&1) || { echo "FAIL: translate exited $?"; echo "$out"; fail=1; }
if [[ $(printf '%s\n' "$out" | wc -l) -eq 2 ]]; then echo "ok: translate prints one line per input"
else echo "FAIL: translate output: $out"; fail=1; fi
out=$("$ex" train "${tiny[@]}" --max-steps 14 --out "$tmp/run" --resume 2>&1) || { echo "FAIL: resume exited $?"; echo "$out" | tail; fail=1; }
check "resume continues the run" "(14 steps)" "$out"

# The example op and layer are in `gradcheck` with everything else: their descriptors registered
# them.
out=$("$ex" gradcheck softplus TemperatureAttention 2>&1) || { echo "FAIL: gradcheck exited $?"; echo "$out"; fail=1; }
check "gradcheck checks the example op" "softplus " "$out"
check "gradcheck checks the example layer" "TemperatureAttention " "$out"
check "both pass" "2 checks, 2 passed" "$out"
check "the example op is one of the ops" "softplus" "$("$ex" gradcheck --list)"

# Bad input: one line, exit 2, naming the option.
expect_exit "a temperature out of range" 2 "$ex" train "${tiny[@]}" --temperature 0 --out "$tmp/bad"
check "... names the hyperparameter" "temperature" "$out"
if [[ $(printf '%s\n' "$out" | wc -l) -eq 1 ]]; then echo "ok: ... in one line"
else echo "FAIL: more than one line: $out"; fail=1; fi
expect_exit "--temperature given to seq2seq" 2 "$ex" train --model seq2seq --temperature 2 --out "$tmp/bad"
check "... says seq2seq has no such hyperparameter" "no such hyperparameter" "$out"
# Registration is per program: the plain attend binary does not link the examples.
expect_exit "plain attend does not know the model" 2 "$attend" train --model seq2seq-temperature --out "$tmp/bad"
expect_exit "plain attend does not know the op" 2 "$attend" gradcheck softplus
[[ -e "$tmp/bad" ]] && { echo "FAIL: a refused command wrote $tmp/bad"; fail=1; }

if [[ $fail -ne 0 ]]; then echo "examples CLI: FAILED"; exit 1; fi
echo "examples CLI: all checks passed"
