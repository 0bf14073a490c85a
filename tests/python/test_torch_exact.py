# SPDX-License-Identifier: MIT
"""optlab.torch against torch.optim (Debian's 1.13): a small model of embedding, convolution and
linear layers, three parameter groups with their own lrs and weight decays, a torch scheduler,
trained by optlab.torch.X and by torch.optim.X (single-tensor path, foreach=False) to the same
parameters — float64 within rtol 1e-10, float32 within torch.testing's float32 tolerance (torch's
AVX2 kernels fuse multiply-adds, optlab's arithmetic rounds each operation: docs/testing.md) —
and their state dicts loaded into each other mid-training, both ways, training on the same.

NAdam is compared with PyTorch 2.x's update (NAdam2 below): 1.13's multiplies mu_t into the
product twice, the library follows 2.0's fix (docs/optimizers.md#nadam)."""

import copy

import pytest

from conftest import import_torch

torch = import_torch()
F = torch.nn.functional
import optlab.torch  # noqa: E402  (after the skip: it needs torch)

STEPS = 8


class Net(torch.nn.Module):
    """ids (B, 5) -> embedding (B, 1, 5, 4) -> conv 2×2, ReLU (B, 3, 4, 3) -> linear -> 5 logits."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(12, 4)
        self.conv = torch.nn.Conv2d(1, 3, kernel_size=2)
        self.head = torch.nn.Linear(36, 5)

    def forward(self, ids):
        x = torch.relu(self.conv(self.embed(ids).unsqueeze(1)))
        return self.head(x.flatten(1))


def make_model(dtype, seed=0):
    torch.manual_seed(seed)
    return Net().to(dtype)


def batches(n, seed=1):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randint(0, 12, (8, 5), generator=g), torch.randint(0, 5, (8,), generator=g)) for _ in range(n)]


def groups(model):
    """Three groups: the embedding at its own lr and weight decay, the convolution at the
    constructor's, the head at another lr without weight decay."""
    return [{"params": [model.embed.weight], "lr": 0.02, "weight_decay": 0.05},
            {"params": list(model.conv.parameters())},
            {"params": list(model.head.parameters()), "lr": 0.005, "weight_decay": 0.0}]


