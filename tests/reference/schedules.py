#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The learning rates (and cycled momenta) PyTorch's lr_scheduler writes, step by step, for
every --schedule kind optlab has: tests/reference/torch_schedules.json, which schedule_test
compares bit for bit. Run with Debian's python3-torch (1.13): /usr/bin/python3 schedules.py

Each case is the optlab spec beside the torch construction it stands for; torch steps the
scheduler once per step (optimizer.step() first, as training does) and the lr each group holds
after construction (t = 0) and after each step is recorded.
"""
import json
import pathlib
import warnings

import torch
from torch.optim import lr_scheduler as S

warnings.filterwarnings("ignore")  # torch's "step the optimizer first" warnings: nothing steps


def sequential(opt, parts, milestones):
    return S.SequentialLR(opt, [p(opt) for p in parts], milestones=milestones)


def chained(opt, parts):
    return S.ChainedScheduler([p(opt) for p in parts])


# (optlab spec, optimizer, group lrs, steps, torch's scheduler for an optimizer)
CASES = [
    ("constant", "sgd", [0.1], 5, lambda o: S.ConstantLR(o, factor=1.0, total_iters=0)),
    ("step:3,0.5", "sgd", [0.1], 20, lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
    ("step:4,0.3", "adam", [0.01, 0.003], 20, lambda o: S.StepLR(o, step_size=4, gamma=0.3)),
    ("multistep:3,7,7,12,gamma=0.3", "sgd", [0.1], 20,
     lambda o: S.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.3)),
    ("multistep:5", "adam", [0.001], 10, lambda o: S.MultiStepLR(o, milestones=[5])),
    ("exponential:0.9", "sgd", [0.1, 0.07], 60, lambda o: S.ExponentialLR(o, gamma=0.9)),
    ("linear-warmup:5,0.1", "sgd", [0.1], 12, lambda o: S.LinearLR(o, start_factor=0.1, total_iters=5)),
    ("linear-warmup:7", "adam", [0.003], 12, lambda o: S.LinearLR(o, total_iters=7)),
    ("polynomial:10,power=2", "sgd", [0.1], 15, lambda o: S.PolynomialLR(o, total_iters=10, power=2.0)),
    ("polynomial:7", "adam", [0.002, 0.02], 10, lambda o: S.PolynomialLR(o, total_iters=7)),
    ("polynomial:9,power=0.5", "sgd", [0.3], 12, lambda o: S.PolynomialLR(o, total_iters=9, power=0.5)),
    ("cosine-annealing:10,eta_min=0.001", "sgd", [0.1], 45,
     lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    ("cosine-annealing:7", "adam", [0.003], 30, lambda o: S.CosineAnnealingLR(o, T_max=7)),
    ("cosine-restarts:5,T_mult=2,eta_min=0.01", "sgd", [0.1], 40,
     lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01)),
    ("cosine-restarts:4", "adam", [0.003, 0.001], 20, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=4)),
    ("sgdr:3,T_mult=3", "sgd", [0.05], 30, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=3)),
    ("cyclic:0.01,0.1,step_size_up=4", "momentum", [0.1], 30,
     lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("cyclic:0.01,0.1,step_size_up=3,step_size_down=5,mode=triangular2,cycle_momentum=false", "sgd",
     [0.1], 40,
     lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5, mode="triangular2",
                          cycle_momentum=False)),
    ("cyclic:0.001,0.006,step_size_up=4,mode=exp_range,gamma=0.95,base_momentum=0.85,max_momentum=0.95",
     "momentum", [0.1, 0.2], 30,
     lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=0.006, step_size_up=4, mode="exp_range", gamma=0.95,
                          base_momentum=0.85, max_momentum=0.95)),
    ("one-cycle:0.1,40", "momentum", [0.1], 40, lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=40)),
    ("one-cycle:0.01,40,anneal_strategy=linear,three_phase=true,pct_start=0.25", "adam", [0.001], 40,
     lambda o: S.OneCycleLR(o, max_lr=0.01, total_steps=40, anneal_strategy="linear", three_phase=True,
                            pct_start=0.25)),
    ("one-cycle:0.5,30,cycle_momentum=false,div_factor=10,final_div_factor=100", "sgd", [0.1], 30,
     lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=30, cycle_momentum=False, div_factor=10.0,
                            final_div_factor=100.0)),
    ("sequential:linear-warmup:5,0.1@5|cosine-annealing:20", "sgd", [0.1], 30,
     lambda o: sequential(o, [lambda o: S.LinearLR(o, start_factor=0.1, total_iters=5),
                              lambda o: S.CosineAnnealingLR(o, T_max=20)], [5])),
    ("sequential:constant@3|exponential:0.9@8|multistep:2,4", "adam", [0.01, 0.001], 15,
     lambda o: sequential(o, [lambda o: S.ConstantLR(o, factor=1.0, total_iters=0),
                              lambda o: S.ExponentialLR(o, gamma=0.9),
                              lambda o: S.MultiStepLR(o, milestones=[2, 4])], [3, 8])),
    ("sequential:linear-warmup:3,0.25@3|cosine-restarts:4,T_mult=2", "sgd", [0.2], 25,
     lambda o: sequential(o, [lambda o: S.LinearLR(o, start_factor=0.25, total_iters=3),
                              lambda o: S.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2)], [3])),
    ("sequential:exponential:0.8@4|cosine-restarts:3@7|step:2,0.5", "momentum", [0.1], 14,
     lambda o: sequential(o, [lambda o: S.ExponentialLR(o, gamma=0.8),
                              lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3),
                              lambda o: S.StepLR(o, step_size=2, gamma=0.5)], [4, 7])),
    ("chained:exponential:0.9|multistep:5,10,gamma=0.5", "sgd", [0.1], 15,
     lambda o: chained(o, [lambda o: S.ExponentialLR(o, gamma=0.9),
                           lambda o: S.MultiStepLR(o, milestones=[5, 10], gamma=0.5)])),
    ("chained:linear-warmup:4,0.2|cosine-annealing:12,eta_min=0.001", "adam", [0.003], 20,
     lambda o: chained(o, [lambda o: S.LinearLR(o, start_factor=0.2, total_iters=4),
                           lambda o: S.CosineAnnealingLR(o, T_max=12, eta_min=0.001)])),
]

OPTIMIZERS = {"sgd": lambda p, g: torch.optim.SGD(g, lr=0.1),
              "momentum": lambda p, g: torch.optim.SGD(g, lr=0.1, momentum=0.9),
              "adam": lambda p, g: torch.optim.Adam(g)}


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


def run(spec, optimizer, lrs, steps, make):
    params = [torch.zeros(1, dtype=torch.float64, requires_grad=True) for _ in lrs]
    opt = OPTIMIZERS[optimizer](params, [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)])
    sched = make(opt)
    lr_rows = [[g["lr"] for g in opt.param_groups]]
    momentum_rows = [[momentum_of(g) for g in opt.param_groups]]
    for _ in range(steps):
        opt.step()
        sched.step()
        lr_rows.append([g["lr"] for g in opt.param_groups])
        momentum_rows.append([momentum_of(g) for g in opt.param_groups])
    case = {"spec": spec, "optimizer": optimizer, "lrs": lrs, "steps": steps, "lr": lr_rows}
    if any(m != momentum_rows[0] for m in momentum_rows) or "cyclic" in spec or "one-cycle" in spec:
        case["momentum"] = momentum_rows
    return case


def main():
    out = {"generator": "tests/reference/schedules.py", "torch": torch.__version__,
           "cases": [run(*c) for c in CASES]}
    path = pathlib.Path(__file__).with_name("torch_schedules.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"{path}: {len(out['cases'])} cases")


if __name__ == "__main__":
    main()
