#!/usr/bin/env bash
# B4 (BENCHMARKS.md): attend (bench_b4) and PyTorch (b4_pytorch.py) on the same single-op kernels,
# run alternately (attend, torch, attend, torch, ...) at 1 and at 2 threads, both sides under the
# same OPENBLAS_CORETYPE (the environment's, untouched), then one markdown table.
#
# Thread settings:
#   1 thread : attend --threads 1; torch --threads 1 with OPENBLAS_NUM_THREADS=1.
#   2 threads: attend --threads 2 (OpenBLAS 2; attend's own loops are single-threaded).
#              torch in both 2-core settings BENCHMARKS.md names, alternating, and the better
#              median per kernel is reported (the table says which):
#                "torch 2 + OB 2": torch.set_num_threads(2), OPENBLAS_NUM_THREADS=2
#                "torch 1 + OB 2": torch.set_num_threads(1), OPENBLAS_NUM_THREADS=2
#              (Debian's torch 1.13 runs float matmul through OpenBLAS: libtorch_cpu's sgemm_
#              binds to libblas.so.3 = openblas-pthread, so OPENBLAS_NUM_THREADS governs it.)
#
# Environment knobs: ROUNDS (default 3, at least 2), STEPS (50), WARMUP (10),
# BUILD_DIR (default <repo>/build; bench_b4 is built there if missing),
# TORCH_PYTHON (default /usr/bin/python3, Debian's python3-torch).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-50}
WARMUP=${WARMUP:-10}
TORCH_PYTHON=${TORCH_PYTHON:-/usr/bin/python3}
BIN=$BUILD_DIR/bench/bench_b4
PYBENCH=$REPO/bench/b4_pytorch.py

if ((ROUNDS < 2)); then
  echo "ROUNDS must be at least 2 (got $ROUNDS)" >&2
  exit 2
fi
if [[ ! -x $BIN ]]; then
  echo "building bench_b4 in $BUILD_DIR ..." >&2
  cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target bench_b4 >&2
fi
"$TORCH_PYTHON" -c 'import torch' 2>/dev/null || {
  echo "$TORCH_PYTHON cannot import torch (install python3-torch or set TORCH_PYTHON)" >&2
  exit 2
}

if [[ -n ${OPENBLAS_CORETYPE+x} ]]; then
  CORETYPE_DESC="OPENBLAS_CORETYPE='$OPENBLAS_CORETYPE' (from the environment, used by both sides)"
else
  CORETYPE_DESC="OPENBLAS_CORETYPE unset (OpenBLAS picks its kernels from cpuid, on both sides)"
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/b4.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

echo "# B4 kernels: attend vs PyTorch"
echo
echo "- $CORETYPE_DESC"
echo "- rounds $ROUNDS, $STEPS timed iterations after $WARMUP warm-up per run"
echo "- load before: $(uptime | sed 's/.*load average/load average/')"

run_attend() {  # threads tag
  OPENBLAS_NUM_THREADS=$1 "$BIN" --threads "$1" --steps "$STEPS" --warmup "$WARMUP" --json \
    >"$OUT/attend.t$1.$2.json"
}
run_torch() {  # torch-threads openblas-threads tag
  OMP_NUM_THREADS=$1 OPENBLAS_NUM_THREADS=$2 "$TORCH_PYTHON" "$PYBENCH" --threads "$1" \
    --steps "$STEPS" --warmup "$WARMUP" --json >"$OUT/torch.t$1b$2.$3.json"
}

for ((r = 1; r <= ROUNDS; r++)); do
  echo "  round $r/$ROUNDS ..." >&2
  # 1 thread: attend, torch
  run_attend 1 "r$r"
  run_torch 1 1 "r$r"
  # 2 threads: attend, torch (2 + OB 2), attend, torch (1 + OB 2)
  run_attend 2 "r${r}a"
  run_torch 2 2 "r$r"
  run_attend 2 "r${r}b"
  run_torch 1 2 "r$r"
done

echo "- load after: $(uptime | sed 's/.*load average/load average/')"
echo

python3 - "$OUT" <<'PY'
import glob, json, os, statistics, sys

