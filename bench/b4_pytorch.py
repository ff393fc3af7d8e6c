#!/usr/bin/python3
"""B4 (BENCHMARKS.md), PyTorch side: the kernels of bench/b4_kernels.cpp with the same shapes and
the same timing protocol (forward + backward from a fixed upstream gradient, .grad cleared before
each iteration outside the timed region, median/min/max ms over --steps timed iterations after
--warmup untimed ones, on a monotonic clock).

Threads: --threads sets torch.set_num_threads (ATen's OpenMP pool). OpenBLAS, which Debian's torch
1.13 calls for float matmul on CPU (libblas.so.3 -> openblas-pthread), keeps its own pthread pool,
sized by OPENBLAS_NUM_THREADS (default: all cores); run_b4.sh sets it explicitly.

Needs Debian's python3-torch: run it with /usr/bin/python3 (the python3 on PATH may lack torch).
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def openblas_info():
    """Core name and thread count of the OpenBLAS torch has loaded (the same library instance)."""
    for name in ("libopenblas.so.0", "libopenblas.so"):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode(), int(lib.openblas_get_num_threads())
    return "unknown", None


def make_kernels():
    g = torch.Generator().manual_seed(0)

    def randn(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float32)

    ks = []
    a = randn(256, 256).requires_grad_()
    b = randn(256, 256).requires_grad_()
    ks.append(("matmul", "256x256 @ 256x256", [a, b], lambda: torch.mm(a, b), randn(256, 256)))

    a1 = randn(1024, 1024).requires_grad_()
    b1 = randn(1024, 1024).requires_grad_()
    ks.append(("matmul1024", "1024x1024 @ 1024x1024", [a1, b1], lambda: torch.mm(a1, b1),
               randn(1024, 1024)))

    x = randn(3072, 24).requires_grad_()
    ks.append(("softmax", "3072x24, dim -1", [x], lambda: torch.softmax(x, -1), randn(3072, 24)))

    xl = randn(768, 128).requires_grad_()
    w = (1.0 + 0.1 * randn(128)).requires_grad_()
    bl = (0.1 * randn(128)).requires_grad_()
    ks.append(("layer_norm", "768x128, weight+bias", [xl, w, bl],
               lambda: F.layer_norm(xl, (128,), w, bl, 1e-5), randn(768, 128)))

    cell = torch.nn.LSTMCell(128, 256)
    xc, hc, cc = randn(32, 128), randn(32, 256), randn(32, 256)

    def lstm_step():
        h1, c1 = cell(xc, (hc, cc))
        return torch.cat((h1, c1), 1)
    ks.append(("lstm_cell", "batch 32, input 128, hidden 256", list(cell.parameters()), lstm_step,
               randn(32, 512)))
    return ks


def run_kernel(leaves, forward, upstream, warmup, steps):
    for _ in range(warmup):
        for t in leaves:
            t.grad = None
        forward().backward(upstream)
    ms = []
    clock = time.perf_counter_ns  # monotonic, like std::chrono::steady_clock
    for _ in range(steps):
        for t in leaves:
            t.grad = None
        t0 = clock()
        y = forward()
        y.backward(upstream)
        t1 = clock()
        ms.append((t1 - t0) / 1e6)
    checksum = float(sum(t.grad.double().sum().item() for t in leaves))
    return statistics.median(ms), min(ms), max(ms), checksum




def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    ap.add_argument("--flush-denormal", action="store_true",
                    help="torch.set_flush_denormal(True): subnormal floats read and written as 0")
    args = ap.parse_args()
    if args.threads < 1 or args.steps < 1 or args.warmup < 0:
        ap.error("--threads and --steps must be >= 1, --warmup >= 0")

    torch.set_num_threads(args.threads)
    flush = torch.set_flush_denormal(True) if args.flush_denormal else False
    core, blas_threads = openblas_info()
    results = []
    with torch.enable_grad():
        for name, shape, leaves, forward, upstream in make_kernels():
            med, lo, hi, cs = run_kernel(leaves, forward, upstream, args.warmup, args.steps)
            results.append({"name": name, "shape": shape, "median_ms": med, "min_ms": lo,
                            "max_ms": hi, "grad_checksum": cs})

    if args.json:
        print(json.dumps({
            "side": "torch", "torch_version": torch.__version__, "threads": args.threads,
            "torch_threads": torch.get_num_threads(), "blas_threads": blas_threads, "core": core,
            "flush_denormal": flush,
            "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
            "steps": args.steps, "warmup": args.warmup, "kernels": results}))
        return 0
    env = os.environ.get("OPENBLAS_CORETYPE")
    print(f"B4 kernels, torch {torch.__version__}: torch threads {torch.get_num_threads()}, "
          f"OpenBLAS threads {blas_threads}, OpenBLAS core {core}, "
          f"OPENBLAS_CORETYPE={env if env is not None else '(unset)'}")
    print(f"forward + backward, {args.steps} timed iterations after {args.warmup} warm-up, "
          "ms per iteration")
    print(f"{'kernel':<11} {'shape':<22} {'median':>10} {'min':>10} {'max':>10}")
    for r in results:
        print(f"{r['name']:<11} {r['shape']:<22} {r['median_ms']:10.4f} {r['min_ms']:10.4f} "
              f"{r['max_ms']:10.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
