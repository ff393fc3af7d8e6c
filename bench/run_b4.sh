#!/usr/bin/env bash
# B4 only (BENCHMARKS.md single-op kernels and the sgemm ceiling), attend vs PyTorch: the B4 part
# of bench/run.sh, which runs B1-B4 and documents the protocol and the environment knobs
# (ROUNDS, STEPS, WARMUP, BUILD_DIR, JOBS, TORCH_PYTHON, KEEP).
exec env CONFIGS=b4 "$(dirname "${BASH_SOURCE[0]}")/run.sh" "$@"
