#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Training throughput of Shampoo and SOAP beside Adam's, measured in the same run.

`optlab train` on fmnist-mlp and fmnist-cnn (the problems' batches), the same number of updates
for each optimizer: Adam; Shampoo and SOAP at their default precondition frequencies (Shampoo
1, SOAP 10) and at 100, Shampoo preconditioning from its first step. Each arm runs `--repeats` times, interleaved with the others so a busy
machine slows them alike, and its best samples/s counts (the trainer times the training
iterations only). Prints samples/s, the time per sample as a ratio to Adam's, and an estimate of
a refresh's cost: from the two frequencies, (t(f₁) − t(f₂)) / (1/f₁ − 1/f₂) per refresh, and
what a step costs without refreshes, t(f₂) − cost/f₂.

    /usr/bin/python3 bench/preconditioned_throughput.py [--optlab build/optlab] [--iterations 100]

The goal of issue 24: at frequency 100, within 2× of Adam's time per sample.
"""
import argparse
import json
import os
import subprocess
import sys


def run(optlab, problem, optimizer, hyper, iterations, threads):
    cmd = [optlab, "train", "--problem", problem, "--optimizer", optimizer, "--max-iterations", str(iterations),
           "--epochs", "1", "--threads", str(threads), "--json"]
    for name, value in hyper.items():
        cmd += ["--" + name.replace("_", "-"), str(value)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for line in reversed(out.strip().splitlines()):
        try:
            doc = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "samples_per_second" in doc:
            return doc["samples_per_second"]
        for value in doc.values():
            if isinstance(value, dict) and "samples_per_second" in value:
                return value["samples_per_second"]
    raise RuntimeError(f"no samples_per_second in the output of {' '.join(cmd)}:\n{out[-2000:]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--optlab", default=os.path.join(os.path.dirname(__file__), "..", "build", "optlab"))
    ap.add_argument("--problems", default="fmnist-mlp,fmnist-cnn")
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    # Shampoo preconditions from step 1 (start_preconditioning_step 1): its default start is f,
    # so at f = 100 a short run would time the grafted Adam alone.
    arms = [("adam", {}, None),
            ("shampoo", {"start_preconditioning_step": 1}, 1),
            ("shampoo", {"precondition_frequency": 100, "start_preconditioning_step": 1}, 100),
            ("soap", {}, 10), ("soap", {"precondition_frequency": 100}, 100)]
    print(f"{args.iterations} updates per run, best of {args.repeats}, {args.threads} threads "
          f"(a shared machine: compare ratios, not rates)")
    for problem in args.problems.split(","):
        best = {}
        for _ in range(args.repeats):
            for optimizer, hyper, f in arms:
                key = (optimizer, f)
                rate = run(args.optlab, problem, optimizer, hyper, args.iterations, args.threads)
                best[key] = max(best.get(key, 0.0), rate)
        adam = best[("adam", None)]
        print(f"\n{problem}")
        print(f"  {'arm':<22} {'samples/s':>10} {'time/sample vs Adam':>20}")
        for optimizer, _, f in arms:
            rate = best[(optimizer, f)]
            label = optimizer if f is None else f"{optimizer} f={f}"
            print(f"  {label:<22} {rate:>10.0f} {adam / rate:>19.2f}x")
        for optimizer, f1 in (("shampoo", 1), ("soap", 10)):
            t1, t2 = 1 / best[(optimizer, f1)], 1 / best[(optimizer, 100)]  # seconds per sample
            refresh = (t1 - t2) / (1 / f1 - 1 / 100)
            step = t2 - refresh / 100
            print(f"  {optimizer}: a step without refresh {step / (1 / adam):.2f}x Adam's time per sample; "
                  f"a refresh {refresh / (1 / adam):.1f}x an Adam step's time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
