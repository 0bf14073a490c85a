#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""torch.optim.LBFGS's own runs (PyTorch 1.13, float64) for tests/optim/lbfgs_test.cpp.

    OPENBLAS_CORETYPE=Prescott ATEN_CPU_CAPABILITY=default /usr/bin/python3 tests/reference/lbfgs.py [OUT]

(torch's dot products are OpenBLAS's, whose kernel sums in an order of its own; Prescott's runs
on every x86-64 CPU, and lbfgs_test runs with it too.)

writes tests/reference/torch_lbfgs.json: per case the problem, the start, the hyper-parameters
and, after each step(closure), the loss step() returned, the parameters, how many times the
closure was called in that step and torch's state counters (func_evals, n_iter).

The closures: on the 2-D functions of src/problems/functions2d.cpp, the value and the gradient
written with the same formulas in the same order as the C++ (Python floats are IEEE doubles),
so the closure's numbers are the same bits on both sides and the comparison measures L-BFGS
alone; on a small network (3 -> 5 tanh -> 2, mean squared error over 12 examples) likewise: its
loss and gradient by hand, in plain floats in the C++ test's order (math.tanh is glibc's tanh,
as the C++'s std::tanh).
"""
import json
import math
import os
import sys

import numpy as np
import torch

STEPS = 4

FUNCTIONS = {
    "ravine": (lambda x, y: x * x / 20.0 + y * y,
               lambda x, y: (x / 10.0, 2.0 * y)),
    "rosenbrock": (lambda x, y: (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x),
                   lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x))),
    "beale": (lambda x, y: ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2
                            + (2.625 - x + x * y * y * y) ** 2),
              None),  # its gradient below, written as the C++ writes it
}


def beale_grad(x, y):
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y * y * y
    return (2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y * y * y - 1),
            2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y * y)


def beale(x, y):  # the C++'s order: a*a + b*b + c*c (** 2 is the same product in CPython)
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y * y * y
    return a * a + b * b + c * c


FUNCTIONS["beale"] = (beale, beale_grad)
START = {"ravine": [-7.0, 2.0], "rosenbrock": [-1.5, 2.0], "beale": [1.0, 1.5]}

HYPERS = [
    {},
    {"line_search_fn": "strong_wolfe"},
    {"lr": 0.1, "history_size": 3, "max_iter": 5},
    {"line_search_fn": "strong_wolfe", "history_size": 2, "max_iter": 7, "tolerance_change": 1e-12},
    {"lr": 0.5, "max_iter": 8, "max_eval": 6},
]


def torch_hyper(hyper):
    h = dict(hyper)
    if h.get("line_search_fn") == "fixed":
        h["line_search_fn"] = None
    return h


def run(params, closure_of, hyper):
    opt = torch.optim.LBFGS(params, **torch_hyper(hyper))
    calls = [0]

    def closure():
        calls[0] += 1
        return closure_of()

    steps = []
    for _ in range(STEPS):
        calls[0] = 0
        loss = opt.step(closure)
        state = opt.state[opt._params[0]]
        steps.append({
            "loss": float(loss),
            "params": [v for p in params for v in p.detach().flatten().tolist()],
            "closure_calls": calls[0],
            "func_evals": state["func_evals"],
            "n_iter": state["n_iter"],
        })
    return steps


def function_case(name, hyper):
    f, grad = FUNCTIONS[name]
    p = torch.tensor([START[name]], dtype=torch.float64, requires_grad=True)  # 1x2, as optlab trajectory's

    def closure():
        x, y = p[0, 0].item(), p[0, 1].item()
        gx, gy = grad(x, y)
        p.grad = torch.tensor([[gx, gy]], dtype=torch.float64)
        return torch.tensor(f(x, y), dtype=torch.float64)

    return {"problem": name, "start": [START[name]], "shapes": [[1, 2]], "hyper": hyper,
            "steps": run([p], closure, hyper)}


def network_case(hyper, seed):
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(-1, 1, (12, 3))
    targets = rng.uniform(-1, 1, (12, 2))
    start = [rng.uniform(-0.8, 0.8, (5, 3)), rng.uniform(-0.2, 0.2, 5),
             rng.uniform(-0.8, 0.8, (2, 5)), rng.uniform(-0.2, 0.2, 2)]
    params = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in start]

    def closure():  # the network's loss and gradient in plain floats, in the C++ test's order
        w1, b1, w2, b2 = [q.detach().flatten().tolist() for q in params]
        gw1, gb1, gw2, gb2 = [0.0] * 15, [0.0] * 5, [0.0] * 10, [0.0] * 2
        n = float(len(inputs) * 2)
        loss = 0.0
        for x, t in zip(inputs.tolist(), targets.tolist()):
            h = []
            for j in range(5):
                z = 0.0
                for i in range(3):
                    z += x[i] * w1[j * 3 + i]
                h.append(math.tanh(z + b1[j]))
            out = []
            for k in range(2):
                z = 0.0
                for j in range(5):
                    z += h[j] * w2[k * 5 + j]
                out.append(z + b2[k])
            dh = [0.0] * 5
            for k in range(2):
                r = out[k] - t[k]
                loss += r * r
                dout = 2 * r / n
                gb2[k] += dout
                for j in range(5):
                    gw2[k * 5 + j] += dout * h[j]
                    dh[j] += dout * w2[k * 5 + j]
            for j in range(5):
                dz = dh[j] * (1 - h[j] * h[j])
                gb1[j] += dz
                for i in range(3):
                    gw1[j * 3 + i] += dz * x[i]
        for q, g in zip(params, (gw1, gb1, gw2, gb2)):
            q.grad = torch.tensor(g, dtype=torch.float64).reshape(q.shape)
        return torch.tensor(loss / n, dtype=torch.float64)

    return {"problem": "mlp", "inputs": inputs.tolist(), "targets": targets.tolist(),
            "start": [a.flatten().tolist() for a in start], "shapes": [list(a.shape) for a in start],
            "hyper": hyper, "steps": run(params, closure, hyper)}


def main():
    if os.environ.get("OPENBLAS_CORETYPE") != "Prescott":
        sys.exit("lbfgs.py: run with OPENBLAS_CORETYPE=Prescott (see the docstring)")
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                             "torch_lbfgs.json")
    torch.set_default_dtype(torch.float64)
    cases = []
    for name in FUNCTIONS:
        for hyper in HYPERS:
            case = function_case(name, hyper)
            case["name"] = f"{name}[{json.dumps(hyper, sort_keys=True)}]"
            cases.append(case)
    for k, hyper in enumerate([{}, {"line_search_fn": "strong_wolfe"}, {"history_size": 4, "max_iter": 10}]):
        case = network_case(hyper, seed=100 + k)
        case["name"] = f"mlp[{json.dumps(hyper, sort_keys=True)}]"
        cases.append(case)
    with open(out, "w") as f:
        json.dump({"generator": "tests/reference/lbfgs.py", "torch": torch.__version__,
                   "dtype": "float64", "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
