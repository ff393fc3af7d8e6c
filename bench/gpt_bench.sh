#!/usr/bin/env bash
# nanoGPT's CPU configuration of character-level Shakespeare (bench/gpt_nanogpt.sh: its README's
# model and 2,000 iterations, its train.py's optimiser, schedule and bias=False; validation over 20
# batches) trained by attend (`attend train --model gpt`) and by the same model in PyTorch
# (bench/gpt_pytorch.py), at 1 and 2 threads, on the same machine in the same run.
# Prints one markdown table: mean ms per iteration (evaluation excluded), the final validation loss,
# sampling speed with and without attend's key/value cache (PyTorch: nanoGPT's generate, which
# re-runs the cropped context for every token), and the peak resident memory.
#
#   bench/gpt_bench.sh                   # the full comparison (about 2 x 2 x 2000 iterations)
#   ITERS=20 SAMPLE=50 bench/gpt_bench.sh  # a smoke run
#
# Environment: ITERS (2000), THREADS ("1 2"), LR (peak learning rate, 1e-3 = nanoGPT's), SAMPLE
# (tokens sampled for the speed figures, 500), DATA (tinyshakespeare's input.txt; default
# ../shared/datasets/tinyshakespeare/input.txt beside the repository), BUILD_DIR (<repo>/build),
# TORCH_PYTHON (/usr/bin/python3), KEEP (a folder to keep the runs in). Threads:
# OPENBLAS_NUM_THREADS = the thread count on both sides, attend --threads N, and PyTorch at
# torch.set_num_threads(1), its best setting on 2 cores.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
ITERS=${ITERS:-2000}
THREADS=${THREADS:-1 2}
LR=${LR:-1e-3}
SAMPLE=${SAMPLE:-500}
DATA=${DATA:-$REPO/../shared/datasets/tinyshakespeare/input.txt}
TORCH_PYTHON=${TORCH_PYTHON:-/usr/bin/python3}
attend=$BUILD_DIR/cli/attend
[[ -x $attend ]] || { echo "no $attend: build first (cmake --build $BUILD_DIR --target attend)" >&2; exit 2; }
[[ -f $DATA ]] || { echo "no tiny Shakespeare at $DATA: set DATA=PATH/input.txt" >&2; exit 2; }
source "$REPO/bench/gpt_nanogpt.sh"
work=${KEEP:-$(mktemp -d)}
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"

echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores; $("$attend" version | head -1)"
echo
echo "| side | threads | ms/iteration | valid loss | sample tok/s (cache) | sample tok/s (no cache) | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|"
for t in $THREADS; do
  export OPENBLAS_NUM_THREADS=$t
  run=$work/attend-$t
  out=$(nanogpt_attend "$t" "$ITERS" 20 "$LR" --overwrite --out "$run" 2>&1)
  ms=$(sed -n 's/^\([0-9.]*\) ms per training step.*/\1/p' <<<"$out")
  rss=$(sed -n 's/.*peak resident memory \([0-9]*\) MiB.*/\1/p' <<<"$out")
  loss=$(attend_valid_loss "$run")
  rate() {  # tokens/s from generate's last line on standard error
    "$attend" --threads "$t" generate -c "$run/best.safetensors" --tokens "$SAMPLE" "$@" 2>&1 >/dev/null |
      sed -n 's/.*(\([0-9.]*\) tokens\/s.*/\1/p'
  }
  echo "| attend | $t | $ms | $loss | $(rate) | $(rate --no-cache) | $rss |"
  # PyTorch at its best setting for t cores: torch's own threads at 1, OpenBLAS at t (with both at
  # 2 on 2 cores, torch's OpenMP workers and OpenBLAS's spin against each other: BENCHMARKS.md).
  j=$(nanogpt_pytorch "$ITERS" 20 "$LR" --threads 1 --sample-tokens "$SAMPLE")
  python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print("| pytorch (torch 1 + OpenBLAS %s) | %s | %.1f | %.4f | - | %.1f | %.0f |" % (sys.argv[2], sys.argv[2], j["ms_per_iter_mean"], j["valid_loss"], j["sample_tokens_per_s_uncached"], j["peak_rss_mb"]))' "$j" "$t"
done
