#!/usr/bin/env bash
# Installs the Debian packages attend needs to build and test, only those that are missing.
# Usage: scripts/setup.sh [--bench] [--sanitize] [--browser]
#   --bench     adds python3-torch/numpy for the PyTorch side of bench/
#   --sanitize  adds clang and its ASan/UBSan runtimes for scripts/sanitize.sh
#   --browser   adds chromium, which renders attend report's HTML in tests/cli/test_report_cli.sh
set -euo pipefail
packages=(g++ cmake make libopenblas-dev libboost-test-dev libcli11-dev nlohmann-json3-dev zlib1g-dev)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(python3-torch python3-numpy) ;;
    --sanitize) packages+=(clang libclang-rt-14-dev) ;;
    --browser) packages+=(chromium) ;;
    *) echo "error: scripts/setup.sh: unknown option '$arg' (expected --bench, --sanitize or --browser)" >&2; exit 2 ;;
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
