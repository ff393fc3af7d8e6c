#!/usr/bin/env bash
# Installs the Debian packages attend needs to build and test, only those that are missing.
# Usage: scripts/setup.sh [--bench] [--sanitize] [--browser] [--fixtures]
#   --bench     adds python3-torch/numpy for the PyTorch side of bench/ and libtorch-dev for its
#               C++ peer (bench_models_libtorch)
#   --fixtures  adds python3-torch and python3-torchaudio (tests/fixtures/gen_*.py), espeak-ng and
#               sox (datasets/generators/gen_toy_digits.py), to regenerate fixtures and data
#   --sanitize  adds clang, its ASan/UBSan runtimes and its OpenMP runtime for scripts/sanitize.sh
#   --browser   adds chromium, which renders attend report's HTML in tests/cli/test_report_cli.sh
set -euo pipefail
packages=(g++ cmake make libopenblas-dev libboost-test-dev libcli11-dev nlohmann-json3-dev zlib1g-dev)
# OpenBLAS's OpenMP build, beside the default: attend's loops share its workers (CMakeLists.txt).
packages+=(libopenblas0-openmp)
# Audio (datasets/audio): without them attend builds with speech data switched off.
packages+=(pkg-config libsndfile1-dev libfftw3-dev libsamplerate0-dev)
# Data-parallel training (mpirun -np N attend train): without them attend trains on one process.
packages+=(openmpi-bin libopenmpi-dev)
# Subword vocabularies (--tokenizer sentencepiece): without it they are switched off.
packages+=(libsentencepiece-dev)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(python3-torch python3-numpy libtorch-dev) ;;
    --sanitize) packages+=(clang libclang-rt-14-dev libomp-14-dev) ;;
    --browser) packages+=(chromium) ;;
    --fixtures) packages+=(python3-torch python3-torchaudio python3-numpy espeak-ng sox) ;;
    *) echo "error: scripts/setup.sh: unknown option '$arg' (expected --bench, --sanitize, --browser or --fixtures)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi
