#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Muon's step, optlab against the same formula written with PyTorch operations, in one run.

PyTorch 1.13 has no Muon; the formula is torch.optim.Muon's (2.9) step — lerp momentum,
Nesterov, Newton-Schulz with torch.addmm, decoupled decay — in float32 (optlab's documented
choice: no bfloat16). Both sides run on the same matrix shapes and thread count; PyTorch also at
its best thread count (1 or the given count). optlab's numbers come from
`optlab_bench_step --optimizers none --muon ... --json`, which also times the bare GEMMs
(its GFLOP/s and fraction of the GEMM rate). Rounds alternate the two sides; the fastest of
each counts.

    /usr/bin/python3 bench/muon_vs_torch.py [--bench build/bench/optlab_bench_step]
        [--threads 2] [--shapes 1024x1024,4096x1024] [--rounds 3]

Needs python3-torch (scripts/install-deps.sh --reference); without it, it says so and exits 0.
"""
import argparse
import json
import math
import subprocess
import sys
import time

from torch_env import reexec_with_passive_omp


def torch_muon_step(torch, p, g, buf, lr=1e-3, wd=0.1, mu=0.95, coeffs=(3.4445, -4.7750, 2.0315), eps=1e-7,
                    steps=5):
    a, b, c = coeffs
    buf.lerp_(g, 1 - mu)
    update = g.lerp(buf, mu)
    X = update
    transposed = X.size(0) > X.size(1)
    if transposed:
        X = X.T
    X = X / X.norm().clamp(min=eps)
    for _ in range(steps):
        A = X @ X.T
        B = torch.addmm(A, A, A, beta=b, alpha=c)
        X = torch.addmm(X, B, X, beta=a)
    if transposed:
        X = X.T
    A_, B_ = p.shape[:2]
    p.mul_(1 - lr * wd)
    p.add_(X, alpha=-lr * math.sqrt(max(1, A_ / B_)))


def time_torch(torch, rows, cols, threads, seconds=1.0):
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    p = torch.rand(rows, cols, generator=gen) - 0.5
    g = torch.rand(rows, cols, generator=gen) - 0.5
    buf = torch.zeros_like(p)
    with torch.no_grad():
        torch_muon_step(torch, p, g, buf)  # warm-up
        best, total = float("inf"), 0.0
        while total < seconds:
            t0 = time.perf_counter()
            torch_muon_step(torch, p, g, buf)
            dt = time.perf_counter() - t0
            best, total = min(best, dt), total + dt
    return best


def main():
    reexec_with_passive_omp()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default="build/bench/optlab_bench_step")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--shapes", default="1024x1024,4096x1024")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    try:
        import torch
    except ImportError as e:
        print(f"muon_vs_torch: skipped, PyTorch is not installed ({e}); run scripts/install-deps.sh --reference")
        return 0
    print(f"muon step, float32, {args.threads} threads: optlab vs the same formula in PyTorch {torch.__version__}")
    print(f"{'matrix':<11} {'optlab ms':>10} {'GFLOP/s':>8} {'of GEMM':>8} {'torch ms':>9} {'torch 1t':>9} "
          f"{'speedup':>8}")
    for shape in args.shapes.split(","):
        rows, cols = (int(x) for x in shape.split("x"))
        ours, torch_n, torch_1 = None, float("inf"), float("inf")
        for _ in range(args.rounds):
            out = subprocess.run([args.bench, "--optimizers", "none", "--muon", shape, "--threads",
                                  str(args.threads), "--json"], check=True, capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            if ours is None or r["step_ms"] < ours["step_ms"]:
                ours = r
            torch_n = min(torch_n, time_torch(torch, rows, cols, args.threads))
            torch_1 = min(torch_1, time_torch(torch, rows, cols, 1))
        best_torch_ms = min(torch_n, torch_1) * 1e3
        print(f"{shape:<11} {ours['step_ms']:>10.2f} {ours['gflops']:>8.1f} {100 * ours['fraction_of_gemm']:>7.0f}% "
              f"{torch_n * 1e3:>9.2f} {torch_1 * 1e3:>9.2f} {best_torch_ms / ours['step_ms']:>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
