#!/usr/bin/env bash
# Faults a training run meets, end to end through the attend binary:
#   - SIGINT and SIGTERM save the exact position, exit 128+signal, and --resume continues;
#   - standard output on a full device (/dev/full) is an error, exit 1;
#   - a full disk (a small tmpfs in a private mount namespace) gives a one-line error naming the
#     file and the OS error, and leaves the previous checkpoint as it was;
# (SIGKILL at random moments is tested in tests/trainers/test_fault_tolerance.cpp, where the
# resumed weights can be compared bit for bit.)
# Usage: test_faults_cli.sh PATH/TO/attend
set -u
attend=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/cli_test_lib.sh"  # fail, ok, bad, check

# interrupt SIGNAL EXPECTED_RC DIR ARGS...: start a run, wait for its first checkpoint, signal it.
interrupt() {
  local sig=$1 want=$2 dir=$3; shift 3
  "$attend" train "$@" --progress off --out "$dir" >"$dir.out" 2>&1 &
  local pid=$!
  for _ in $(seq 600); do [[ -f "$dir/last.safetensors" ]] && break; sleep 0.05; done
  sleep 0.3
  kill -s "$sig" "$pid"
  wait "$pid"
  local rc=$?
  [[ $rc -eq $want ]] && ok "SIG$sig exits $want" || bad "SIG$sig: exit code $rc, expected $want"
}

# --- SIGINT: a GAT run (a checkpoint every epoch) --------------------------------------------
interrupt INT 130 "$tmp/int" --model gat --data karate --epochs 100000
msg=$(cat "$tmp/int.out")
check "SIGINT names the signal and the resume command" "interrupted by SIGINT at step" "$msg"
check "SIGINT says where the checkpoint is" "saved $tmp/int/last.safetensors" "$msg"
step=$(sed -n 's/.*interrupted by SIGINT at step \([0-9]*\);.*/\1/p' <<<"$msg")
if [[ -n "$step" ]]; then
  out=$("$attend" train --out "$tmp/int" --resume --epochs $((step + 2)) --progress off 2>&1)
  rc=$?
  [[ $rc -eq 0 ]] && ok "resume after SIGINT" || bad "resume after SIGINT exited $rc: $out"
  check "resume after SIGINT continues from step $step" "($((step + 2)) steps)" "$out"
else
  bad "no step in the SIGINT message"
fi

# --- SIGTERM: a Seq2Seq run stopped inside an epoch -------------------------------------------
interrupt TERM 143 "$tmp/term" --model seq2seq --embedding 16 --hidden 24 --batch-size 8 \
  --eval-examples 5 --max-decode-length 8 --samples 0 --epochs 1000 --checkpoint-every 20
msg=$(cat "$tmp/term.out")
check "SIGTERM names the signal" "interrupted by SIGTERM at step" "$msg"
step=$(sed -n 's/.*interrupted by SIGTERM at step \([0-9]*\);.*/\1/p' <<<"$msg")
if [[ -n "$step" ]]; then
  out=$("$attend" train --out "$tmp/term" --resume --max-steps $((step + 3)) --progress off 2>&1)
  rc=$?
  [[ $rc -eq 0 ]] && ok "resume after SIGTERM" || bad "resume after SIGTERM exited $rc: $out"
  check "resume after SIGTERM continues from step $step" "($((step + 3)) steps)" "$out"
else
  bad "no step in the SIGTERM message"
fi

# --- output that cannot be written is an error, not a success ----------------------------------
for cmd in "models" "datasets list"; do
  # shellcheck disable=SC2086
  msg=$("$attend" $cmd 2>&1 >/dev/full)
  rc=$?
  [[ $rc -eq 1 ]] && ok "attend $cmd >/dev/full exits 1" || bad "attend $cmd >/dev/full: exit $rc"
  check "attend $cmd >/dev/full names the failure" \
    "error: cannot write standard output: No space left on device" "$msg"
done

# --- a full disk -------------------------------------------------------------------------------
# A 1 MiB tmpfs in a private mount namespace (needs root; skipped, saying why, without it).
disk="$tmp/disk"
mkdir -p "$disk"
if ! unshare -m true 2>/dev/null; then
  echo "skipped: full-disk test needs 'unshare -m' (root) to mount a private tmpfs"
else
  out=$(unshare -m bash -s "$attend" "$disk" <<'EOF'
attend=$1 disk=$2
mount -t tmpfs -o size=1m none "$disk" || { echo "MOUNT-FAILED"; exit 0; }
"$attend" train --model gat --data karate --epochs 3 --progress off --out "$disk/run" >/dev/null 2>&1 \
  || echo "FIRST-RUN-FAILED"
before=$(md5sum <"$disk/run/last.safetensors")
# Fill the disk, then free two pages: room for a log line, not for a 40 KB checkpoint.
dd if=/dev/zero of="$disk/filler" bs=4k 2>/dev/null
truncate -s -8K "$disk/filler"
msg=$("$attend" train --out "$disk/run" --resume --epochs 6 --progress off 2>&1 >/dev/null)
echo "RC=$?"
echo "LAST-LINE=$(tail -1 <<<"$msg")"
echo "ERROR-LINES=$(grep -c '^error:' <<<"$msg")"
[[ $(md5sum <"$disk/run/last.safetensors") == "$before" ]] && echo "CHECKPOINT-INTACT"
ls "$disk/run" | grep -q '\.tmp\.' && echo "TEMPORARY-LEFT"
rm "$disk/filler"
"$attend" train --out "$disk/run" --resume --epochs 6 --progress off >/dev/null 2>&1 && echo "RESUMED"
EOF
)
  if [[ "$out" == *MOUNT-FAILED* ]]; then
    echo "skipped: full-disk test cannot mount a tmpfs here"
  else
    [[ "$out" != *FIRST-RUN-FAILED* ]] && ok "a run fits on the small disk" || bad "first run failed"
    [[ "$out" == *RC=1* ]] && ok "a full disk exits 1" || bad "full disk: $out"
    check "a full disk names the checkpoint file" "best.safetensors" "$out"
    check "a full disk names the OS error" "No space left on device" "$out"
    check "a full disk is one error line" "ERROR-LINES=1" "$out"
    check "a full disk leaves last.safetensors intact" "CHECKPOINT-INTACT" "$out"
    [[ "$out" != *TEMPORARY-LEFT* ]] && ok "no temporary file left" || bad "a temporary file was left"
    check "the run resumes once there is space" "RESUMED" "$out"
  fi
fi

exit $fail
