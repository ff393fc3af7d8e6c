#!/usr/bin/env bash
# Speed on real data (issue 19, item 7), in ONE command: the tutorials' Multi30k Transformer (3+3
# layers, d_model 256, 8 heads, feed-forward 512) on Multi30k de->en, attend with the key/value
# cache, attend without it, and the same model in PyTorch (bench/decoding_pytorch.py: the
# tutorials' greedy loop, and a plain beam search), same machine, same run, at 1 and 2 threads:
#   training tokens/s, greedy and beam-5 sentences/s over the 1,000 test_2016_flickr sentences.
# Random weights with a forced output length (see bench/bench_decoding.cpp): every sentence
# decodes (its batch's longest English reference + 1) tokens on every side.
#
#   bench/run_decoding.sh                  # 3 rounds, all of test_2016_flickr, 20 training steps
#   ROUNDS=1 LIMIT=200 bench/run_decoding.sh   # quicker
#   SMOKE=1 bench/run_decoding.sh          # seconds: 1 round, 16 sentences, 2 training steps
#
# Thread settings (as bench/run.sh): attend --threads N with OPENBLAS_NUM_THREADS=N; torch at 1
# thread with OpenBLAS 1, and at 2 threads in both of BENCHMARKS.md's 2-core settings (torch 2 +
# OB 2, torch 1 + OB 2), the better one reported. Subnormals flushed on both sides.
#
# Knobs: ROUNDS (3), LIMIT (0 = all test sentences), BATCH (sentences per decode batch, 64),
# BEAM (5), STEPS (20 timed training steps), WARMUP (3), TRAIN_BATCH (128), THREADS ("1 2"),
# MODES ("train greedy beam"), DATA (../shared/datasets/multi30k/raw beside the repo),
# BUILD_DIR, TORCH_PYTHON (/usr/bin/python3), KEEP (a folder to keep the JSON lines in).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
DATA=${DATA:-$REPO/../shared/datasets/multi30k/raw}
ROUNDS=${ROUNDS:-3} LIMIT=${LIMIT:-0} BATCH=${BATCH:-64} BEAM=${BEAM:-5}
STEPS=${STEPS:-20} WARMUP=${WARMUP:-3} TRAIN_BATCH=${TRAIN_BATCH:-128}
THREADS=${THREADS:-1 2} MODES=${MODES:-train greedy beam}
TORCH_PYTHON=${TORCH_PYTHON:-/usr/bin/python3}
TRAIN_LIMIT=0
if [[ -n ${SMOKE:-} ]]; then
  ROUNDS=1 LIMIT=16 BATCH=8 STEPS=2 WARMUP=1 TRAIN_BATCH=8 TRAIN_LIMIT=2000 THREADS=1
fi
for v in ROUNDS LIMIT BATCH BEAM STEPS WARMUP TRAIN_BATCH; do
  [[ ${!v} =~ ^[0-9]+$ ]] || {
    echo "$v must be a whole number (got ${!v})" >&2
    exit 2
  }
done
((ROUNDS >= 1)) || {
  echo "ROUNDS must be at least 1" >&2
  exit 2
}
[[ -f $DATA/train.de && -f $DATA/test_2016_flickr.en ]] || {
  echo "$DATA has no Multi30k train.de / test_2016_flickr.en (set DATA)" >&2
  exit 2
}

BENCH=$BUILD_DIR/bench/bench_decoding
if [[ -z ${NO_BUILD:-} ]]; then
  echo "building bench_decoding in $BUILD_DIR ..." >&2
  if [[ -f $BUILD_DIR/CMakeCache.txt ]]; then
    cmake -S "$REPO" -B "$BUILD_DIR" -DATTEND_BUILD_BENCH=ON >/dev/null
  else
    cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$BUILD_DIR" -j2 --target bench_decoding >&2
fi
"$TORCH_PYTHON" -c 'import torch' 2>/dev/null || {
  echo "$TORCH_PYTHON cannot import torch (install python3-torch or set TORCH_PYTHON)" >&2
  exit 2
}

