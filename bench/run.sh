#!/usr/bin/env bash
# The canonical benchmarks B1-B4 (BENCHMARKS.md), attend against PyTorch on this machine, in ONE
# command: builds bench_models, bench_b4 and, when CMake found libtorch-dev, bench_models_libtorch
# (only those targets), measures the 1024^3 sgemm rate (bench_b4's ceiling, 1 and 2 threads), runs
# every config on every side alternately (attend, torch, libtorch, attend, torch, libtorch, ...)
# for ROUNDS rounds at 1 and 2 threads, and prints one markdown table.
#
# Sides: attend (bench_models, bench_b4); "PyTorch", Python PyTorch (models_pytorch.py,
# b4_pytorch.py); "libtorch", the same B1-B3 models on PyTorch's C++ frontend
# (models_libtorch.cpp: no Python interpreter in the step; no B4 side). Without libtorch-dev the
# script says so and the table leaves the libtorch columns out.
#
#   bench/run.sh                         # everything, 3 rounds of 50 steps after 10 warm-up
#   ROUNDS=2 STEPS=20 bench/run.sh       # quicker
#   CONFIGS="b1 b3" bench/run.sh         # a subset (b1 b2 b3 b4)
#
# Thread settings (every side under the environment's OPENBLAS_CORETYPE, untouched):
#   1 thread : attend --threads 1 with OPENBLAS_NUM_THREADS=1; torch --threads 1, OB 1; libtorch
#              the same as torch.
#   2 threads: attend --threads 2 with OPENBLAS_NUM_THREADS=2 (with OpenBLAS's OpenMP build,
#              attend's own loops and OpenBLAS's products share those 2 OpenMP workers; `attend
#              version` names the arrangement). torch in both 2-core settings
#              BENCHMARKS.md names, alternating with attend, the better median reported (the
#              table says which):
#                "torch 2 + OB 2": torch.set_num_threads(2), OPENBLAS_NUM_THREADS=2
#                "torch 1 + OB 2": torch.set_num_threads(1), OPENBLAS_NUM_THREADS=2
#              libtorch in the same two settings (at::set_num_threads), likewise the better shown.
#   OPENBLAS_NUM_THREADS is set for attend too: OpenBLAS creates its pool when the library loads
#   (all cores by default) and openblas_set_num_threads only limits how many of them work.
#
# Subnormal floats: attend flushes them to zero by default (x86 FTZ/DAZ; Intel cores are ~100x
# slower on them and B2's attention gradients make them), so PyTorch runs with
# torch.set_flush_denormal(True) too, libtorch with at::globalContext().setFlushDenormal(true): the
# same arithmetic on every side. DENORMALS=keep runs every side in IEEE gradual underflow instead
# (attend --keep-denormals, torch's default).
#
# Environment knobs: ROUNDS (default 3, at least 2), STEPS (50), WARMUP (10), CONFIGS
# ("b1 b2 b3 b4"), BUILD_DIR (default <repo>/build), JOBS (build parallelism, 2),
# TORCH_PYTHON (default /usr/bin/python3, Debian's python3-torch), KEEP (a folder to keep the raw
# JSON lines in).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-50}
WARMUP=${WARMUP:-10}
CONFIGS=${CONFIGS:-b1 b2 b3 b4}
JOBS=${JOBS:-2}
TORCH_PYTHON=${TORCH_PYTHON:-/usr/bin/python3}
DENORMALS=${DENORMALS:-flush}

if ! [[ $ROUNDS =~ ^[0-9]+$ ]] || ((ROUNDS < 2)); then
  echo "ROUNDS must be a whole number, at least 2 (got $ROUNDS)" >&2
  exit 2
fi
case $DENORMALS in
  flush) ATTEND_DENORMALS=() TORCH_DENORMALS=(--flush-denormal) ;;
  keep) ATTEND_DENORMALS=(--keep-denormals) TORCH_DENORMALS=() ;;
  *)
    echo "DENORMALS must be flush or keep (got $DENORMALS)" >&2
    exit 2
    ;;