class NAdam2(torch.optim.Optimizer):
    """NAdam as PyTorch >= 2.0 computes it (single tensor; m with mul_/add_ as 1.13 and optlab),
    with 1.13's state layout (step, mu_product, exp_avg, exp_avg_sq). As tests/reference/generate.py."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 foreach=None):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, foreach=foreach))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad, state = p.grad, self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0)
                    state["mu_product"] = torch.tensor(1.0)
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                step = state["step"].item()
                bias_correction2 = 1 - beta2 ** step
                if wd != 0:
                    grad = grad.add(p, alpha=wd)
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * group["momentum_decay"])))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * group["momentum_decay"])))
                state["mu_product"] *= mu
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
                mu_product = state["mu_product"].item()
                p.addcdiv_(grad, denom, value=(-lr * (1.0 - mu) / (1.0 - mu_product)))
                p.addcdiv_(exp_avg, denom, value=(-lr * mu_next) / (1.0 - mu_product * mu_next))


def torch_class(name):
    return NAdam2 if name == "NAdam" else getattr(torch.optim, name)


def step_lr(opt):
    return torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)


# (torch class, hyper-parameters, scheduler, zero_grad's set_to_none): every optimizer torch 1.13
# has, with its options; OneCycleLR cycles SGD's momentum and Adam's beta1 through the dicts.
CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=1e-3), step_lr, False),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01),
     lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.2, total_steps=STEPS), True),
    ("SGD", dict(lr=0.01, weight_decay=0.01, maximize=True), step_lr, False),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.01),
     lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.03, total_steps=STEPS), True),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=4), False),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True), step_lr, True),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1),
     lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9), False),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01), step_lr, True),
    ("RMSprop", dict(lr=0.01, maximize=True),
     lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=0), False),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01, maximize=True),
     lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[2, 5], gamma=0.3), True),
    ("Adamax", dict(lr=0.01, weight_decay=0.01), step_lr, False),
    ("NAdam", dict(lr=0.01, weight_decay=0.01, momentum_decay=0.01), step_lr, True),
    ("RAdam", dict(lr=0.01, weight_decay=0.01), step_lr, False),  # rectified from step 6 on
    ("ASGD", dict(lr=0.01, lambd=1e-3, alpha=0.5, t0=3, weight_decay=0.01), step_lr, True),
    ("Rprop", dict(lr=0.01, etas=(0.4, 1.3), step_sizes=(1e-5, 1.0), maximize=True), step_lr, False),
]
CASES = [case for case in CASES if hasattr(optlab.torch, case[0])]  # (as the registry has them)
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(CASES)]


def train(model, opt, sched, data, set_to_none):
    for ids, target in data:
        opt.zero_grad(set_to_none=set_to_none)
        loss = F.cross_entropy(model(ids), target)
        loss.backward()
        opt.step()
        if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(loss.item())
        elif sched is not None:
            sched.step()


def assert_same_model(ours, theirs, dtype):
    for (name, a), b in zip(ours.named_parameters(), theirs.parameters()):
        if dtype == torch.float64:
            torch.testing.assert_close(a, b, rtol=1e-10, atol=0, msg=lambda m: f"{name}: {m}")
        else:
            torch.testing.assert_close(a, b, msg=lambda m: f"{name}: {m}")  # float32's defaults


@pytest.fixture(params=[torch.float64, torch.float32], ids=["float64", "float32"])
def dtype(request):
    # float64 runs with torch's default dtype float64, so the scalars torch keeps in tensors
    # (step, NAdam's mu_product) are float64 too, as the library's.
    default = torch.get_default_dtype()
    torch.set_default_dtype(request.param)
    yield request.param
    torch.set_default_dtype(default)


@pytest.mark.parametrize("name, hyper, scheduler, set_to_none", CASES, ids=IDS)
def test_trains_as_torch_optim(dtype, name, hyper, scheduler, set_to_none):
    theirs = make_model(dtype)
    ours = copy.deepcopy(theirs)
    reference = torch_class(name)(groups(theirs), foreach=False, **hyper)
    opt = getattr(optlab.torch, name)(groups(ours), **hyper)
    data = batches(STEPS)
    train(theirs, reference, scheduler(reference), data, set_to_none)
    train(ours, opt, scheduler(opt), data, set_to_none)
    assert_same_model(ours, theirs, dtype)
    for mine, its in zip(opt.param_groups, reference.param_groups):  # the schedulers' lrs
        assert mine["lr"] == its["lr"]


@pytest.mark.parametrize("name, hyper, scheduler, set_to_none", CASES, ids=IDS)
def test_state_dicts_continue_both_ways(dtype, name, hyper, scheduler, set_to_none):
    """Half-way, torch.optim's state dict goes into optlab.torch and optlab.torch's into
    torch.optim; each pair then trains on the same and stays equal."""
    data = batches(STEPS, seed=2)
    first, second = data[:STEPS // 2], data[STEPS // 2:]
    for start_with_torch in (True, False):
        model = make_model(dtype)
        make_first = (lambda m: torch_class(name)(groups(m), foreach=False, **hyper)) if start_with_torch else \
            (lambda m: getattr(optlab.torch, name)(groups(m), **hyper))
        make_second = (lambda m: getattr(optlab.torch, name)(groups(m), **hyper)) if start_with_torch else \
            (lambda m: torch_class(name)(groups(m), foreach=False, **hyper))
        opt = make_first(model)
        train(model, opt, None, first, set_to_none)
        saved = opt.state_dict()
        continued = copy.deepcopy(model)
        other = make_second(continued)
        other.load_state_dict(saved)
        # optlab's state dict has torch's layout: after loading torch's, and after training
        assert_same_layout(other.state_dict() if start_with_torch else saved,
                           saved if start_with_torch else torch_layout_after(name, hyper, dtype, first))
        train(model, opt, None, second, set_to_none)
        train(continued, other, None, second, set_to_none)
        assert_same_model(continued, model, dtype)


def torch_layout_after(name, hyper, dtype, data):
    """torch.optim's own state dict after training on `data`, for its layout."""
    model = make_model(dtype)
    opt = torch_class(name)(groups(model), foreach=False, **hyper)
    train(model, opt, None, data, False)
    return opt.state_dict()


