#!/usr/bin/env bash
# The validation loss of nanoGPT's CPU configuration (bench/gpt_bench.sh's settings) for attend and
# for the PyTorch model of bench/gpt_pytorch.py, over several training seeds and over 200
# validation windows (153,600 tokens, more than the validation split's 111,540) instead of 20, so that
# the two sides' losses can be told apart from sampling noise. One line per side and seed.
#   bench/gpt_loss_seeds.sh               # seeds 0 and 1 (about 10 minutes at 1 thread)
#   LR=3e-3 bench/gpt_loss_seeds.sh       # the same at another peak learning rate
# Environment: SEEDS ("0 1"), LR (1e-3, nanoGPT's), BUILD_DIR (<repo>/build), DATA (tiny
# Shakespeare's input.txt),
# TORCH_PYTHON (/usr/bin/python3).
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
for s in ${SEEDS:-0 1}; do
  "$attend" --threads 1 train --model gpt --data "$DATA" --layers 4 --heads 4 --width 128 \
    --context 64 --dropout 0 --batch-size 12 --max-steps 2000 --eval-interval 2000 \
    --eval-batches 200 --sample-tokens 0 --optimizer adamw --lr "${LR:-1e-3}" --beta2 0.99 \
    --weight-decay 0.1 --schedule cosine --warmup 100 --min-lr 1e-4 --clip-norm 1 \
    --bias false --progress off --seed "$s" --out "$work/seed-$s" >/dev/null 2>&1
  python3 -c 'import json,sys; print("attend  seed %s valid loss %.4f" % (sys.argv[2], [json.loads(l) for l in open(sys.argv[1]) if "\"valid\"" in l][-1]["loss"]))' \
    "$work/seed-$s/metrics.jsonl" "$s"
  "$TORCH_PYTHON" "$REPO/bench/gpt_pytorch.py" --data "$DATA" --iters 2000 --warmup 100 --threads 1 \
    --lr "${LR:-1e-3}" --no-bias \
    --eval-iters 200 --sample-tokens 10 --seed "$s" |
    python3 -c 'import json,sys; print("pytorch seed %s valid loss %.4f" % (sys.argv[1], json.loads(sys.stdin.read())["valid_loss"]))' "$s"
done
