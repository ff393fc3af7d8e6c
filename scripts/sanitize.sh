#!/usr/bin/env bash
# Builds attend with clang under AddressSanitizer (LeakSanitizer included) + UndefinedBehaviorSanitizer
# in build-sanitize/ and runs the whole CTest suite there, the CLI scripts' short training runs too.
# Any sanitizer report aborts the process, so it fails its test. CI runs this after scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --sanitize
CC=clang CXX=clang++ cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DATTEND_SANITIZE=ON -DATTEND_FUZZ=ON -DATTEND_FUZZ_SECONDS=10 -DATTEND_BUILD_BENCH=OFF >/dev/null
cmake --build build-sanitize -j"$(nproc)"
# Options given by the caller come last, so they win (e.g. ASAN_OPTIONS=detect_leaks=0 to triage).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# Two test processes share the cores: OpenMP workers that wait sleep at once rather than spin
# for a partner the scheduler has taken away (docs/architecture.md, Threads).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
cd build-sanitize
ctest --output-on-failure -j"$(nproc)"
