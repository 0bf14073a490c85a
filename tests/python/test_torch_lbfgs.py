# SPDX-License-Identifier: MIT
"""optlab.torch.LBFGS against torch.optim.LBFGS (Debian's 1.13): the same closure, called as
often; the same parameters after several steps (float64 within rtol 1e-9: the dot products are
OpenBLAS's here and torch's own kernels there, summing in other orders — tests/optim/lbfgs_test
pins the library to torch's runs at 1e-10 with one kernel on both sides); float32 over one step
(up to 20 iterations) within 1e-4 — over three such steps the two summation orders' float32
roundings carry the iterates apart (measured: 0.13 in a weight); state dicts loaded into each
other mid-training, both ways; torch's refusals."""

import copy

import pytest

from conftest import import_torch

torch = import_torch()
import optlab.torch  # noqa: E402  (after the skip: it needs torch)


class Net(torch.nn.Module):
    """3 -> 6 tanh -> 2, and a parameter the loss never reaches (no gradient: zeros, as torch)."""

    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(3, 6)
        self.out = torch.nn.Linear(6, 2)
        self.unused = torch.nn.Parameter(torch.ones(4))

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


def make_model(dtype, seed=0):
    torch.manual_seed(seed)
    return Net().to(dtype)


def data(dtype, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(32, 3, generator=g).to(dtype), torch.randn(32, 2, generator=g).to(dtype)


class Counted:
    """torch's closure: zero the gradients, evaluate, backward, return the loss; counts its calls."""

    def __init__(self, model, opt, batch):
        self.model, self.opt, self.batch, self.calls = model, opt, batch, 0

    def __call__(self):
        self.calls += 1
        self.opt.zero_grad()
        x, y = self.batch
        loss = torch.nn.functional.mse_loss(self.model(x), y)
        loss.backward()
        return loss


CASES = [
    dict(),                                                       # torch's defaults: 20 iterations a step
    dict(lr=0.5, max_iter=6, history_size=3),                     # the history shifts
    dict(max_iter=8, max_eval=5),                                 # max_eval stops the step first
    dict(line_search_fn="strong_wolfe", max_iter=5, history_size=4),
    dict(line_search_fn="strong_wolfe", lr=0.8, max_iter=10, tolerance_change=1e-6),
]
IDS = ["defaults", "short-history", "max-eval", "strong-wolfe", "strong-wolfe-tolerance"]


def assert_same_model(ours, theirs, dtype):
    for (name, a), b in zip(ours.named_parameters(), theirs.parameters()):
        if dtype == torch.float64:
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12, msg=lambda m: f"{name}: {m}")
        else:
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5, msg=lambda m: f"{name}: {m}")


@pytest.fixture(params=[torch.float64, torch.float32], ids=["float64", "float32"])
def dtype(request):
    default = torch.get_default_dtype()
    torch.set_default_dtype(request.param)
    yield request.param
    torch.set_default_dtype(default)


@pytest.mark.parametrize("hyper", CASES, ids=IDS)
def test_steps_as_torch_optim_lbfgs_calling_the_closure_as_often(dtype, hyper):
    batch = data(dtype)
    theirs, ours = make_model(dtype), make_model(dtype)
    reference = torch.optim.LBFGS(theirs.parameters(), **hyper)
    opt = optlab.torch.LBFGS(ours.parameters(), **hyper)
    assert opt.param_groups[0] == {**reference.param_groups[0], "cap_line_search": False} | \
        {"params": opt.param_groups[0]["params"]}, "torch's group, values as torch writes them"
    their_closure, our_closure = Counted(theirs, reference, batch), Counted(ours, opt, batch)
    for _ in range(3 if dtype == torch.float64 else 1):
        their_loss, our_loss = reference.step(their_closure), opt.step(our_closure)
        assert isinstance(our_loss, torch.Tensor) and our_loss.requires_grad, "the closure's first loss, as torch"
        torch.testing.assert_close(our_loss, their_loss, rtol=1e-9 if dtype == torch.float64 else 1e-4, atol=0)
        assert our_closure.calls == their_closure.calls
    assert our_closure.calls > 3 if dtype == torch.float64 else our_closure.calls > 1, "steps evaluated more than once"
    assert_same_model(ours, theirs, dtype)
    assert torch.equal(ours.unused, torch.ones(4)), "no gradient: zeros, so the parameter never moves"