esac
for c in $CONFIGS; do
  [[ $c =~ ^b[1-4]$ ]] || {
    echo "CONFIGS: unknown config '$c' (b1 b2 b3 b4)" >&2
    exit 2
  }
done

TARGETS=(bench_b4)  # the sgemm ceiling and B4
# A build directory configured without the benchmarks (-DATTEND_BUILD_BENCH=OFF) gets them on.
if [[ -f $BUILD_DIR/CMakeCache.txt ]]; then
  cmake -S "$REPO" -B "$BUILD_DIR" -DATTEND_BUILD_BENCH=ON >/dev/null
else
  cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
# bench/CMakeLists.txt writes whether it found libtorch (and so defined bench_models_libtorch).
LIBTORCH_PEER=$(cat "$BUILD_DIR/bench/libtorch_peer.txt" 2>/dev/null || echo off)
if [[ " $CONFIGS " == *" b"[123]" "* ]]; then
  TARGETS+=(bench_models)
  if [[ $LIBTORCH_PEER == on ]]; then
    TARGETS+=(bench_models_libtorch)
  else
    echo "libtorch: bench_models_libtorch is not built (CMake found no libtorch-dev;" \
      "scripts/setup.sh --bench installs it): the table has no libtorch columns" >&2
  fi
fi
echo "building ${TARGETS[*]} in $BUILD_DIR ..." >&2
cmake --build "$BUILD_DIR" -j"$JOBS" --target "${TARGETS[@]}" >&2
MODELS=$BUILD_DIR/bench/bench_models
LIBTORCH=$BUILD_DIR/bench/bench_models_libtorch
B4=$BUILD_DIR/bench/bench_b4
"$TORCH_PYTHON" -c 'import torch' 2>/dev/null || {
  echo "$TORCH_PYTHON cannot import torch (install python3-torch or set TORCH_PYTHON)" >&2
  exit 2
}

OUT=${KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")}
mkdir -p "$OUT"
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$OUT"' EXIT

# Each run writes one JSON file named SIDE.CONFIG.SETTING.TAG.json; SETTING is t1 / t2 for attend,
# t1b1 / t2b2 / t1b2 (torch threads, OpenBLAS threads) for torch and libtorch.
run_attend() {  # config threads tag
  if [[ $1 == b4 ]]; then
    OPENBLAS_NUM_THREADS=$2 "$B4" --threads "$2" --steps "$STEPS" --warmup "$WARMUP" --json \
      "${ATTEND_DENORMALS[@]}"
  else
    OPENBLAS_NUM_THREADS=$2 "$MODELS" --config "$1" --threads "$2" --steps "$STEPS" \
      --warmup "$WARMUP" "${ATTEND_DENORMALS[@]}"
  fi >"$OUT/attend.$1.t$2.$3.json"
}
run_torch() {  # config torch-threads openblas-threads tag
  local script=$REPO/bench/models_pytorch.py args=(--config "$1")
  [[ $1 == b4 ]] && script=$REPO/bench/b4_pytorch.py args=(--json)
  OMP_NUM_THREADS=$2 OPENBLAS_NUM_THREADS=$3 "$TORCH_PYTHON" "$script" "${args[@]}" \
    --threads "$2" --steps "$STEPS" --warmup "$WARMUP" "${TORCH_DENORMALS[@]}" >"$OUT/torch.$1.t$2b$3.$4.json"
}
run_libtorch() {  # config torch-threads openblas-threads tag (B1-B3 only, when built)
  [[ $LIBTORCH_PEER == on && $1 != b4 ]] || return 0
  OMP_NUM_THREADS=$2 OPENBLAS_NUM_THREADS=$3 "$LIBTORCH" --config "$1" --threads "$2" \
    --steps "$STEPS" --warmup "$WARMUP" "${TORCH_DENORMALS[@]}" >"$OUT/libtorch.$1.t$2b$3.$4.json"
}

START=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_BEFORE=$(uptime | sed 's/.*load average/load average/')
for ((r = 1; r <= ROUNDS; r++)); do
  for c in $CONFIGS; do
    echo "  round $r/$ROUNDS: $c ..." >&2
    run_attend "$c" 1 "r$r"
    run_torch "$c" 1 1 "r$r"
    run_libtorch "$c" 1 1 "r$r"
    run_attend "$c" 2 "r${r}a"
    run_torch "$c" 2 2 "r$r"
    run_libtorch "$c" 2 2 "r$r"
    run_attend "$c" 2 "r${r}b"
    run_torch "$c" 1 2 "r$r"
    run_libtorch "$c" 1 2 "r$r"
  done
done
# The sgemm ceiling comes with every bench_b4 run; without b4 in CONFIGS, measure it alone.
if [[ " $CONFIGS " != *" b4 "* ]]; then
  for t in 1 2; do
    for ((r = 1; r <= ROUNDS; r++)); do
      OPENBLAS_NUM_THREADS=$t "$B4" --threads "$t" --kernels matmul --steps 1 --warmup 0 --json \
        >"$OUT/sgemm.t$t.r$r.json"
    done
  done
fi
LOAD_AFTER=$(uptime | sed 's/.*load average/load average/')

CPU=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)
CPUS=$(grep -c '^processor' /proc/cpuinfo)
if [[ -n ${OPENBLAS_CORETYPE+x} ]]; then
  CORETYPE="OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE (from the environment, every side)"
