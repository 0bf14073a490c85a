# SPDX-License-Identifier: MIT
"""optlab.torch on the library's pinned references, and on the NumPy layer.

Every case of tests/reference/torch_reference.json (all but the Lookahead and EMA ones, which
optlab.torch does not wrap): its 50 steps of gradients handed to torch parameters as .grad
(replaced at odd steps, written in place at even ones; SparseAdam's given as sparse
gradients of the rows the case draws), the parameters at the checkpoints and at
the evaluation point and the state dict's buffers against the file, within what reference_test
allows — bit for bit, but the ulps of the tensor's largest value reference_test.cpp's kInexact allows
(Muon, Adafactor, LAMB, LARS).

And the optimizers torch 1.13 lacks — Muon, Adafactor, Lion, LAMB, Schedule-Free — training the
model of test_torch_exact.py, with three groups and a torch scheduler, bit for bit as the NumPy
layer's optimizer on a store of the same tensors, given the same gradients."""

import copy
import json
import math
import os
import re

import numpy as np
import pytest

import optlab
from conftest import import_torch, assert_same_bits

torch = import_torch()
F = torch.nn.functional
import optlab.torch  # noqa: E402  (after the skip: it needs torch)
from test_torch_exact import batches, make_model  # noqa: E402

REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference", "torch_reference.json")
with open(REFERENCE) as f:
    FILE = json.load(f)
CASES = [c for c in FILE["cases"] if "wrapper" not in c]

def reference_test_bounds():
    """tests/optim/reference_test.cpp's kInexact, read from its source (Bound{"muon", 8}, ...), so
    the two tests allow the same ulps and a bound added there holds here."""
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "optim", "reference_test.cpp")
    text = open(source).read()
    table = text[text.index("constexpr std::array kInexact"):]
    table = table[:table.index("};")]
    return {m.group(1): float(m.group(2)) for m in re.finditer(r'Bound\{"([a-z0-9-]+)",\s*([0-9.]+)\}', table)}


BOUNDS = reference_test_bounds()
assert BOUNDS, "no bounds read from reference_test.cpp's kInexact"


# ---- the file's inputs (its "generator" block; tests/reference/generate.py writes them) --------
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def symmetric(self):
        return 2.0 * ((self.next() >> 11) * (2.0 ** -53)) - 1.0


def inputs(seed, shapes, steps, scales, zero_every):
    rng = SplitMix64(seed)
    sizes = [math.prod(s) if s else 1 for s in shapes]
    params = [[2.0 * rng.symmetric() for _ in range(n)] for n in sizes]
    grads = []
    for k in range(1, steps + 1):
        step = [[rng.symmetric() * scales[k % len(scales)] for _ in range(n)] for n in sizes]
        grads.append([[0.0] * n for n in sizes] if k % zero_every == 0 else step)
    return params, grads


def assert_within(actual, expected, bound, what):
    """|optlab − reference| ≤ bound · ulp(the tensor's largest |reference|), as reference_test."""
    actual = actual.detach().numpy().ravel()
    expected = np.asarray(expected, dtype=np.float64)
    if bound == 0:
        assert_same_bits(actual, expected.astype(actual.dtype))
        return
    largest = actual.dtype.type(np.abs(expected).max())
    ulp = float(np.spacing(largest))
    worst = np.abs(actual.astype(np.float64) - expected).max()
    assert worst <= bound * ulp, f"{what}: {worst / ulp:.3g} ulps of the tensor's largest value apart"


