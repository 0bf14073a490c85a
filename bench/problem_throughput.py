#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Training throughput of optlab's fmnist-cnn and words-charlm against PyTorch, in the same run.

The same model, batch (128) and optimizer (Adam 1e-3) on both sides, timed over training
iterations only (no data loading, no evaluation), the best of three repetitions. PyTorch runs on
1 and on `--threads` threads and its best counts (1.13's CPU convolutions are far slower on 2
threads than on 1 here). For the CNN the script also measures the machine's single-precision
GEMM rate (a 1024×1024×1024 torch.mm, the same OpenBLAS, on `--threads` threads; in rounds
alternating with optlab's, best of each) and reports optlab against the limit that rate sets: rate / FLOPs per sample (forward, then dW and dx of
every layer but the first's dx).

    /usr/bin/python3 bench/problem_throughput.py [--optlab build/optlab] [--threads 2] [--iterations N]

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

# FLOPs per sample of fmnist-cnn's forward and backward (2 per multiply-add).
CONV1 = 2 * 28 * 28 * 9 * 16        # forward; backward: dW only (the images need no gradient)
CONV2 = 2 * 14 * 14 * 144 * 32      # forward; backward: dW and dx
LINEAR = 2 * 1568 * 10
CNN_FLOPS = 2 * CONV1 + 3 * CONV2 + 3 * LINEAR


def main():
    reexec_with_passive_omp()
    ap = argparse.ArgumentParser()
    ap.add_argument("--optlab", default=os.path.join(os.path.dirname(__file__), "..", "build", "optlab"))
    ap.add_argument("--threads", type=int, default=2)
    # Per problem by default, so each timed run lasts about a second or more: 400 of the
    # language model's iterations took 0.1 s, and the run's first iterations (page faults,
    # cold caches) then showed as a third lower rate than 3 000 iterations give.
    ap.add_argument("--iterations", type=int, default=None,
                    help="iterations per timed run (default: 400 for fmnist-cnn, 3000 for words-charlm)")
    ap.add_argument("--problems", default="fmnist-cnn,words-charlm")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--words", default="/usr/share/dict/words")
    args = ap.parse_args()
    try:
        import numpy  # noqa: F401  (read_idx needs it)
        import torch
    except ImportError as e:
        print(f"problem_throughput: skipped, PyTorch or NumPy is not installed ({e}); "
              "run scripts/install-deps.sh --reference")
        return 0
    from torch import nn

    mkldnn = torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled
    print(f"PyTorch {torch.__version__}, BLAS loaded: {blas_loaded()}; convolutions: "
          f"{'oneDNN (mkldnn)' if mkldnn else 'im2col + BLAS (THNN)'}; OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")

    def words_data():
        words = sorted({w.strip() for w in open(args.words) if w.strip().isascii() and w.strip().isalpha()
                        and w.strip().islower()})
        ctx, tgt = [], []
        for w in words:
            c = [0, 0, 0]
            for ch in w + ".":
                t = 0 if ch == "." else ord(ch) - ord("a") + 1
                ctx.append(list(c))
                tgt.append(t)
                c = c[1:] + [t]
        return torch.tensor(ctx, dtype=torch.long), torch.tensor(tgt, dtype=torch.long)

    def cnn():  # optlab's order: each ReLU after its max-pool (the same function, 4× fewer ReLUs)
        return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
                             nn.Conv2d(16, 32, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(),
                             nn.Linear(32 * 7 * 7, 10))

    class CharLm(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(27, 10)
            self.hidden = nn.Linear(30, 200)
            self.out = nn.Linear(200, 27)

        def forward(self, ids):
            return self.out(torch.tanh(self.hidden(self.embedding(ids).view(ids.shape[0], -1))))

    def torch_rate(make, x, y, threads):
        torch.set_num_threads(threads)
        torch.manual_seed(1)
        net = make()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        n = x.shape[0] // 128 * 128
        best = 0.0
        for _ in range(3):
            perm = torch.randperm(x.shape[0])
            start = time.perf_counter()
            for it in range(iterations):
                i = perm[(it * 128) % n:(it * 128) % n + 128]
                opt.zero_grad()
                loss_fn(net(x[i]), y[i]).backward()
                opt.step()
            best = max(best, iterations * 128 / (time.perf_counter() - start))
        return best

    def optlab_rate(problem, extra, rounds=3):
        best = 0.0
        for _ in range(rounds):
            out = subprocess.run(
                [args.optlab, "train", "--problem", problem, "--optimizer", "adam", "--lr", "1e-3", "--batch", "128",
                 "--epochs", "1000", "--max-iterations", str(iterations), "--threads", str(args.threads),
                 "--progress", "none", "--json"] + extra,
                check=True, capture_output=True, text=True).stdout
            best = max(best, json.loads(out.strip().splitlines()[-1])["samples_per_second"])
        return best

    def gemm_rate(threads, rounds=5):
        torch.set_num_threads(threads)
        a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
        torch.mm(a, b)
        best = 0.0
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(10):
                torch.mm(a, b)
            best = max(best, 10 * 2 * 1024 ** 3 / (time.perf_counter() - start))
        return best

    print(f"{'problem':<14}{'optlab /s':>11}{'torch 1 thr':>13}{'torch ' + str(args.threads) + ' thr':>13}"
          f"{'vs best':>9}")
    for problem in args.problems.split(","):
        iterations = args.iterations or {"words-charlm": 3000}.get(problem, 400)
        if problem == "fmnist-cnn":
            x = torch.tensor(read_idx(args.data, "train-images-idx3-ubyte").reshape(-1, 1, 28, 28) / 255.0, dtype=torch.float32)
            y = torch.tensor(read_idx(args.data, "train-labels-idx1-ubyte"), dtype=torch.long)
            make, extra = cnn, ["--data", args.data]
        elif problem == "words-charlm":
            x, y = words_data()
            make, extra = CharLm, ["--data", args.words]
        else:
            raise SystemExit(f"problem_throughput: no PyTorch model for {problem}")
        if problem == "fmnist-cnn":
            # optlab and the GEMM rate in alternating rounds, the best of each: a slow or fast
            # spell of this shared machine then counts for both sides of the ratio.
            o = rate = 0.0
            for _ in range(5):
                o = max(o, optlab_rate(problem, extra, 1))
                rate = max(rate, gemm_rate(args.threads, 2))
        else:
            o = optlab_rate(problem, extra)
        t1 = torch_rate(make, x, y, 1)
        tn = torch_rate(make, x, y, args.threads) if args.threads != 1 else t1
        print(f"{problem:<14}{o:>11.0f}{t1:>13.0f}{tn:>13.0f}{o / max(t1, tn):>8.2f}x")
        if problem == "fmnist-cnn":
            limit = rate / CNN_FLOPS
            print(f"  GEMM rate {rate / 1e9:.1f} GFLOP/s on {args.threads} threads; {CNN_FLOPS / 1e6:.2f} MFLOP per "
                  f"sample: limit {limit:.0f} samples/s; optlab at {100 * o / limit:.0f}% of it "
                  f"({o * CNN_FLOPS / 1e9:.1f} GFLOP/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
