#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser  # chromium: the report test renders its HTML
scripts/build.sh
# Two test processes share the cores: OpenMP workers that wait sleep at once rather than spin
# for a partner the scheduler has taken away (docs/architecture.md, Threads).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
cd build
ctest --output-on-failure -j"$(nproc)"
