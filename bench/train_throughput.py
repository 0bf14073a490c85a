#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Training throughput of optlab against PyTorch, measured in the same run.

The network of the lecture's comparison (784-100-100-100-100-10, ReLU, He init, batch 128) on
Fashion-MNIST, for Adam and SGD, on the same number of threads. Both sides are timed over the
training iterations only (no data loading, no evaluation) and the best of three repetitions
counts. Prints samples/s for each and their ratio, and which BLAS PyTorch loaded (Debian's
python3-torch uses whichever BLAS the system alternatives select; the reference BLAS makes it
~15x slower, which would be no fair anchor).

    /usr/bin/python3 bench/train_throughput.py [--optlab build/optlab] [--threads 2] [--iterations 1000]

Needs python3-torch and python3-numpy (scripts/install-deps.sh --reference); without them it
says so and exits 0.
"""
import argparse
import json
import os
import subprocess
import sys
import time

from torch_env import blas_loaded, read_idx, reexec_with_passive_omp


def main():
    reexec_with_passive_omp()
    ap = argparse.ArgumentParser()
    ap.add_argument("--optlab", default=os.path.join(os.path.dirname(__file__), "..", "build", "optlab"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = ap.parse_args()
    try:
        import numpy  # noqa: F401  (read_idx needs it)
        import torch
    except ImportError as e:
        print(f"train_throughput: skipped, PyTorch or NumPy is not installed ({e}); "
              "run scripts/install-deps.sh --reference")
        return 0

    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__}, {args.threads} threads, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}, "
          f"BLAS loaded: {blas_loaded()}")

    x = torch.tensor(read_idx(args.data, "train-images-idx3-ubyte").reshape(-1, 784) / 255.0, dtype=torch.float32)
    y = torch.tensor(read_idx(args.data, "train-labels-idx1-ubyte"), dtype=torch.long)

    def torch_rate(opt_name):
        torch.manual_seed(1)
        layers = []
        sizes = [784, 100, 100, 100, 100, 10]
        for i in range(5):
            lin = torch.nn.Linear(sizes[i], sizes[i + 1])
            torch.nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
            torch.nn.init.zeros_(lin.bias)
            layers.append(lin)
            if i < 4:
                layers.append(torch.nn.ReLU())
        net = torch.nn.Sequential(*layers)
        opt = (torch.optim.Adam(net.parameters(), lr=1e-3) if opt_name == "adam"
               else torch.optim.SGD(net.parameters(), lr=0.01))
        loss_fn = torch.nn.CrossEntropyLoss()
        best = 0.0
        for _ in range(3):
            perm = torch.randperm(x.shape[0])
            start = time.perf_counter()
            for it in range(args.iterations):
                idx_ = perm[(it * 128) % 59904:(it * 128) % 59904 + 128]
                xb, yb = x[idx_], y[idx_]
                opt.zero_grad()
                loss = loss_fn(net(xb), yb)
                loss.backward()
                opt.step()
            best = max(best, args.iterations * 128 / (time.perf_counter() - start))
        return best

    def optlab_rate(opt_name):
        best = 0.0
        lr = "1e-3" if opt_name == "adam" else "0.01"
        for _ in range(3):
            out = subprocess.run(
                [args.optlab, "train", "--data", args.data, "--optimizer", opt_name, "--lr", lr,
                 "--batch", "128", "--epochs", "1000", "--max-iterations", str(args.iterations),
                 "--threads", str(args.threads), "--progress", "none", "--json"],
                check=True, capture_output=True, text=True).stdout
            best = max(best, json.loads(out.strip().splitlines()[-1])["samples_per_second"])
        return best

    print(f"{'optimizer':<10}{'optlab samples/s':>18}{'PyTorch samples/s':>19}{'ratio':>8}")
    for name in ("adam", "sgd"):
        o, t = optlab_rate(name), torch_rate(name)
        print(f"{name:<10}{o:>18.0f}{t:>19.0f}{o / t:>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
