#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""torch.optim.LBFGS's time per evaluation against torch's SGD step, on fmnist-mlp's network
(784-100-100-100-100-10 ReLU) and fmnist-logreg's (784-10), a batch of 128 random images —
the same shapes bench/lbfgs_evaluation_cost.py times optlab on, to tell the algorithm's cost
(the two-loop recursion over the history) from an implementation's. torch at 1 and 2 threads
(its CPU kernels are often fastest on 1 here); best of 3 runs of 200 evaluations.

    /usr/bin/python3 bench/lbfgs_torch_cost.py
"""
import time

import torch


def network(hidden):
    layers, width = [], 784
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))


def seconds_per_evaluation(model, make, x, y, evaluations=200, repeats=3):
    opt = make(model.parameters())
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        return loss

    best = float("inf")
    for _ in range(repeats):
        calls[0] = 0
        start = time.perf_counter()
        while calls[0] < evaluations:
            opt.step(closure)
        best = min(best, (time.perf_counter() - start) / calls[0])
    return best


def main():
    torch.manual_seed(0)
    x, y = torch.randn(128, 784), torch.randint(0, 10, (128,))
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for problem, hidden in (("fmnist-mlp", [100] * 4), ("fmnist-logreg", [])):
            model = network(hidden)
            sgd = seconds_per_evaluation(model, lambda p: torch.optim.SGD(p, lr=0.01), x, y)
            row = [f"{threads} thread(s) {problem}: SGD step {sgd * 1e3:.3f} ms"]
            for history in (100, 10, 3):
                cost = seconds_per_evaluation(
                    model, lambda p: torch.optim.LBFGS(p, lr=0.01, history_size=history, max_iter=20), x, y)
                row.append(f"LBFGS history {history} {cost * 1e3:.3f} ms ({cost / sgd:.1f}x)")
            print("; ".join(row), flush=True)


if __name__ == "__main__":
    main()
