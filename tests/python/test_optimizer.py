# SPDX-License-Identifier: MIT
"""optlab.make_optimizer: every registry optimizer and wrapper, hyper-parameters by their
PyTorch names, parameter groups, learning rates, schedules and clipping — and every bad value
refused with the library's message."""

import gc

import numpy as np
import pytest

import optlab
from conftest import import_torch, OPTIMIZERS, assert_same_bits

INFO = {o["name"]: o for o in optlab.optimizers()}


def make_store(dtype="float32", matrices_only=False):
    store = optlab.ParamStore(dtype)
    store.add("w", (3, 4))
    store.add("v" if matrices_only else "b", (4, 2) if matrices_only else 4)
    n = store.num_parameters
    store.params()[:] = ((5 * np.arange(n)) % 7 - 3) / 4
    return store


def set_grads(store, k):
    n = store.num_parameters
    store.grads()[:] = ((7 * np.arange(n) + 3 * k) % 11 - 5) / 8


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_registry_optimizer_steps(name, dtype):
    store = make_store(dtype, INFO[name]["matrices_only"])
    before = store.params().copy()
    opt = optlab.make_optimizer(name, store)
    assert opt.name in OPTIMIZERS and opt.convention == "torch" and opt.num_groups == 1  # momentum: sgd
    assert opt.hyper() == INFO[name]["defaults"]["torch"]
    assert set(opt.buffer_names) <= set(INFO[name]["buffers"])  # Adafactor: per-tensor state only
    for k in range(1, 4):
        set_grads(store, k)
        opt.step()
    assert opt.step_count() == 3
    assert not np.array_equal(store.params(), before)
    assert opt.state_bytes > 0 or name == "sgd"
    made = [b for b in opt.buffer_names if opt.buffer(b) is not None]
    for b in made:
        assert opt.buffer(b).shape == (store.num_parameters,)
        assert opt.buffer(b, "w").shape == (3, 4)


@pytest.mark.parametrize("convention", ["keras", "book"])
def test_conventions_take_their_defaults(convention):
    store = make_store()
    opt = optlab.make_optimizer("rmsprop", store, convention)
    assert opt.convention == convention
    assert opt.hyper() == INFO["rmsprop"]["defaults"][convention]


def test_hyper_parameters_by_their_pytorch_names():
    store = make_store()
    adam = optlab.make_optimizer("adam", store, lr=0.01, betas=(0.8, 0.99), weight_decay=1e-4, amsgrad=True,
                                 eps=None)  # None: the default
    h = adam.hyper()
    assert (h["lr"], h["betas"], h["weight_decay"], h["amsgrad"], h["eps"]) == (0.01, (0.8, 0.99), 1e-4, True, 1e-8)
    del adam
    muon = optlab.make_optimizer("muon", make_store(matrices_only=True), ns_coefficients=[3.0, -4.0, 2.0],
                                 adjust_lr_fn="match_rms_adamw", ns_steps=3)
    assert muon.hyper()["ns_coefficients"] == (3.0, -4.0, 2.0)
    assert muon.hyper()["adjust_lr_fn"] == "match_rms_adamw"
    adafactor = optlab.make_optimizer("adafactor", make_store(), eps=(None, 1e-3), beta2_decay=-0.5)
    assert adafactor.hyper()["eps"] == (None, 1e-3)
    sgd = optlab.make_optimizer("sgd", make_store(), lr=np.float32(0.5), momentum=np.float64(0.9), nesterov=True)
    assert sgd.hyper()["lr"] == 0.5 and sgd.hyper()["nesterov"] is True


