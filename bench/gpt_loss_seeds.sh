#!/usr/bin/env bash
# The validation loss of nanoGPT's CPU configuration (bench/gpt_bench.sh's settings) for attend and
# for the PyTorch model of bench/gpt_pytorch.py, over several training seeds and over 200
# validation windows (153,600 tokens, more than the validation split's 111,540) instead of 20, so that
# the two sides' losses can be told apart from sampling noise. One line per side and seed.
#   bench/gpt_loss_seeds.sh               # seeds 0 and 1 (about 10 minutes at 1 thread)
#   LR=3e-3 bench/gpt_loss_seeds.sh       # the same at another peak learning rate
#   ITERS=20 SEEDS=0 bench/gpt_loss_seeds.sh  # a smoke run
# Environment: SEEDS ("0 1"), LR (1e-3, nanoGPT's), ITERS (2000), BUILD_DIR (<repo>/build), DATA
# (tiny Shakespeare's input.txt), TORCH_PYTHON (/usr/bin/python3). The configuration itself is
# bench/gpt_nanogpt.sh's, shared with bench/gpt_bench.sh.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
DATA=${DATA:-$REPO/../shared/datasets/tinyshakespeare/input.txt}
TORCH_PYTHON=${TORCH_PYTHON:-/usr/bin/python3}
attend=$BUILD_DIR/cli/attend
[[ -x $attend ]] || { echo "no $attend: build first" >&2; exit 2; }
[[ -f $DATA ]] || { echo "no tiny Shakespeare at $DATA: set DATA=PATH/input.txt" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1
source "$REPO/bench/gpt_nanogpt.sh"
ITERS=${ITERS:-2000}
for s in ${SEEDS:-0 1}; do
  nanogpt_attend 1 "$ITERS" 200 "${LR:-1e-3}" --seed "$s" --out "$work/seed-$s" >/dev/null 2>&1
  echo "attend  seed $s valid loss $(attend_valid_loss "$work/seed-$s")"
  nanogpt_pytorch "$ITERS" 200 "${LR:-1e-3}" --threads 1 --sample-tokens 10 --seed "$s" |
    python3 -c 'import json,sys; print("pytorch seed %s valid loss %.4f" % (sys.argv[1], json.loads(sys.stdin.read())["valid_loss"]))' "$s"
done
