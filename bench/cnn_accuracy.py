#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fmnist-cnn's test accuracy after its default budget (2 epochs, batch 128, Adam 1e-3), over
seeds, for optlab and for PyTorch training the same model the same way.

One run's accuracy depends on its seed by a few tenths of a point (the initial weights and the
order of the batches), so a claim such as "it passes 88% after 2 epochs" is a claim about a
distribution. This script measures it: each seed's accuracy, the mean, its standard error, and
how many seeds pass the threshold, for
  - optlab: `optlab train --problem fmnist-cnn --optimizer adam --lr 1e-3 --seed S`;
  - PyTorch 1.13 on one thread (its fastest for this CNN): conv → ReLU → max-pool twice (the
    issue's order; optlab computes the same function with each ReLU after its pool), linear;
    weights as optlab's default (kaiming_normal_ with fan-in and ReLU's gain, biases zero) and,
    with --torch-init default, torch's own initialisation; torch.randperm order each epoch;
    the last batch of 96 kept, as optlab keeps it.
Pixels are x / 255 on both sides. Runs take ~5 s (optlab, 2 threads) and ~25 s (PyTorch) each.

    /usr/bin/python3 bench/cnn_accuracy.py [--optlab build/optlab] [--seeds 1-20]
        [--torch-seeds 1-10] [--torch-init he|default|none] [--threshold 0.88] [--out F.json]

Needs python3-torch and python3-numpy for the PyTorch side (scripts/install-deps.sh
--reference); without them, or with --torch-init none, it measures optlab alone.
"""
import argparse
import json
import math
import os
import subprocess
import sys

from torch_env import read_idx, reexec_with_passive_omp


def seed_list(text):
    """"1-20" or "1,4,7" (or both: "1-5,9")."""
    seeds = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        seeds += range(int(first), int(last or first) + 1)
    return seeds


def summary(accuracies, threshold):
    n = len(accuracies)
    mean = sum(accuracies) / n
    sd = math.sqrt(sum((a - mean) ** 2 for a in accuracies) / (n - 1)) if n > 1 else float("nan")
    return {"runs": n, "mean": mean, "sd": sd, "standard_error": sd / math.sqrt(n), "min": min(accuracies),
            "max": max(accuracies), "passing": sum(a > threshold for a in accuracies)}


def optlab_accuracy(binary, data, seed):
    out = subprocess.run([binary, "train", "--problem", "fmnist-cnn", "--optimizer", "adam", "--lr", "1e-3",
                          "--seed", str(seed), "--data", data, "--progress", "none", "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["test_accuracy"]


def torch_trainer(data, init):
    import torch
    from torch import nn
    torch.set_num_threads(1)

    def images(name):
        return torch.tensor(read_idx(data, name).reshape(-1, 1, 28, 28) / 255.0, dtype=torch.float32)

    def labels(name):
        return torch.tensor(read_idx(data, name), dtype=torch.long)

    x, y = images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte")
    x_test, y_test = images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte")

    def accuracy(seed, epochs=2, batch=128):
        torch.manual_seed(seed)
        net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(32 * 7 * 7, 10))
        if init == "he":
            for layer in net:
                if isinstance(layer, (nn.Conv2d, nn.Linear)):
                    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                    nn.init.zeros_(layer.bias)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        for _ in range(epochs):
            order = torch.randperm(x.shape[0])
            for first in range(0, x.shape[0], batch):
                i = order[first:first + batch]
                opt.zero_grad()
                loss_fn(net(x[i]), y[i]).backward()
                opt.step()
        with torch.no_grad():
            return (net(x_test).argmax(1) == y_test).float().mean().item()

    return accuracy


def main():
    reexec_with_passive_omp()
    ap = argparse.ArgumentParser()
    ap.add_argument("--optlab", default=os.path.join(os.path.dirname(__file__), "..", "build", "optlab"))
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--seeds", default="1-20", help="optlab's seeds: 1-20, 1,4,7 or none")
    ap.add_argument("--torch-seeds", default="1-10")
    ap.add_argument("--torch-init", choices=["he", "default", "none"], default="he")
    ap.add_argument("--threshold", type=float, default=0.88)
    ap.add_argument("--out", help="write the accuracies and their summaries here as JSON")
    args = ap.parse_args()

    arms = {}
    if args.seeds != "none":
        arms["optlab"] = (seed_list(args.seeds), lambda s: optlab_accuracy(args.optlab, args.data, s))
    if args.torch_init != "none":
        try:
            import numpy  # noqa: F401  (read_idx needs it)
            import torch
            arms[f"torch {torch.__version__} ({args.torch_init} init)"] = (
                seed_list(args.torch_seeds), torch_trainer(args.data, args.torch_init))
        except ImportError as e:
            print(f"cnn_accuracy: PyTorch side skipped, PyTorch or NumPy is not installed ({e}); "
                  "run scripts/install-deps.sh --reference")

    results = {"threshold": args.threshold, "budget": "2 epochs, batch 128, Adam lr 1e-3", "arms": {}}
    for name, (seeds, accuracy) in arms.items():
        runs = []
        for seed in seeds:
            runs.append({"seed": seed, "test_accuracy": accuracy(seed)})
            print(f"{name:32s} seed {seed:3d}: {runs[-1]['test_accuracy']:.4f}", flush=True)
        results["arms"][name] = {"runs": runs, "summary": summary([r["test_accuracy"] for r in runs], args.threshold)}

    print(f"\nfmnist-cnn test accuracy after {results['budget']}:")
    for name, arm in results["arms"].items():
        s = arm["summary"]
        print(f"  {name:32s} mean {100 * s['mean']:.2f}% ± {100 * s['standard_error']:.2f} (s.e.), "
              f"sd {100 * s['sd']:.2f}, range {100 * s['min']:.2f}–{100 * s['max']:.2f}%, "
              f"{s['passing']} of {s['runs']} seeds above {100 * args.threshold:g}%")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