else
  CORETYPE="OPENBLAS_CORETYPE unset (OpenBLAS picks its kernels from cpuid, every side)"
fi

python3 - "$OUT" "$START" "$CPU ($CPUS logical CPUs)" "$CORETYPE" "$ROUNDS" "$STEPS" "$WARMUP" \
  "$LOAD_BEFORE" "$LOAD_AFTER" "$CONFIGS" "$DENORMALS" <<'PY'
import glob, json, os, statistics, sys

out, start, cpu, coretype, rounds, steps, warmup, load_before, load_after, configs, denormals = sys.argv[1:]
configs = configs.split()
rows = []  # (side, config, setting, json)
sgemm = {1: [], 2: []}
for path in sorted(glob.glob(os.path.join(out, "*.json"))):
    parts = os.path.basename(path).split(".")
    with open(path) as f:
        lines = [json.loads(l) for l in f if l.strip()]
    if parts[0] == "sgemm":
        sgemm[int(parts[1][1:])] += [j["sgemm"]["best_gflops"] for j in lines]
        continue
    side, config, setting = parts[0], parts[1], parts[2]
    for j in lines:
        if config == "b4":
            if side == "attend" and "sgemm" in j:
                sgemm[j["threads"]].append(j["sgemm"]["best_gflops"])
            for k in j["kernels"]:
                rows.append((side, "B4 " + k["name"], setting, k))
        else:
            rows.append((side, config.upper() + " " + j["name"], setting, j))

LABEL = {"t1b1": "torch 1 + OB 1", "t2b2": "torch 2 + OB 2", "t1b2": "torch 1 + OB 2"}
# FLOPs of the B4 kernels (matrix products, what their backward computes): matmul both operands'
# gradients; the LSTM cell's inputs need none, so its weight gradients only.
B4_FLOP = {"B4 matmul": 3 * 2 * 256**3, "B4 matmul1024": 3 * 2 * 1024**3, "B4 lstm_cell": 2 * 2 * 32 * (128 + 256) * 4 * 256}
rate = {t: statistics.median(v) for t, v in sgemm.items() if v}


def runs(side, name, setting):
    return [j for s, n, st, j in rows if s == side and n == name and st == setting]


def summary(js):
    return (statistics.median(j["median_ms"] for j in js), min(j["min_ms"] for j in js),
            max(j["max_ms"] for j in js))


def fmt(ms):
    d = 4 if ms < 1 else 2 if ms < 100 else 1
    return f"{ms:.{d}f}"


names = []
for s, n, st, j in rows:
    if n not in names:
        names.append(n)
core_names = {}
for path in glob.glob(os.path.join(out, "*.json")):
    side = os.path.basename(path).split(".")[0]
    with open(path) as f:
        for l in f:
            if l.strip():
                core_names.setdefault(side if side != "sgemm" else "attend", set()).add(
                    json.loads(l).get("core", "?"))

