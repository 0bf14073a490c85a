#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Every optimizer's step, optlab against torch.optim, measured in the same run.

For each optimizer PyTorch has, PyTorch's step is timed in its four CPU modes — one tensor or
100 tensors of the same total size, foreach off or on — and optlab's with
`optlab bench step --json` (which also measures the memory bandwidth of a kernel of the step's
shape), alternating (--rounds times per optimizer, the fastest of each side counts) so that a
slow spell of a shared machine hits both. Each side is sampled for the same time in a round
(PyTorch 0.5 s in each of its 4 modes, optlab's step 2 s): the fastest of more samples is
faster on a machine whose bandwidth drifts, so unequal sampling would favour one side.
Gradients are a constant 1e-3, default hyper-parameters of PyTorch, float32, the same thread
count on both sides, the fastest of several steps counts.

Prints ns/parameter for each mode and the ratios issue #5 asks about:
  vs best   PyTorch's fastest mode / optlab        (target: > 1, and >= 2 for the Adam family)
  vs 1t-fe  PyTorch's one-tensor foreach mode / optlab  (target: >= 5 for the Adam family)

    /usr/bin/python3 bench/step_vs_torch.py [--optlab build/optlab] [--threads 2]
        [--params 16777216,10000] [--optimizers adam,sgd,...] [--rounds 2] [--json out.json]

Needs python3-torch (scripts/install-deps.sh --reference); without it, it says so and exits 0.
"""
import argparse
import json
import os
import subprocess
import sys
import time

from torch_env import reexec_with_passive_omp

# optlab registry name -> (torch class, constructor arguments beyond lr's default); None: PyTorch
# has none. The optimizers to run come from the registry (`optlab optimizers --json`), so a
# registered optimizer missing here is reported, not skipped in silence.
TORCH_EQUIVALENT = {
    "sgd": ("SGD", {"lr": 1e-3}),
    "momentum": ("SGD", {"lr": 1e-3, "momentum": 0.9}),
    "nag": ("SGD", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {}),
    "rmsprop": ("RMSprop", {}),
    "adadelta": ("Adadelta", {}),
    "adam": ("Adam", {}),
    "adamw": ("AdamW", {}),
    "amsgrad": ("Adam", {"amsgrad": True}),
    "nadam": ("NAdam", {}),
    "adamax": ("Adamax", {}),
    "radam": ("RAdam", {}),
    "lion": (None, {}),
    # PyTorch 1.13 has none of these (Muon is bound by its products: bench/muon_vs_torch.py).
    "lamb": (None, {}),
    "muon": (None, {}),
    "adafactor": (None, {}),
    "schedule-free-adamw": (None, {}),
    "schedule-free-sgd": (None, {}),
}
ADAM_FAMILY = {"adam", "adamw", "amsgrad", "nadam", "radam", "adamax"}
MODES = [("1 tensor", 1, False), ("1 tensor foreach", 1, True),
         ("100 tensors", 100, False), ("100 tensors foreach", 100, True)]


SECONDS_PER_MODE = 0.5  # PyTorch's sampling time in each mode; optlab's step gets all four's


def time_torch(torch, name, n, tensors, foreach, min_seconds=SECONDS_PER_MODE, min_steps=5):
    cls_name, kwargs = TORCH_EQUIVALENT[name]
    sizes = [n // tensors + (1 if i < n % tensors else 0) for i in range(tensors)]
    params = [torch.zeros(s, dtype=torch.float32, requires_grad=True) for s in sizes]
    for p in params:
        p.grad = torch.full_like(p, 1e-3)
    opt = getattr(torch.optim, cls_name)(params, foreach=foreach, **kwargs)
    calls = max(1, (1 << 20) // n)  # keep one sample above ~0.5 ms for small models
    with torch.no_grad():
        opt.step()  # state is created on the first step
        best, total, steps = float("inf"), 0.0, 0
        while steps < min_steps or total < min_seconds:
            t0 = time.perf_counter()
            for _ in range(calls):
                opt.step()
            dt = time.perf_counter() - t0
            best, total, steps = min(best, dt / calls), total + dt, steps + 1
    return best


def run_optlab(binary, name, n, threads):
    out = subprocess.run([binary, "bench", "step", "--optimizer", name, "--params", str(n),
                          "--threads", str(threads), "--seconds", str(SECONDS_PER_MODE * len(MODES)), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    reexec_with_passive_omp()
    ap = argparse.ArgumentParser()
    ap.add_argument("--optlab", default=os.path.join(os.path.dirname(__file__), "..", "build", "optlab"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--params", default="16777216,10000")
    ap.add_argument("--optimizers", help="comma-separated registry names (default: every registered one)")
    ap.add_argument("--rounds", type=int, default=2, help="alternate PyTorch and optlab this many times")
    ap.add_argument("--json", help="also write every measurement to this file")
    args = ap.parse_args()
    try:
        import torch
    except ImportError as e:
        print(f"step_vs_torch: skipped, PyTorch is not installed ({e}); run scripts/install-deps.sh --reference")
        return 0
    if not os.access(args.optlab, os.X_OK):
        print(f"step_vs_torch: {args.optlab}: not an executable; build optlab first or pass --optlab", file=sys.stderr)
        return 2
    registered = [o["name"] for o in json.loads(
        subprocess.run([args.optlab, "optimizers", "--json"], check=True, capture_output=True, text=True).stdout)]
    names = args.optimizers.split(",") if args.optimizers else registered
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads, "
          f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}) against {args.optlab}, float32, "
          f"{args.threads} threads; ns per parameter, fastest step")
    header = (f"{'optimizer':<9} {'params':>9} " + " ".join(f"{m[0]:>19}" for m in MODES) +
              f" {'optlab':>8} {'simd':>7} {'of bw':>6} {'vs best':>8} {'vs 1t-fe':>8}")
    print(header)
    rows = []
    for n in [int(s) for s in args.params.split(",")]:
        for name in names:
            if name not in registered:
                print(f"step_vs_torch: unknown optimizer {name!r} (expected one of {', '.join(registered)})",
                      file=sys.stderr)
                return 2
            if name not in TORCH_EQUIVALENT:
                print(f"{name:<9} {n:>9}  (no PyTorch counterpart known: add it to TORCH_EQUIVALENT)")
                continue
            if TORCH_EQUIVALENT[name][0] is None:
                print(f"{name:<9} {n:>9}  (PyTorch has no {name})")
                continue
            # Alternate the two sides for --rounds rounds and keep each one's fastest.
            torch_ns, ours = {}, None
            for _ in range(args.rounds):
                for label, tensors, foreach in MODES:
                    ns = time_torch(torch, name, n, tensors, foreach) / n * 1e9
                    torch_ns[label] = min(ns, torch_ns.get(label, float("inf")))
                run = run_optlab(args.optlab, name, n, args.threads)
                if ours is None or run["ns_per_param"] < ours["ns_per_param"]:
                    ours = run
            best_mode = min(torch_ns, key=torch_ns.get)
            row = {"optimizer": name, "params": n, "threads": args.threads, "torch_ns_per_param": torch_ns,
                   "torch_best_mode": best_mode, "optlab": ours,
                   "speedup_vs_best": torch_ns[best_mode] / ours["ns_per_param"],
                   "speedup_vs_one_tensor_foreach": torch_ns["1 tensor foreach"] / ours["ns_per_param"]}
            rows.append(row)
            want = 2.0 if name in ADAM_FAMILY else 1.0
            flag = "" if row["speedup_vs_best"] >= want and (
                name not in ADAM_FAMILY or row["speedup_vs_one_tensor_foreach"] >= 5) else "  < target"
            print(f"{name:<9} {n:>9} " + " ".join(f"{torch_ns[m[0]]:>19.3f}" for m in MODES) +
                  f" {ours['ns_per_param']:>8.3f} {ours.get('simd', '?'):>7} {100 * ours['fraction_of_bandwidth']:>5.0f}%"
                  f" {row['speedup_vs_best']:>7.2f}x {row['speedup_vs_one_tensor_foreach']:>7.2f}x{flag}",
                  flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "threads": args.threads, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
