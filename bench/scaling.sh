#!/usr/bin/env bash
# Data-parallel scaling (issue 18, docs/distributed.md): training tokens/s of two models in three
# settings on this machine, in one run, with the time each step waited for its gradient sums.
#   models   : seq2seq      the default toy English->French LSTM (attend train's defaults)
#              transformer  Multi30k-sized: 3+3 layers, d_model 256, 8 heads, FF 512, batch 128
#                           (trained on toy-en-fr; the sizes are what matter here)
#   settings : 1x1  one process, --threads 1 (OPENBLAS_NUM_THREADS=1)
#              1x2  one process, --threads 2 (OPENBLAS_NUM_THREADS=2)
#              2x1  mpirun -np 2, each rank --threads 1, the same global batch
# Tokens/s is target tokens over the time in training steps (attend prints it as "throughput:";
# evaluation and checkpoints excluded); "wait/step" is what a rank spent waiting for gradient sums
# that the backward pass did not hide, per step (rank 0's).
#
#   bench/scaling.sh                  # 40 steps a run
#   STEPS=3 bench/scaling.sh          # smoke: every setting runs, numbers mean little
#   MODELS=seq2seq bench/scaling.sh   # a subset
# Environment: STEPS (40), MODELS ("seq2seq transformer"), BUILD_DIR (<repo>/build), MPIRUN
# (mpirun; --oversubscribe --allow-run-as-root are added for Open MPI's).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
STEPS=${STEPS:-40}
MODELS=${MODELS:-seq2seq transformer}
MPIRUN=${MPIRUN:-mpirun}
attend=$BUILD_DIR/cli/attend
[[ -x $attend ]] || { echo "error: $attend is not built (scripts/build.sh)" >&2; exit 2; }
if "$attend" version | grep -q "^MPI: off"; then
  echo "error: $attend was built without MPI: the 2-rank setting needs it" >&2
  exit 2
fi
launch=("$MPIRUN")
"$MPIRUN" --version 2>&1 | grep -qE "Open MPI|OpenRTE" && launch+=(--oversubscribe --allow-run-as-root)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

model_args() {
  case $1 in
    seq2seq) echo "--model seq2seq" ;;
    transformer) echo "--model transformer --encoder-layers 3 --decoder-layers 3 --d-model 256 --heads 8 --feedforward 512 --batch-size 128" ;;
    *) echo "error: unknown model '$1' (seq2seq or transformer)" >&2; exit 2 ;;
  esac
}

# run MODEL SETTING: prints "tok/s wait_per_step"
run() {
  local model=$1 setting=$2 out="$tmp/$1-$2"
  local args=(train $(model_args "$model") --max-steps "$STEPS" --eval-examples 1 --samples 0
    --progress off --out "$out")
  case $setting in
    1x1) OPENBLAS_NUM_THREADS=1 "$attend" --threads 1 "${args[@]}" >"$out.log" 2>&1 ;;
    1x2) OPENBLAS_NUM_THREADS=2 "$attend" --threads 2 "${args[@]}" >"$out.log" 2>&1 ;;
    2x1) "${launch[@]}" -np 2 -x OPENBLAS_NUM_THREADS=1 "$attend" --threads 1 "${args[@]}" \
      >"$out.log" 2>&1 ;;
  esac || { echo "error: $model $setting failed:" >&2; tail -5 "$out.log" >&2; exit 1; }
  local tps wait
  tps=$(sed -n 's/^throughput: \([0-9.]*\) .*/\1/p' "$out.log")
  wait=$(sed -n 's/^data-parallel over .*: \([0-9.]*\) s of the steps.*/\1/p' "$out.log")
  echo "$tps ${wait:-0}"
}

echo "attend data-parallel scaling, $STEPS steps a run, $(date -u +%F), $(nproc) cores ($(uptime | sed 's/.*load average: //') load)"
"$attend" version | grep "^MPI"
echo
echo "| model | setting | tokens/s | vs 1x1 | wait for sums per step |"
echo "|---|---|---:|---:|---:|"
for model in $MODELS; do
  base=""
  for setting in 1x1 1x2 2x1; do
    read -r tps wait < <(run "$model" "$setting")
    [[ -z $base ]] && base=$tps
    printf "| %s | %s | %.0f | %.2fx | %s |\n" "$model" "$setting" "$tps" \
      "$(echo "$tps / $base" | bc -l)" \
      "$([[ $setting == 2x1 ]] && printf "%.1f ms" "$(echo "1000 * $wait / $STEPS" | bc -l)" || echo -)"
  done
done