@pytest.fixture(scope="module")
def one_thread():
    """Tiny tensors: one thread, whose results are any thread count's (properties_test checks that),
    and no waits on a busy machine for threads to come round — Muon's Newton–Schulz steps are many
    small parallel regions."""
    threads = optlab.num_threads()
    optlab.set_num_threads(1)
    yield
    optlab.set_num_threads(threads)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_pinned_reference(case, one_thread):
    dtype = torch.float64 if case["dtype"] == "float64" else torch.float32
    generator = FILE["inputs"]
    start, grads = inputs(case["seed"], case["shapes"], case["steps"], generator["grad_scales"],
                          generator["zero_every"])
    shapes = [tuple(s) for s in case["shapes"]]
    params = [torch.nn.Parameter(torch.tensor(v, dtype=dtype).reshape(s)) for v, s in zip(start, shapes)]
    groups = [{"params": [params[int(n[1:])] for n in g["params"]], **g["hyper"]} for g in case["groups"]]
    if case["optimizer"] == "dog" and any(len(g["params"]) > 1 for g in groups):
        with pytest.raises(NotImplementedError, match="group per parameter"):
            optlab.torch.optimizer(case["optimizer"], groups)
        pytest.skip("DoG's η is over a torch group's tensors; optlab.torch refuses a group of several")
    opt = optlab.torch.optimizer(case["optimizer"], groups)
    for g in case["groups"]:  # every hyper-parameter reached the library
        library = opt.core.hyper(int(g["params"][0][1:]))  # (a group per tensor, in order)
        for key, value in g["hyper"].items():
            assert library[key] == (tuple(value) if isinstance(value, list) else value), key
    bound = BOUNDS.get(case["optimizer"], 0)
    rows_seen = case.get("rows_seen", {})  # SparseAdam's: sparse gradients of these rows
    for k, step in enumerate(grads, start=1):
        for i, (p, values, s) in enumerate(zip(params, step, shapes)):
            g = torch.tensor(values, dtype=dtype).reshape(s)
            if str(i) in rows_seen:
                rows = rows_seen[str(i)][k - 1]  # none at all: an empty gradient, a step that moves no row
                p.grad = torch.sparse_coo_tensor(torch.tensor([rows], dtype=torch.int64).reshape(1, len(rows)),
                                                 g[rows], s)
            elif k % 2 == 1 or p.grad is None or p.grad.is_sparse:
                p.grad = g
            else:
                p.grad.copy_(g)
        opt.step()
        for i, p in enumerate(params):
            if str(k) in case["params_after"]:
                assert_within(p, case["params_after"][str(k)][i], bound, f"t{i} after step {k}")
    if "eval" in case["params_after"]:
        opt.eval()
        for i, p in enumerate(params):
            assert_within(p, case["params_after"]["eval"][i], bound, f"t{i} at the evaluation point")
        opt.train()
    state = opt.state_dict()["state"]
    for buffer, tensors in case["state"].items():
        for i, values in enumerate(tensors):
            if values is not None:
                assert_within(state[i][buffer], values, bound, f"state {buffer} of t{i}")


# ---- the optimizers torch 1.13 lacks, against the NumPy layer ----------------------------------

@pytest.mark.parametrize("name, hyper", [case for case in [
    ("Lion", dict(lr=1e-3, weight_decay=0.1)),
    ("Lamb", dict(lr=0.01, weight_decay=0.01)),
    ("Adafactor", dict(lr=0.05, weight_decay=0.01)),
    ("Muon", dict(lr=0.02, momentum=0.9)),
    ("ScheduleFreeAdamW", dict(lr=0.01, weight_decay=0.01, warmup_steps=2)),
    ("ScheduleFreeSGD", dict(lr=0.5)),
    ("Ftrl", dict(lr=0.05, l1_regularization_strength=1e-3, weight_decay=0.01)),
] if hasattr(optlab.torch, case[0])])  # (as the registry has them)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_trains_as_the_numpy_layer(name, hyper, dtype, one_thread):
    model = make_model(dtype)
    if name == "Muon":  # weights only: the embedding, the conv kernel (3, 1, 2, 2) and the head's weight
        groups = [{"params": [model.embed.weight], "lr": 0.01}, {"params": [model.conv.weight, model.head.weight]}]
    else:
        groups = [{"params": [model.embed.weight], "lr": hyper["lr"] * 2, "weight_decay": 0.0},
                  {"params": list(model.conv.parameters())},
                  {"params": list(model.head.parameters()), "lr": hyper["lr"] / 2}]
    opt = getattr(optlab.torch, name)([dict(g) for g in groups], **hyper)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.7) if "ScheduleFree" not in name else None
    params = [p for g in groups for p in g["params"]]
    store = optlab.ParamStore("float64" if dtype == torch.float64 else "float32")
    names = [f"p{i}" for i in range(len(params))]
    for n, p in zip(names, params):
        store.add(n, tuple(p.shape))
        store.set_param(n, p.detach().numpy().copy())
    index = iter(names)
    ref = optlab.make_optimizer(opt.name, store, groups=[
        {"params": [next(index) for _ in g["params"]], **{k: v for k, v in g.items() if k != "params"}}
        for g in groups], **hyper)
    for ids, target in batches(6):
        opt.zero_grad()
        F.cross_entropy(model(ids), target).backward()
        for n, p in zip(names, params):
            store.set_grad(n, p.grad.numpy())
        opt.step()
        ref.step()
        if sched is not None:
            sched.step()
            for k, group in enumerate(opt.param_groups):
                ref.set_lr(group["lr"], group=k)
        for n, p in zip(names, params):
            assert_same_bits(p.detach().numpy(), store.param(n))
    if opt.core.has_eval_point:
        opt.eval()
        ref.eval()
        for n, p in zip(names, params):
            assert_same_bits(p.detach().numpy(), store.param(n))
