#!/usr/bin/env bash
# One run per run directory: while a training run holds --out, a second `train`, `--resume` or
# `--overwrite` on it is a one-line error naming the holder (exit 2), and the first run's files
# stay as they were; a run killed with SIGKILL leaves nothing that blocks the next one.
# Usage: test_run_lock_cli.sh PATH/TO/attend
set -u
attend=$1
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
source "$(dirname "$0")/cli_test_lib.sh"  # fail, ok, bad, check

# start DIR: a long GAT run into DIR in the background, once its first checkpoint is written.
start() {
  "$attend" train --model gat --data karate --epochs 100000 --progress off --out "$1" \
    >"$1.out" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 600); do [[ -f "$1/last.safetensors" ]] && break; sleep 0.05; done
}

run="$tmp/run"
start "$run"
first=$pid
config=$(cat "$run/config.json")
for extra in "" "--resume" "--overwrite"; do
  out=$("$attend" train --model gat --data karate --epochs 2 --progress off --out "$run" $extra 2>&1)
  rc=$?
  [[ $rc -eq 2 ]] && ok "train $extra on a directory in use exits 2" \
                  || bad "train $extra on a directory in use exited $rc"
  check "train $extra names the holder" "$run is in use by another attend train (pid $first on" "$out"
  [[ $(wc -l <<<"$out") -eq 1 ]] && ok "train $extra: one line" || bad "train $extra: $(wc -l <<<"$out") lines: $out"
done
kill -0 "$first" 2>/dev/null && ok "the first run still trains" || bad "the first run ended"
[[ "$(cat "$run/config.json")" == "$config" && -f "$run/last.safetensors" && -f "$run/metrics.jsonl" ]] &&
  ok "the first run's files are intact" || bad "the first run's files changed: $(ls "$run")"

# A holder killed outright (no destructor, no cleanup): the lock goes with it.
kill -9 "$first"
wait "$first" 2>/dev/null
out=$("$attend" train --out "$run" --resume --epochs 100000 --max-steps 1 --progress off 2>&1)
rc=$?
[[ $rc -eq 0 ]] && ok "--resume after the holder was killed" || bad "--resume after SIGKILL exited $rc: $out"

exit $fail