OUT=${KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/bench_decoding.XXXXXX")}
mkdir -p "$OUT"
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$OUT"' EXIT
COMMON=(--data "$DATA" --limit "$LIMIT" --train-limit "$TRAIN_LIMIT" --batch "$BATCH"
  --train-batch "$TRAIN_BATCH" --steps "$STEPS" --warmup "$WARMUP")
"$BENCH" "${COMMON[@]}" --export "$OUT/workload.txt"

attend() {  # mode threads cache
  OPENBLAS_NUM_THREADS=$2 "$BENCH" "${COMMON[@]}" --mode "$1" --threads "$2" --cache "$3" \
    --beam "$BEAM" >>"$OUT/attend.$1.t$2.cache-$3.json"
}
torch() {  # mode torch-threads openblas-threads
  OMP_NUM_THREADS=$2 OPENBLAS_NUM_THREADS=$3 "$TORCH_PYTHON" "$REPO/bench/decoding_pytorch.py" \
    --workload "$OUT/workload.txt" --mode "$1" --threads "$2" --beam "$BEAM" \
    --warmup "$WARMUP" --flush-denormal >>"$OUT/torch.$1.t$2b$3.json"
}

START=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_BEFORE=$(uptime | sed 's/.*load average/load average/')
for ((r = 1; r <= ROUNDS; r++)); do
  for m in $MODES; do
    for t in $THREADS; do
      echo "  round $r/$ROUNDS: $m, $t thread(s) ..." >&2
      attend "$m" "$t" on
      [[ $m == train ]] || attend "$m" "$t" off
      if [[ $t == 1 ]]; then
        torch "$m" 1 1
      else
        torch "$m" "$t" "$t"
        torch "$m" 1 "$t"
      fi
    done
  done
done
LOAD_AFTER=$(uptime | sed 's/.*load average/load average/')
CPU=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)

python3 - "$OUT" "$START" "$CPU" "$LOAD_BEFORE" "$LOAD_AFTER" "$ROUNDS" "$BATCH" "$BEAM" <<'PY'
import glob, json, os, statistics, sys

out, start, cpu, load_before, load_after, rounds, batch, beam = sys.argv[1:]
runs = {}
for path in glob.glob(os.path.join(out, "*.json")):
    key = tuple(os.path.basename(path)[: -len(".json")].split("."))  # side, mode, setting[, cache]
    with open(path) as f:
        runs[key] = [json.loads(l) for l in f if l.strip()]

def med(key, field):
    js = runs.get(key)
    return statistics.median(j[field] for j in js) if js else None

# Same output with and without the cache, every run.
for key, js in runs.items():
    if key[0] == "attend" and key[1] != "train" and key[3] == "cache-on":
        other = runs.get(key[:3] + ("cache-off",), [])
        sums = {j["checksum"] for j in js} | {j["checksum"] for j in other}
        if len(sums) != 1:
            sys.exit(f"attend {key[1]} at {key[2]}: cached and uncached outputs differ ({sums})")

anyj = next(iter(runs.values()))[0]
core = {j.get("core") for js in runs.values() for j in js if j.get("core")}
print(f"# Multi30k Transformer: attend (key/value cache, no cache) vs PyTorch ({start})")
print()
print(f"- CPU: {cpu}; OpenBLAS core {', '.join(sorted(core))}; "
      f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
print(f"- {load_before} before, {load_after} after (a machine busy with other work makes the figures slower)")
print(f"- model: 3+3 layers, d_model 256, 8 heads, FF 512, {anyj.get('parameters')} parameters "
      f"(attend), random weights, forced output length; decode batch {batch}, beam {beam}; "
      f"medians of {rounds} round(s)")
print()
print("| measure | threads | attend cached | attend uncached | PyTorch | cached / uncached | cached / PyTorch |")
print("|---|---|---|---|---|---|---|")
for mode, field, unit in (("train", "tokens_per_s", "tokens/s"),
                          ("greedy", "sentences_per_s", "sentences/s"),
                          ("beam", "sentences_per_s", "sentences/s")):
    for t in (1, 2):
        on = med(("attend", mode, f"t{t}", "cache-on"), field)
        if on is None:
            continue
        off = med(("attend", mode, f"t{t}", "cache-off"), field)
        settings = [f"t{t}b{t}"] if t == 1 else [f"t{t}b{t}", f"t1b{t}"]
        torch_best = max(((med(("torch", mode, s), field), s) for s in settings
                          if med(("torch", mode, s), field) is not None), default=(None, None))
        tv, ts = torch_best
        label = {"t1b1": "", "t2b2": " (torch 2 + OB 2)", "t1b2": " (torch 1 + OB 2)"}.get(ts, "")
        name = {"train": "training", "greedy": "greedy decoding",
                "beam": f"beam-{beam} decoding"}[mode]
        cell = lambda v: "-" if v is None else f"{v:,.1f}"
        ratio = lambda a, b: "-" if a is None or b is None else f"{a / b:.2f}x"
        print(f"| {name} ({unit}) | {t} | {cell(on)} | {cell(off) if mode != 'train' else '-'} | "
              f"{cell(tv)}{label} | {ratio(on, off) if mode != 'train' else '-'} | {ratio(on, tv)} |")
PY