def test_registry_name_and_aliases_build_the_same_class():
    opt = optlab.torch.optimizer("lbfgs", make_model(torch.float32).parameters(), line_search_fn="strong_wolfe")
    assert type(opt) is optlab.torch.LBFGS and opt.core.hyper(0)["line_search_fn"] == "strong_wolfe"
    assert opt.param_groups[0]["max_eval"] == 25, "torch's max_iter * 5 // 4"


@pytest.mark.parametrize("hyper", [CASES[1], CASES[3]], ids=[IDS[1], IDS[3]])
def test_state_dicts_continue_both_ways(hyper):
    dtype = torch.float64
    batch = data(dtype, seed=3)
    for start_with_torch in (True, False):
        first_class, second_class = ((torch.optim.LBFGS, optlab.torch.LBFGS) if start_with_torch else
                                     (optlab.torch.LBFGS, torch.optim.LBFGS))
        model = make_model(dtype)
        opt = first_class(model.parameters(), **hyper)
        closure = Counted(model, opt, batch)
        for _ in range(2):
            opt.step(closure)
        saved = opt.state_dict()
        continued = copy.deepcopy(model)
        other = second_class(continued.parameters(), **hyper)
        other.load_state_dict(saved)
        theirs = (saved if start_with_torch else other.state_dict())
        ours = (other.state_dict() if start_with_torch else saved)
        assert sorted(ours["state"]) == sorted(theirs["state"]) == [0]
        assert sorted(ours["state"][0]) == sorted(theirs["state"][0]), "torch's keys"
        for key in ("d", "prev_flat_grad"):
            assert ours["state"][0][key].shape == theirs["state"][0][key].shape
        assert len(ours["state"][0]["old_dirs"]) == len(theirs["state"][0]["old_dirs"]) > 0
        other_closure = Counted(continued, other, batch)
        for _ in range(3):
            opt.step(closure)
            other.step(other_closure)
        assert_same_model(continued, model, dtype)


def test_a_state_dict_before_any_step_is_torchs_empty_one():
    opt = optlab.torch.LBFGS(make_model(torch.float64).parameters())
    assert opt.state_dict()["state"] == {} == torch.optim.LBFGS(make_model(torch.float64).parameters()).state_dict()["state"]


def test_torchs_refusals_and_clear_errors():
    model = make_model(torch.float64)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        optlab.torch.LBFGS([{"params": model.hidden.parameters()}, {"params": model.out.parameters()}])
    opt = optlab.torch.LBFGS(model.parameters())
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(2))]})
    with pytest.raises(TypeError, match="L-BFGS needs a closure"):
        opt.step()
    with pytest.raises(TypeError, match="L-BFGS needs a closure"):
        opt.step(None)
    with pytest.raises(ValueError, match="line_search_fn 'wolfe': expected None or 'strong_wolfe'"):
        optlab.torch.LBFGS(model.parameters(), line_search_fn="wolfe")
    with pytest.raises(ValueError, match="history_size"):
        optlab.torch.LBFGS(model.parameters(), history_size=0)
    opt.param_groups[0]["max_iter"] = 2.5  # a bad value written into the dict: the library's error at the step
    with pytest.raises(ValueError, match="max_iter"):
        opt.step(Counted(model, opt, data(torch.float64)))


def test_an_error_in_the_closure_propagates_and_the_optimizer_still_works():
    model = make_model(torch.float64)
    opt = optlab.torch.LBFGS(model.parameters(), max_iter=3)

    def failing():
        raise RuntimeError("the data loader broke")

    with pytest.raises(RuntimeError, match="the data loader broke"):
        opt.step(failing)
    closure = Counted(model, opt, data(torch.float64))
    opt.step(closure)
    assert closure.calls >= 1
