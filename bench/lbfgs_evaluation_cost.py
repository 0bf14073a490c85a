#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What one loss-and-gradient evaluation costs inside L-BFGS, against a training step of SGD and
Adam measured in the same run.

`optlab train` on a problem's batches: SGD and Adam for N steps, L-BFGS for N evaluations
(`--max-evaluations`; with the fixed step every iteration evaluates once, so N iterations too)
at history sizes 100 (torch's default), 10 and 3. Each arm runs `--repeats` times, interleaved
with the others so a busy machine slows them alike; the best counts. The trainer times the
training iterations only (the summary's samples/s: one batch per iteration), so an
evaluation's time is that time over the summary's `evaluations`.

What an L-BFGS evaluation adds to the forward and backward pass: the two-loop recursion (per
iteration, two passes over each stored pair: 4·history·n multiply-adds reading 2·history·n
values), the new pair and the direction (a few passes over n). Once the history is full, that
is memory traffic proportional to the history: on fmnist-mlp (n = 109 810 float32) a history of
100 reads 88 MB per iteration.

    /usr/bin/python3 bench/lbfgs_evaluation_cost.py [--optlab build/optlab] [--evaluations 200]

Issue 24's goal: L-BFGS's cost per evaluation equals a training step's.
"""
import argparse
import json
import os
import subprocess
import sys


def run(optlab, problem, optimizer, hyper, evaluations, threads):
    """(seconds per evaluation, evaluations) of one training run."""
    cmd = [optlab, "train", "--problem", problem, "--optimizer", optimizer, "--max-evaluations", str(evaluations),
           "--epochs", "1", "--threads", str(threads), "--json"]
    for name, value in hyper.items():
        cmd += ["--" + name.replace("_", "-"), str(value)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    doc = json.loads(out.strip().splitlines()[-1])
    seconds = doc["iterations"] * doc["batch"] / doc["samples_per_second"]
    return seconds / doc["evaluations"], doc["evaluations"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--optlab", default=os.path.join(os.path.dirname(__file__), "..", "build", "optlab"))
    ap.add_argument("--problems", default="fmnist-mlp,fmnist-logreg")
    ap.add_argument("--evaluations", type=int, default=200,
                    help="per run: more than the largest history, so the two-loop recursion runs full")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    arms = [("sgd", {}), ("adam", {}),
            ("lbfgs", {"history_size": 100}), ("lbfgs", {"history_size": 10}), ("lbfgs", {"history_size": 3})]
    print(f"{args.evaluations} evaluations per run, best of {args.repeats}, {args.threads} threads "
          "(a shared machine: compare ratios, not times)")
    for problem in args.problems.split(","):
        best = {}
        for _ in range(args.repeats):
            for optimizer, hyper in arms:
                key = (optimizer, tuple(hyper.items()))
                cost, count = run(args.optlab, problem, optimizer, hyper, args.evaluations, args.threads)
                best[key] = min(best.get(key, (float("inf"), 0)), (cost, count))
        sgd = best[("sgd", ())][0]
        print(f"\n{problem}")
        print(f"  {'arm':<22} {'ms/evaluation':>14} {'vs SGD step':>12} {'vs Adam step':>13}")
        adam = best[("adam", ())][0]
        for optimizer, hyper in arms:
            cost, count = best[(optimizer, tuple(hyper.items()))]
            label = optimizer + "".join(f" {k}={v}" for k, v in hyper.items())
            print(f"  {label:<22} {cost * 1e3:>14.3f} {cost / sgd:>11.2f}x {cost / adam:>12.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
