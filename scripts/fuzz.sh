#!/usr/bin/env bash
# Long local fuzzing: builds the libFuzzer targets of fuzz/ with clang under ASan + UBSan in
# build-fuzz/ and runs them one after the other (never two at once: each takes a whole core),
# printing each run's execution count.
# Usage: scripts/fuzz.sh [TARGET|all] [SECONDS]   default: every target, 600 s each
#        scripts/fuzz.sh --seeds                  rewrite the checkpoint, config and audio seeds and
#                                                 the config dictionary with the current library
# Inputs that found new coverage accumulate in build-fuzz/fuzz/found/TARGET (kept between runs,
# never in the source tree); crashes are saved as build-fuzz/fuzz/crashes/TARGET-crash-<sha1>.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(tsv_pairs parallel_text jsonl_pairs csv_pairs linqs edge_list planetoid graph_set
  tokenizer subwords checkpoint config audio_file speech_manifest)

flags=(-DATTEND_FUZZ=ON -DATTEND_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if grep -q 'option(ATTEND_SANITIZE' CMakeLists.txt; then
  flags+=(-DATTEND_SANITIZE=ON)
else
  flags+=("-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-sanitize-recover=all")
  flags+=("-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined")
fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz "${flags[@]}" >/dev/null
jobs=$(($(nproc) < 2 ? $(nproc) : 2))

if [[ ${1:-} == --seeds ]]; then
  cmake --build build-fuzz -j"$jobs" --target fuzz_make_seeds fuzz_make_audio_seeds
  build-fuzz/fuzz/fuzz_make_seeds fuzz
  build-fuzz/fuzz/fuzz_make_audio_seeds fuzz
  exit 0
fi

which=${1:-all}
seconds=${2:-600}
if [[ $which != all ]]; then
  if [[ " ${targets[*]} " != *" $which "* ]]; then
    echo "error: scripts/fuzz.sh: unknown target '$which' (known: ${targets[*]})" >&2
    exit 2
  fi
  targets=("$which")
fi
cmake --build build-fuzz -j"$jobs" --target "${targets[@]/#/fuzz_}"

export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
summary=()
status=0
for t in "${targets[@]}"; do
  set +e
  ATTEND_FUZZ_WORK="build-fuzz/fuzz/found/$t" fuzz/run_fuzzer.sh "build-fuzz/fuzz/fuzz_$t" fuzz \
    "$t" "$seconds" build-fuzz/fuzz/crashes 2>&1 | tee "build-fuzz/fuzz/$t.log"
  rc=${PIPESTATUS[0]}
  set -e
  ((rc == 0)) || status=1
  summary+=("$(tail -n 1 "build-fuzz/fuzz/$t.log")")
done
printf '%s\n' "${summary[@]}"
exit "$status"
