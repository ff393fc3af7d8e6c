#!/usr/bin/env bash
# Runs one fuzz target for a fixed time, starting from its committed corpus fuzz/corpus/NAME (read
# only) and its dictionary fuzz/dict/NAME.dict when there is one. New inputs go to a fresh
# temporary directory, removed afterwards (or to $ATTEND_FUZZ_WORK, kept, when set); a crashing
# input is saved as ARTIFACT_DIR/NAME-crash-<sha1>. Ends with one line giving the exec count.
# Usage: run_fuzzer.sh FUZZER FUZZ_DIR NAME SECONDS ARTIFACT_DIR [libFuzzer options...]
# Exit status: libFuzzer's (0 = no crash, leak, timeout or out-of-memory).
set -euo pipefail
if (($# < 5)); then
  echo "usage: $0 FUZZER FUZZ_DIR NAME SECONDS ARTIFACT_DIR [libFuzzer options...]" >&2
  exit 2
fi
fuzzer=$1 fuzz_dir=$2 name=$3 seconds=$4 artifacts=$5
shift 5
log=$(mktemp "${TMPDIR:-/tmp}/attend-fuzz-$name-log-XXXXXX")
if [[ -n ${ATTEND_FUZZ_WORK:-} ]]; then
  work=$ATTEND_FUZZ_WORK
  mkdir -p "$work"
  trap 'rm -f "$log"' EXIT
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/attend-fuzz-$name-XXXXXX")
  trap 'rm -rf "$work" "$log"' EXIT
fi
mkdir -p "$artifacts"
args=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1
  -artifact_prefix="$artifacts/$name-")
if [[ -f $fuzz_dir/dict/$name.dict ]]; then args+=(-dict="$fuzz_dir/dict/$name.dict"); fi
set +e
"$fuzzer" "${args[@]}" "$@" "$work" "$fuzz_dir/corpus/$name" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
echo "fuzz/$name: ${execs:-?} executions in ${secs:-?} s, exit status $status"
exit "$status"