@pytest.mark.parametrize("name, kwargs, error, match", [
    ("adam", dict(lr=-1), ValueError, r"^adam: invalid lr = -1 \(expected a finite number >= 0\)$"),
    ("adam", dict(betas=(1.0, 0.999)), ValueError, r"adam: invalid betas\[0\] = 1"),
    ("adam", dict(lr=float("nan")), ValueError, r"adam: invalid lr = nan"),
    ("sgd", dict(momentum=0.9, nesterov=True, dampening=0.5), ValueError, r"sgd: .*nesterov"),
    ("adam", dict(momentum=0.9), ValueError, r"adam has no hyper-parameter 'momentum'"),
    ("rmsprop", dict(rho=0.9), ValueError, r"rmsprop has no hyper-parameter 'rho' \(.*use alpha\)"),
    ("adam", dict(amsgrad=1), ValueError, r"adam: hyper-parameter amsgrad expects true or false, got 1"),
    ("adam", dict(betas=0.9), ValueError, r"hyper-parameter betas expects a pair"),
    ("adam", dict(lr="fast"), ValueError, r"hyper-parameter lr expects a number, got fast"),
    ("adam", dict(lr=[1, 2, 3, 4]), ValueError, r"lr: expected 2 or 3 numbers, got 4"),
    ("adam", dict(lr={}), TypeError, r"lr: expected a bool, a number"),
    ("muon", dict(), ValueError, r"muon"),  # a vector for an optimizer of matrices only
    ("nope", dict(), KeyError, r"optimizer: unknown name 'nope' \(expected one of sgd, momentum"),
    ("adam", dict(lookahead=(0, 0.5)), ValueError, r"K = 0"),
    ("adam", dict(lookahead=(2.5, 0.5)), ValueError, r"K = 2.5"),
    ("adam", dict(lookahead=(5, 1.5)), ValueError, r"ALPHA = 1.5"),
    ("adam", dict(ema=-0.1), ValueError, r"DECAY = -0.1"),
    ("adam", dict(ema=(1, 2)), TypeError, r"ema: expected a number"),
    ("adam", dict(swa_start=3, swa_lr=-0.1), ValueError, r"swa_lr = -0.1"),
    ("adam", dict(swa_start=-3, swa_lr=0.1), ValueError, r"swa_start = -3"),
    ("adam", dict(swa_start=3, swa_lr=0.1, swa_anneal_epochs=-1), ValueError, r"anneal_epochs = -1"),
    ("adam", dict(swa_start=True, swa_lr=0.1), TypeError, r"swa_start: expected an integer, got bool"),
    ("adam", dict(swa_start=3, swa_lr=0.1, swa_anneal_strategy=1), TypeError, r"swa_anneal_strategy: expected 'cos'"),
    ("adam", dict(swa_start=3), ValueError, r"--swa-start without --swa-lr"),
    ("adam", dict(schedule="cosine:0"), ValueError, r"cosine"),
    ("adam", dict(schedule="plateau:0.5"), ValueError, r"steps on a metric.*LrScheduler"),
    ("adam", dict(schedule="wiggle:3"), ValueError, r"wiggle"),
    ("adam", dict(clip="global-norm:0"), ValueError, r"clip"),
    ("adam", dict(clip="sideways:1"), ValueError, r"sideways"),
    ("adam", dict(groups=[{"lr": 0.1}]), ValueError, r"group 0 has no 'params'"),
    ("adam", dict(groups=[(["w"], {}), (["w", "b"], {})]), ValueError, r"'w'"),
    ("adam", dict(groups=[(["x"], {})]), KeyError, r"no tensor named 'x'"),
    ("adam", dict(groups=[([3], {})]), TypeError, r"params are tensor names, got int"),
    ("adam", dict(groups=[3]), TypeError, r"a group is a dict with 'params' or a \(names, hyper-parameters\) pair"),
    ("adam", dict(groups=[(["w"], {"lr": -2})]), ValueError, r"adam: invalid lr = -2"),
])
def test_bad_values_raise_the_librarys_message(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        optlab.make_optimizer(name, make_store(), **kwargs)


def test_the_store_must_be_a_param_store():
    with pytest.raises(TypeError, match="expected an optlab.ParamStore, got ndarray"):
        optlab.make_optimizer("adam", np.zeros(3))
    with pytest.raises(ValueError, match="convention: unknown name 'jax'"):
        optlab.make_optimizer("adam", make_store(), "jax")


def test_groups_as_torch_dicts_or_pairs_over_the_common_hyper_parameters():
    store = make_store()
    opt = optlab.make_optimizer("adam", store, weight_decay=0.1,
                                groups=[{"params": ["w"], "lr": 0.01}, ("b", {"betas": (0.5, 0.6)})])
    groups = opt.param_groups
    assert [g["params"] for g in groups] == [["w"], ["b"]]
    assert groups[0]["lr"] == 0.01 and groups[0]["weight_decay"] == 0.1 and groups[0]["betas"] == (0.9, 0.999)
    assert groups[1]["lr"] == 0.001 and groups[1]["weight_decay"] == 0.1 and groups[1]["betas"] == (0.5, 0.6)
    assert opt.get_lr(1) == 0.001
    opt.set_lr(0.5, group=1)
    assert (opt.get_lr(0), opt.get_lr(1), opt.lr) == (0.01, 0.5, 0.01)
    opt.lr = 0.25
    assert [g["lr"] for g in opt.param_groups] == [0.25, 0.25]
    opt.set_hyper(1, betas=(0.7, 0.8))
    assert opt.hyper(1)["betas"] == (0.7, 0.8)
    with pytest.raises(ValueError, match=r"invalid betas\[1\] = 2"):
        opt.set_hyper(1, betas=(0.7, 2.0))
    assert opt.hyper(1)["betas"] == (0.7, 0.8)  # unchanged
    with pytest.raises(ValueError, match="invalid lr = -1"):
        opt.lr = -1
    with pytest.raises(IndexError, match="no group 2 \\(it has 2\\)"):
        opt.get_lr(2)


def test_groups_step_with_their_own_hyper_parameters():
    grouped, single = make_store("float64"), make_store("float64")
    opt = optlab.make_optimizer("sgd", grouped, groups=[(["w"], {"lr": 0.1}), (["b"], {"lr": 0.2})])
    only_w = optlab.make_optimizer("sgd", single, lr=0.1, groups=[(["w"], {})])
    set_grads(grouped, 1)
    set_grads(single, 1)
    opt.step()
    only_w.step()
    assert_same_bits(grouped.param("w"), single.param("w"))
    assert np.array_equal(single.param("b"), make_store("float64").param("b"))  # in no group: untouched
    assert not np.array_equal(grouped.param("b"), single.param("b"))


def test_a_schedule_steps_after_each_step_as_optlab_train_does():
    store = make_store()
    opt = optlab.make_optimizer("sgd", store, lr=1.0, schedule="step:2,0.5")
    assert repr(opt.scheduler) == "optlab.LrScheduler(step(size=2, gamma=0.5))"
    lrs = []
    for k in range(5):
        set_grads(store, k)
        opt.step()
        lrs.append(opt.lr)
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25]
    assert opt.scheduler.last_step == 5
    opt.scheduler.last_step = 1  # a resume: the lrs of step 1, replayed from the base lr
    assert opt.lr == 1.0 and opt.scheduler.base_lrs == [1.0]