def assert_same_layout(ours, theirs):
    """The same parameters with state, the same keys per parameter, each of the same kind (a
    tensor of the same shape, an int, None), and every key of torch's groups."""
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for index, entry in theirs["state"].items():
        mine = ours["state"][index]
        assert sorted(mine) == sorted(entry), index
        for key, value in entry.items():
            assert type(mine[key]) is type(value), (index, key)
            if isinstance(value, torch.Tensor):  # (0-d scalars: the library's in float64)
                assert mine[key].shape == value.shape, (index, key)
                assert mine[key].dtype == value.dtype or value.dim() == 0, (index, key)
    for mine, group in zip(ours["param_groups"], theirs["param_groups"]):
        assert mine["params"] == group["params"]
        assert set(group) - {"foreach"} <= set(mine)


def test_nadam_state_of_torch_1_13_loads_and_round_trips():
    """1.13's own NAdam (whose step optlab does not follow) has the same state layout."""
    model = make_model(torch.float32)
    theirs = torch.optim.NAdam(groups(model), lr=0.01)
    train(model, theirs, None, batches(2), False)
    ours = optlab.torch.NAdam(groups(copy.deepcopy(model)), lr=0.01)
    ours.load_state_dict(theirs.state_dict())
    assert_same_layout(ours.state_dict(), theirs.state_dict())
    for index, entry in theirs.state_dict()["state"].items():
        for key, value in entry.items():
            torch.testing.assert_close(ours.state_dict()["state"][index][key].to(value.dtype), value)
    back = torch.optim.NAdam(groups(copy.deepcopy(model)), lr=0.01)
    back.load_state_dict(ours.state_dict())


@pytest.mark.skipif(not hasattr(optlab.torch, "SparseAdam"), reason="the registry has no sparse-adam")
def test_sparse_adam_steps_the_rows_reached_as_torch_and_continues_both_ways(dtype):
    """torch.optim.SparseAdam takes an Embedding's sparse gradients only: the rows of the ids of
    the batch (a repeated id's rows summed) move, the others keep parameters and moments."""
    torch.manual_seed(0)
    start = torch.nn.Embedding(10, 3, sparse=True).to(dtype)
    data = [torch.tensor([[1, 2, 2], [5, 1, 7]]), torch.tensor([[0, 9]]), torch.tensor([[3, 3, 1]])] * 2

    def run(net, opt, batches):
        for ids in batches:
            opt.zero_grad()
            (net(ids) ** 2).sum().backward()
            opt.step()

    for start_with_torch in (True, False):
        first, second = copy.deepcopy(start), None
        make = [lambda p: torch.optim.SparseAdam(p, lr=0.05, betas=(0.8, 0.99)),
                lambda p: optlab.torch.SparseAdam(p, lr=0.05, betas=(0.8, 0.99))]
        opt = make[0 if start_with_torch else 1](list(first.parameters()))
        run(first, opt, data[:3])
        second = copy.deepcopy(first)
        other = make[1 if start_with_torch else 0](list(second.parameters()))
        other.load_state_dict(opt.state_dict())
        run(first, opt, data[3:])
        run(second, other, data[3:])
        assert_same_model(second, first, dtype)
        for row in (4, 6, 8):  # never in a batch
            assert torch.equal(first.weight[row], start.weight[row]) and torch.equal(second.weight[row], start.weight[row])
