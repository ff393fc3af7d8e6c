#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the main job — train the
# default model (LSTM encoder-decoder with additive attention) on the bundled English->French
# data on 2 threads, then print test BLEU and sample translations.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
./build/cli/attend --threads 2 train --epochs 4 --lr 0.003 --clip-norm 1 \
  --out runs/quickstart --overwrite