def test_a_scheduler_of_its_own_and_reduce_on_plateau():
    store = make_store()
    opt = optlab.make_optimizer("adam", store, lr=0.1)
    warmup = optlab.LrScheduler(opt, "linear-warmup:4,0.25")
    assert opt.lr == 0.025  # step 0's lr is set at once
    warmup.step()
    assert opt.lr == pytest.approx(0.04375)
    plateau = optlab.LrScheduler(opt, "plateau:0.5,1")
    with pytest.raises(TypeError, match="needs the metric"):
        plateau.step()
    for metric in [1.0, 1.0, 1.0]:
        plateau.step(metric)
    assert opt.lr == pytest.approx(0.04375 / 2)
    with pytest.raises(optlab.NonFiniteError, match="the metric is NaN"):
        plateau.step(float("nan"))
    with pytest.raises(ValueError, match="reduce-on-plateau counts no steps"):
        plateau.last_step


def test_clipping_before_each_step():
    clipped, manual = make_store("float64"), make_store("float64")
    opt = optlab.make_optimizer("sgd", clipped, lr=0.1, clip="global-norm:0.5")
    ref = optlab.make_optimizer("sgd", manual, lr=0.1)
    clip = optlab.GradClip("global-norm", 0.5)
    assert repr(opt.clip) == repr(clip) == "optlab.GradClip('global-norm:0.5')"
    assert np.isnan(opt.grad_norm)
    set_grads(clipped, 1)
    set_grads(manual, 1)
    norm = clip.apply(manual)
    ref.step()
    opt.step()
    assert opt.grad_norm == norm > 0.5
    assert_same_bits(clipped.params(), manual.params())
    assert optlab.GradClip("value:0.25").kind == "value" and optlab.make_optimizer(
        "sgd", make_store(), clip=optlab.GradClip("norm:2")).clip.threshold == 2