out = sys.argv[1]
runs = []
for path in sorted(glob.glob(os.path.join(out, "*.json"))):
    with open(path) as f:
        j = json.load(f)
    j["config"] = os.path.basename(path).split(".")[1]  # t1, t2 (attend); t1b1, t2b2, t1b2 (torch)
    runs.append(j)

TORCH_LABEL = {"t1b1": "torch 1 + OB 1", "t2b2": "torch 2 + OB 2", "t1b2": "torch 1 + OB 2"}
kernels = [k["name"] for k in runs[0]["kernels"]]


def collect(side, config, kernel):
    ks = [k for j in runs if j["side"] == side and j["config"] == config
          for k in j["kernels"] if k["name"] == kernel]
    return ([k["median_ms"] for k in ks], min(k["min_ms"] for k in ks),
            max(k["max_ms"] for k in ks))


print("| kernel | threads | attend median ms (min–max) | torch median ms | ratio attend/torch |")
print("|---|---|---|---|---|")
detail = []
for threads, torch_configs in ((1, ["t1b1"]), (2, ["t2b2", "t1b2"])):
    for kernel in kernels:
        a_meds, a_min, a_max = collect("attend", f"t{threads}", kernel)
        a_med = statistics.median(a_meds)
        best = None
        for cfg in torch_configs:
            t_meds, _, _ = collect("torch", cfg, kernel)
            if not detail or not detail[-1].startswith(f"{kernel} @{threads}:"):
                detail.append(f"{kernel} @{threads}: attend: "
                              + ", ".join(f"{m:.4f}" for m in a_meds))
            t_med = statistics.median(t_meds)
            detail.append(f"{kernel} @{threads}: {TORCH_LABEL[cfg]}: "
                          + ", ".join(f"{m:.4f}" for m in t_meds))
            if best is None or t_med < best[1]:
                best = (cfg, t_med)
        note = f" ({TORCH_LABEL[best[0]]})" if threads == 2 else ""
        print(f"| {kernel} | {threads} | {a_med:.4f} ({a_min:.4f}–{a_max:.4f}) | "
              f"{best[1]:.4f}{note} | {a_med / best[1]:.2f} |")
print()
print("attend: median of the per-run medians, (min–max) over every timed iteration of every run;"
      " torch: median of the per-run medians; OB = OPENBLAS_NUM_THREADS.")
print("At 2 threads torch ran in both 2-core settings of BENCHMARKS.md; the better is shown.")
print()
cores = sorted({(j["side"], j["core"]) for j in runs})
print("OpenBLAS core: " + "; ".join(f"{s} {c}" for s, c in cores))
if len({c for _, c in cores}) > 1:
    print("WARNING: the two sides ran different OpenBLAS kernels")
if any(c == "Prescott" for _, c in cores):
    print("NOTE: Prescott is OpenBLAS's generic SSE3 fallback: this OpenBLAS does not recognise the"
          " CPU model; OPENBLAS_CORETYPE=Haswell (AVX2) or SkylakeX/Cooperlake (AVX-512) selects"
          " real kernels.")
for threads in (1, 2):
    best = [j["sgemm"]["best_gflops"] for j in runs
            if j["side"] == "attend" and j["config"] == f"t{threads}"]
    print(f"sgemm 1024^3, {threads} thread(s): {statistics.median(best):.1f} GFLOP/s "
          f"(median over runs of each run's best call; runs: "
          + ", ".join(f"{g:.1f}" for g in best) + ")")
one = statistics.median(j["sgemm"]["best_gflops"] for j in runs
                        if j["side"] == "attend" and j["config"] == "t1")
slow = [j["sgemm"]["best_gflops"] for j in runs
        if j["side"] == "attend" and j["config"] == "t2" and j["sgemm"]["best_gflops"] < 1.6 * one]
if slow:
    print(f"WARNING: {len(slow)} two-thread run(s) reached under 1.6x the one-thread sgemm rate: "
          "another process was using a core; re-run when the machine is idle (see uptime).")
print()
print("Per-run medians (ms), in run order:")
for line in detail:
    print("- " + line)
PY