# The PyTorch sides: Python (always) and the C++ frontend (when bench_models_libtorch ran).
peers = ["torch"] + (["libtorch"] if any(s == "libtorch" for s, *_ in rows) else [])
PEER = {"torch": "PyTorch", "libtorch": "libtorch"}
print(f"# attend vs PyTorch{' (Python and C++)' if len(peers) > 1 else ''}: "
      f"{', '.join(c.upper() for c in configs)} ({start})")
print()
print(f"- CPU: {cpu}; {coretype}; OpenBLAS core: "
      + "; ".join(f"{s} {', '.join(sorted(c))}" for s, c in sorted(core_names.items())))
print(f"- sgemm 1024^3 (the ceiling): "
      + ", ".join(f"{t} thread(s) {rate[t]:.1f} GFLOP/s" for t in (1, 2) if t in rate)
      + " (median over runs of each run's best call)")
print(f"- {rounds} rounds, {steps} timed steps after {warmup} warm-up per run; "
      f"{load_before} before, {load_after} after")
print("- subnormal floats: " + ("flushed to zero on every side (attend's default; PyTorch with "
                                "torch.set_flush_denormal(True)"
                                + (", libtorch with at::globalContext().setFlushDenormal(true)"
                                   if len(peers) > 1 else "") + ")" if denormals == "flush" else
                                "kept on every side (attend --keep-denormals; PyTorch's default)"))
print()
print("| config | threads | attend median (min–max) ms | "
      + "".join(f"{PEER[p]} median (min–max) ms | " for p in peers)
      + "".join(f"ratio attend/{PEER[p]} | " for p in peers)
      + "attend GFLOP/s | fraction of sgemm rate | peak RSS "
      + " / ".join(["attend"] + [PEER[p] for p in peers]) + " MiB |")
print("|---|---|---|" + "---|" * (2 * len(peers) + 3))
detail = []


def best_of(side, name, threads, settings):
    """The setting with the lowest median of SIDE's runs, as (setting, summary, runs), or None."""
    best = None
    for st in settings:
        t = runs(side, name, st)
        if not t:
            continue
        detail.append(f"{name} @{threads}: {'' if side == 'torch' else PEER[side] + ' '}"
                      f"{LABEL[st]}: " + ", ".join(fmt(j["median_ms"]) for j in t))
        s = summary(t)
        if best is None or s[0] < best[1][0]:
            best = (st, s, t)
    return best


for threads, settings in ((1, ["t1b1"]), (2, ["t2b2", "t1b2"])):
    for name in names:
        a = runs("attend", name, f"t{threads}")
        if not a:
            continue
        a_med, a_min, a_max = summary(a)
        detail.append(f"{name} @{threads}: attend: " + ", ".join(fmt(j["median_ms"]) for j in a))
        flop = a[0]["gflop_per_step"] * 1e9 if "gflop_per_step" in a[0] else B4_FLOP.get(name)
        gf = f"{flop / (a_med * 1e6):.1f}" if flop else "—"
        frac = f"{flop / (a_med * 1e6) / rate[threads]:.0%}" if flop and threads in rate else "—"
        cells, ratios, rss = [], [], []
        for p in peers:
            best = best_of(p, name, threads, settings)
            if best:
                st, (t_med, t_min, t_max), t = best
                note = f" [{LABEL[st]}]" if threads == 2 else ""
                cells.append(f"{fmt(t_med)} ({fmt(t_min)}–{fmt(t_max)}){note}")
                ratios.append(f"{a_med / t_med:.2f}")
            else:
                cells.append("—")
                ratios.append("—")
                t = []
            rss.append(f"{max(j['peak_rss_mib'] for j in t):.0f}"
                       if t and "peak_rss_mib" in t[0] else "—")
        rss = (f"{max(j['peak_rss_mib'] for j in a):.0f} / " + " / ".join(rss)
               if "peak_rss_mib" in a[0] else "—")
        print(f"| {name} | {threads} | {fmt(a_med)} ({fmt(a_min)}–{fmt(a_max)}) | "
              + "".join(c + " | " for c in cells) + "".join(r + " | " for r in ratios)
              + f"{gf} | {frac} | {rss} |")