@pytest.mark.parametrize("kwargs, name", [(dict(lookahead=(3, 0.5)), "adam+lookahead"),
                                          (dict(lookahead="3,0.25"), "adam+lookahead"),
                                          (dict(ema=0.9), "adam+ema"),
                                          (dict(swa_start=1, swa_lr=0.05), "adam+swa")])
def test_wrappers_evaluate_at_weights_of_their_own(kwargs, name):
    store = make_store("float64")
    opt = optlab.make_optimizer("adam", store, lr=0.1, **kwargs)
    assert opt.name == name and opt.has_eval_point and opt.training
    for k in range(4):
        set_grads(store, k)
        opt.step()
    fast = store.params().copy()
    opt.eval()
    assert not opt.training and not np.array_equal(store.params(), fast)
    with pytest.raises(optlab.Error, match="eval"):
        opt.step()
    opt.train()
    assert_same_bits(store.params(), fast)


def test_swa_takes_the_lr_over_from_the_schedule_after_swa_start():
    # torch's SWA loop steps SWALR instead of the scheduler once it averages: the schedule's lrs
    # through step swa_start, SWALR's after (swa_lr at once with swa_anneal_epochs=0), and the
    # schedule's count stops where SWA took over.
    swa = dict(swa_start=2, swa_lr=0.01, swa_anneal_epochs=0)
    plain_store, store = make_store("float64"), make_store("float64")
    plain = optlab.make_optimizer("sgd", plain_store, lr=0.1, schedule="exponential:0.5")
    opt = optlab.make_optimizer("sgd", store, lr=0.1, schedule="exponential:0.5", **swa)
    for k in range(1, 6):
        set_grads(plain_store, k)
        set_grads(store, k)
        plain.step()
        opt.step()
        if k <= swa["swa_start"]:
            assert opt.lr == plain.lr and opt.scheduler.last_step == k
        else:
            assert opt.lr == swa["swa_lr"] != plain.lr and opt.scheduler.last_step == swa["swa_start"]
    assert opt.state_dict()["groups"][0]["scalars"]["n_averaged"] == 3


def test_buffers_are_copies_by_tensor():
    store = make_store()
    opt = optlab.make_optimizer("adam", store)
    assert opt.buffer("exp_avg") is None
    set_grads(store, 1)
    opt.step()
    m = opt.buffer("exp_avg", "b")
    assert m.shape == (4,) and np.array_equal(m, 0.1 * store.grad("b"))
    m[:] = 7  # a copy: the state is untouched
    assert not np.any(opt.buffer("exp_avg") == 7)
    with pytest.raises(KeyError, match=r"adam: no state buffer 'momentum_buffer' \(it has exp_avg"):
        opt.buffer("momentum_buffer")
    with pytest.raises(KeyError, match="no tensor named 'x'"):
        opt.buffer("exp_avg", "x")


def test_repr():
    opt = optlab.make_optimizer("nadam", make_store("float64"), "keras")
    assert repr(opt) == "<optlab.Optimizer nadam (keras), 1 group, float64>"


def test_optimizers_and_views_die_cleanly_in_any_order():
    for order in range(3):
        store = make_store()
        opt = optlab.make_optimizer("lion", store, schedule="cosine:10", clip="value:1")
        view = store.param("w")
        sched = opt.scheduler
        objects = [store, opt, view, sched]
        del store, opt, view, sched
        for i in [(0, 1, 2, 3), (3, 2, 1, 0), (1, 3, 0, 2)][order]:
            objects[i] = None  # no cycles: each goes at once, the last one freeing the store
        gc.collect()


# ---- against torch.optim (Debian's 1.13) ----------------------------------------------------------
# Within rtol 1e-10 in float64, as tests/optim/reference_test.cpp: torch's vectorised kernels
# round differently from its scalar ones (fused multiply-adds), so not bit for bit. The
# bit-for-bit check of a Python step is against the C++ library's (test_state.py).

