#!/usr/bin/env bash
# Proof that data-parallel training is the training of one process on the whole batch: for
# Seq2Seq (LSTM + additive attention), the Transformer and the GAT graph classifier, 20 steps
# without dropout on
#   A: 1 process, global batch B          (attend train)
#   B: 2 ranks, B/2 each                  (mpirun -np 2 attend train)
#   C: 2 ranks again
# Every tensor of last.safetensors (weights and Adam's moments) of B must agree with A's within
# float-summation order (each rank sums its half, then the halves are added: the same numbers in
# another order), and C with B bit for bit (the sums are reduced in a fixed order). The training
# losses in metrics.jsonl agree too, and rank 0 alone wrote the run directory.
# Usage: test_equivalence.sh PATH/TO/attend MPIEXEC PATH/TO/compare_checkpoints
set -u
attend=$1 mpiexec=${2:-} compare=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../cli/cli_test_lib.sh"  # fail, ok, bad, check
source "$(dirname "$0")/mpi_test_lib.sh"          # mpirun, or exit 77 without MPI

# After 20 steps the two orders of summation leave differences of about 1e-6 in the weights; a
# real fault (a missed bucket, a wrong loss weight) is 1e-3 or more. The Transformer trains with
# SGD: the gradient of its key projection's bias is 0 in exact arithmetic (softmax does not change
# when every score of a query moves alike), so in floats it is rounding noise whose sign depends on
# the order of summation, and Adam, which divides by sqrt(v), turns that noise into steps of +-lr
# (1.4e-4 apart after 20 steps) where SGD keeps it at 1e-10.
max_abs=2e-5
common=(--max-steps 20 --progress off --seed 5 --log-every 1)
text=(--eval-examples 8 --samples 0 --max-decode-length 10)

run() {  # run NAME LAUNCH... -- ARGS...: train into $tmp/NAME
  local name=$1; shift
  local launch=()
  while [[ $1 != -- ]]; do launch+=("$1"); shift; done
  shift
  if ! "${launch[@]}" "$attend" --threads 1 train "$@" "${common[@]}" --out "$tmp/$name" \
    >"$tmp/$name.out" 2>&1; then
    bad "$name exited $?"; tail -5 "$tmp/$name.out"; return 1
  fi
}

# model ARGS...: one process, then two ranks twice, then the comparisons.
model() {
  local name=$1; shift
  run "$name-1" -- "$@" || return
  run "$name-2a" "${mpirun[@]}" -np 2 -- "$@" || return
  run "$name-2b" "${mpirun[@]}" -np 2 -- "$@" || return
  local out
  out=$("$compare" "$tmp/$name-1/last.safetensors" "$tmp/$name-2a/last.safetensors" --max-abs "$max_abs")
  [[ $? -eq 0 ]] && ok "$name: 2 ranks = 1 process within $max_abs: $out" \
                 || bad "$name: 2 ranks differ from 1 process by more than $max_abs: $out"
  out=$("$compare" "$tmp/$name-2a/last.safetensors" "$tmp/$name-2b/last.safetensors" --exact)
  [[ $? -eq 0 ]] && ok "$name: 2 ranks twice, bit for bit: $out" \
                 || bad "$name: two 2-rank runs differ: $out"
  # The same training losses, logged once per step by rank 0 alone.
  local one two
  one=$(grep '"split":"train"' "$tmp/$name-1/metrics.jsonl" | sed 's/.*"train_loss":\([^,}]*\).*/\1/')
  two=$(grep '"split":"train"' "$tmp/$name-2a/metrics.jsonl" | sed 's/.*"train_loss":\([^,}]*\).*/\1/')
  if [[ $(wc -l <<<"$one") -eq 20 && $(wc -l <<<"$two") -eq 20 ]] &&
    paste <(echo "$one") <(echo "$two") | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-5 * ($1 < 0 ? -$1 : $1) + 1e-6) exit 1 }'; then
    ok "$name: 20 training losses, each logged once, agree"
  else
    bad "$name: training losses differ or are logged twice"; paste <(echo "$one") <(echo "$two") | head -5
  fi
  check "$name: 2 ranks say so" "data-parallel over 2 ranks" "$(cat "$tmp/$name-2a.out")"
}

model seq2seq --model seq2seq --embedding 16 --hidden 32 --dropout 0 --batch-size 16 "${text[@]}"
model transformer --model transformer --d-model 32 --heads 2 --feedforward 64 --encoder-layers 1 \
  --decoder-layers 1 --dropout 0 --batch-size 16 --optimizer sgd --lr 0.1 --momentum 0.9 "${text[@]}"
model gat-graph --model gat-graph --data toy-motifs --hidden 8 --heads 2 --layers 2 --dropout 0 \
  --batch-size 16

exit $fail