print()
print("Medians are the median of the per-run medians; (min–max) over every timed step of every run. "
      "At 2 threads PyTorch ran in both 2-core settings of BENCHMARKS.md (OB = "
      "OPENBLAS_NUM_THREADS) and the better is shown in [ ]"
      + (", and so did libtorch (at::set_num_threads for torch's threads)" if len(peers) > 1
         else "") + ". "
      + ("libtorch: the same B1-B3 models on PyTorch's C++ frontend (bench_models_libtorch), "
         "the same library without the Python interpreter. " if len(peers) > 1 else "")
      + "GFLOP/s: matrix-product FLOPs of a step (forward + backward) over attend's median; B4 "
      "softmax and layer norm have none. Peak RSS: ru_maxrss of the process, one config per "
      "process (PyTorch's" + (" and libtorch's include" if len(peers) > 1 else " includes")
      + " torch itself, about 240 MiB).")
threads_seen = sorted({(j["threads"], j["os_threads"]) for s, n, _, j in rows
                       if s == "attend" and "os_threads" in j})
if threads_seen:
    print("attend OS threads at the end of a run: "
          + ", ".join(f"--threads {t}: {o}" for t, o in threads_seen))
sides = ["attend"] + peers
step0, params = [], []
for name in names:
    firsts = {s: statistics.median(j["loss_first"] for j in js) for s in sides
              if (js := [j for s2, n, _, j in rows if s2 == s and n == name and "loss_first" in j])}
    if len(firsts) == len(sides):
        step0.append(f"{name} " + " / ".join(f"{firsts[s]:.{3 if s == 'attend' else 6}f}"
                                             for s in sides))
    counts = {s: js[0]["parameters"] for s in sides
              if (js := [j for s2, n, _, j in rows if s2 == s and n == name and "parameters" in j])}
    if len(counts) == len(sides):
        params.append(f"{name} " + " / ".join(f"{counts[s]:,}" for s in sides))
    # libtorch draws its parameters and batch as models_pytorch.py does (same seeds, same order):
    # both PyTorch sides start from the same numbers, so their step-0 losses agree to rounding.
    if "libtorch" in firsts and "torch" in firsts and (
            abs(firsts["libtorch"] - firsts["torch"]) > 1e-4 * abs(firsts["torch"])
            or counts.get("libtorch") != counts.get("torch")):
        print(f"WARNING: {name}: libtorch and PyTorch do not start alike (step-0 loss "
              f"{firsts['libtorch']:.6f} vs {firsts['torch']:.6f}, parameters "
              f"{counts.get('libtorch')} vs {counts.get('torch')}): the two models differ.")
who = " / ".join(PEER.get(s, s) for s in sides)
if params:
    print(f"Parameters, {who}: " + "; ".join(params))
if step0:
    print(f"Step-0 training loss, {who} (same model and sizes; attend draws its own random "
          "init and batch" + (", libtorch the same ones as PyTorch, so those two agree to "
                              "rounding" if len(peers) > 1 else ", PyTorch its own") + "): "
          + "; ".join(step0))
diffs = sorted({d for s, _, _, j in rows if s == "attend" for d in j.get("differences", [])})
for d in diffs:
    print(f"Difference from the PyTorch reference: {d}")
data = sorted({f"{n}: {j['data']}" for s, n, _, j in rows if s == "attend" and "data" in j})
if data:
    print("Data: " + "; ".join(data))
if 1 in rate and 2 in rate and rate[2] < 1.6 * rate[1]:
    print("WARNING: the 2-thread sgemm reached under 1.6x the 1-thread rate: another process was "
          "using a core; re-run when the machine is idle (see the load averages).")
if any("Prescott" in c for cs in core_names.values() for c in cs):
    print("NOTE: Prescott is OpenBLAS's generic SSE3 fallback: this OpenBLAS does not recognise "
          "the CPU; OPENBLAS_CORETYPE=Haswell (AVX2) or SkylakeX/Cooperlake (AVX-512) selects "
          "real kernels.")
print()
print("<details><summary>Per-run medians (ms), in run order</summary>")
print()
for line in detail:
    print("- " + line)
print()
print("</details>")
PY