@pytest.mark.parametrize("name, torch_name, kwargs", [
    ("sgd", "SGD", dict(lr=0.1)),
    ("sgd", "SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("nag", "SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.02)),
    ("adagrad", "Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
    ("rmsprop", "RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
    ("adadelta", "Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
    ("adam", "Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    ("amsgrad", "Adam", dict(lr=0.01, amsgrad=True)),
    ("adamw", "AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("adamax", "Adamax", dict(lr=0.01, weight_decay=0.1)),
    ("radam", "RAdam", dict(lr=0.01)),
])
def test_steps_equal_torch_optim(name, torch_name, kwargs):
    torch = import_torch()
    # As tests/reference/generate.py: float64 by default, so the scalars torch keeps in tensors
    # (Adagrad's step, ...) are float64 too.
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        run_against_torch(torch, name, torch_name, kwargs)
    finally:
        torch.set_default_dtype(default)


def run_against_torch(torch, name, torch_name, kwargs):
    store = make_store("float64")
    params = [torch.tensor(store.param(n)) for n in store.names()]  # copies, at the same start
    opt = optlab.make_optimizer(name, store, **kwargs)
    theirs = getattr(torch.optim, torch_name)(params, foreach=False, **kwargs)
    for k in range(1, 6):
        set_grads(store, k)
        for p, n in zip(params, store.names()):
            p.grad = torch.tensor(store.grad(n))
        opt.step()
        theirs.step()
    for p, n in zip(params, store.names()):
        np.testing.assert_allclose(store.param(n), p.numpy(), rtol=1e-10, atol=0)


# ---- L-BFGS: step(closure) ----------------------------------------------------------------------

def rosenbrock_closure(store, calls):
    """The loss and gradient of Rosenbrock at the store's 1x2 point, written into the store."""
    def closure():
        calls.append(1)
        x, y = store.param("xy")[0]
        store.set_grad("xy", np.array([[-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]]))
        return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
    return closure


@pytest.mark.parametrize("line_search", ["fixed", "strong_wolfe"])
def test_lbfgs_steps_with_a_closure_as_torchs_own(line_search):
    torch = import_torch()
    store = optlab.ParamStore("float64")
    store.add("xy", (1, 2))
    store.set_param("xy", np.array([[-1.5, 2.0]]))
    opt = optlab.make_optimizer("lbfgs", store, line_search_fn=line_search, history_size=5)
    assert INFO["lbfgs"]["needs_closure"] and not INFO["adam"]["needs_closure"]
    with pytest.raises(ValueError, match="needs a closure"):
        opt.step()
    p = torch.tensor([[-1.5, 2.0]], dtype=torch.float64, requires_grad=True)
    theirs = torch.optim.LBFGS([p], line_search_fn=None if line_search == "fixed" else line_search, history_size=5)
    torch_calls, calls = [], []

    def torch_closure():
        torch_calls.append(1)
        x, y = p[0, 0].item(), p[0, 1].item()
        p.grad = torch.tensor([[-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]], dtype=torch.float64)
        return torch.tensor((1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x), dtype=torch.float64)

    for _ in range(3):
        loss = opt.step(rosenbrock_closure(store, calls))
        their_loss = theirs.step(torch_closure)
        assert len(calls) == len(torch_calls)
        # (the pin to 1e-10 is lbfgs_test's, both sides on one BLAS kernel; torch's dot in this
        # process may be another library's, whose last bits Rosenbrock amplifies to ~1e-9)
        np.testing.assert_allclose(loss, float(their_loss), rtol=1e-7)
        np.testing.assert_allclose(store.param("xy"), p.detach().numpy(), rtol=1e-7, atol=1e-12)


def test_a_closure_error_propagates_and_other_optimizers_call_it_once():
    store = optlab.ParamStore("float64")
    store.add("xy", (1, 2))
    opt = optlab.make_optimizer("lbfgs", store)

    def broken():
        raise RuntimeError("the closure broke")
    with pytest.raises(RuntimeError, match="the closure broke"):
        opt.step(broken)
    calls = []
    adam = optlab.make_optimizer("adam", store)
    assert adam.step(rosenbrock_closure(store, calls)) == 1.0  # Rosenbrock at (0, 0), before the step
    assert len(calls) == 1
