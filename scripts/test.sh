#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser  # chromium: the report test renders its HTML
scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)"
