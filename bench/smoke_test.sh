#!/usr/bin/env bash
# CTest bench/smoke, bench/smoke_pytorch and bench/smoke_libtorch: B1-B3 at tiny sizes (--smoke),
# 1 warm-up + 3 steps, one thread, then smoke_check asserts valid JSON, finite losses that go
# down, sane timings and (attend) no extra threads; bench/smoke also checks the full-size FLOPs.
#   smoke_test.sh attend BENCH_MODELS SMOKE_CHECK
#   smoke_test.sh torch  MODELS_PYTORCH_PY SMOKE_CHECK   (exit 77 = skipped without torch)
#   smoke_test.sh libtorch BENCH_MODELS_LIBTORCH SMOKE_CHECK
set -euo pipefail
side=$1 prog=$2 checker=$3
out=$(mktemp "${TMPDIR:-/tmp}/bench_smoke.XXXXXX")
trap 'rm -f "$out"' EXIT
export OPENBLAS_NUM_THREADS=1
if [[ $side == attend ]]; then
  "$prog" --smoke --threads 1 --warmup 1 --steps 3 >"$out"
  "$checker" results "$out" attend 1
  "$prog" --flops-only >"$out"
  "$checker" flops "$out"
elif [[ $side == libtorch ]]; then
  "$prog" --smoke --threads 1 --warmup 1 --steps 3 >"$out"
  "$checker" results "$out" libtorch 1
else
  python=${TORCH_PYTHON:-/usr/bin/python3}
  if ! "$python" -c 'import torch' 2>/dev/null; then
    echo "$python cannot import torch: skipped"
    exit 77
  fi
  "$python" "$prog" --smoke --threads 1 --warmup 1 --steps 3 >"$out"
  "$checker" results "$out" torch 1
fi
echo "ok"
