# SPDX-License-Identifier: MIT
"""optlab.torch as a torch.optim drop-in: its classes and signatures, parameters and gradients in
the arena, parameters without gradients skipped as torch skips them, closures, hyper-parameters
from the group dicts, state dicts, named parameters, add_param_group, and what it refuses."""

import copy
import inspect
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import optlab
from conftest import import_torch, OPTIMIZERS, assert_same_bits

torch = import_torch()
F = torch.nn.functional
import optlab.torch  # noqa: E402  (after the skip: it needs torch)

PYTHONPATH = os.pathsep.join(p for p in sys.path if p)


def model(dtype=torch.float32, seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3)).to(dtype)


def data(seed=1, n=16):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 4, generator=g), torch.randn(n, 3, generator=g)


def loss_of(net, x, y):
    return F.mse_loss(net(x), y)


def run(python_code):
    return subprocess.run([sys.executable, "-c", python_code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": PYTHONPATH})


# ---- the module and its classes -----------------------------------------------------------------

def test_import_optlab_leaves_torch_alone_and_without_torch_names_the_package():
    done = run("import sys, optlab; assert 'torch' not in sys.modules, 'optlab imported torch'")
    assert done.returncode == 0, done.stderr
    done = run("import sys; sys.modules['torch'] = None\nimport optlab.torch")  # torch absent
    assert done.returncode != 0
    assert "ImportError: optlab.torch needs PyTorch" in done.stderr and "python3-torch" in done.stderr


def test_a_class_for_every_registry_optimizer_and_every_name_by_optimizer():
    for name in ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "NAdam", "RAdam",
                 "Adafactor", "Muon", "Lion", "Lamb", "ScheduleFreeAdamW", "ScheduleFreeSGD", "LBFGS"]:
        cls = getattr(optlab.torch, name)
        assert issubclass(cls, torch.optim.Optimizer) and issubclass(cls, optlab.torch.Optimizer), name
        assert name in optlab.torch.__all__
    for name in OPTIMIZERS:  # every registry name, the aliases too
        opt = optlab.torch.optimizer(name, [torch.nn.Parameter(torch.zeros(3, 2))])
        info = next(o for o in optlab.optimizers() if o["name"] == name)
        assert opt.name == name and opt.core.hyper(0) == info["defaults"]["torch"], name
    assert type(optlab.torch.optimizer("nag", [torch.zeros(2)])) is optlab.torch.SGD
    assert optlab.torch.optimizer("nag", [torch.zeros(2)]).defaults["nesterov"] is True
    assert type(optlab.torch.optimizer("amsgrad", [torch.zeros(2)])) is optlab.torch.Adam
    with pytest.raises(KeyError, match="optimizer: unknown name 'adamm'"):
        optlab.torch.optimizer("adamm", [torch.zeros(2)])
    with pytest.raises(ValueError, match="rmsprop has no hyper-parameter 'rho'"):
        optlab.torch.optimizer("rmsprop", [torch.zeros(2)], rho=0.9)


@pytest.mark.parametrize("name", [name for name in ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax",
                                                    "NAdam", "RAdam", "ASGD", "Rprop", "SparseAdam", "LBFGS"]
                                  if hasattr(optlab.torch, name)])  # (as the registry has them)
def test_constructors_take_torchs_arguments_in_torchs_order_with_its_defaults(name):
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    ours = inspect.signature(getattr(optlab.torch, name)).parameters
    positional = [k for k, p in theirs.items() if p.kind == p.POSITIONAL_OR_KEYWORD]
    positional = positional[:positional.index("foreach")] if "foreach" in positional else positional
    assert [k for k, p in ours.items() if p.kind == p.POSITIONAL_OR_KEYWORD][:len(positional)] == positional
    for key, p in theirs.items():
        assert key in ours, key
        if key == "lr" and name == "SGD":
            assert ours[key].default == 1e-3  # torch >= 2.2's default; 1.13 requires an lr
        elif key != "params":
            assert ours[key].default == p.default, key
    with pytest.raises(TypeError, match="unexpected keyword argument 'rhoo'"):
        getattr(optlab.torch, name)([torch.zeros(2)], rhoo=0.5)


def test_positional_arguments_and_conventions_choose_the_defaults():
    opt = optlab.torch.SGD([torch.zeros(2)], 0.1, 0.9)
    assert (opt.defaults["lr"], opt.defaults["momentum"]) == (0.1, 0.9)
    keras = optlab.torch.Adam([torch.zeros(2)], convention="keras")
    assert keras.convention == "keras" and keras.defaults["eps"] == 1e-7
    assert optlab.torch.Adagrad([torch.zeros(2)], convention="keras").defaults["initial_accumulator_value"] == 0.1
    assert optlab.torch.Adam([torch.zeros(2)], convention="keras", eps=1e-3).core.hyper(0)["eps"] == 1e-3
    with pytest.raises(ValueError, match="unknown convention 'pytorch'"):
        optlab.torch.Adam([torch.zeros(2)], convention="pytorch")


def test_keras_convention_steps_as_the_numpy_layer():
    net = model(torch.float64)
    opt = optlab.torch.RMSprop(net.parameters(), lr=0.01, momentum=0.5, convention="keras")
    store = optlab.ParamStore("float64")
    for i, p in enumerate(net.parameters()):
        store.add(str(i), tuple(p.shape))
        store.set_param(str(i), p.detach().numpy().copy())
    ref = optlab.make_optimizer("rmsprop", store, "keras", lr=0.01, momentum=0.5)
    x, y = (t.double() for t in data())
    for _ in range(3):
        opt.zero_grad()
        loss_of(net, x, y).backward()
        for i, p in enumerate(net.parameters()):
            store.set_grad(str(i), p.grad.numpy())
        opt.step()
        ref.step()
    for i, p in enumerate(net.parameters()):
        assert_same_bits(p.detach().numpy(), store.param(str(i)))


# ---- parameters and gradients in the arena ------------------------------------------------------

def test_parameters_become_views_of_one_arena_and_the_model_still_works():
    net = model()
    x, y = data()
    before = net(x).detach().clone()
    values = [p.detach().clone() for p in net.parameters()]
    opt = optlab.torch.Adam(net.parameters())
    arena = opt.store.params()
    start, end = arena.ctypes.data, arena.ctypes.data + arena.nbytes
    assert opt.store.num_parameters == sum(p.numel() for p in net.parameters())
    for p, value, label in zip(net.parameters(), values, opt.store.names()):
        assert isinstance(p, torch.nn.Parameter) and p.requires_grad
        assert start <= p.data_ptr() < end and p.data_ptr() == opt.store.param(label).ctypes.data
        assert torch.equal(p.detach(), value)
    assert torch.equal(net(x), before)
    with torch.no_grad():
        next(net.parameters()).add_(1.0)  # writes through, both ways
    assert opt.store.param(opt.store.names()[0])[0, 0] == values[0][0, 0].item() + 1.0


def test_gradients_accumulate_in_the_arena_and_replaced_ones_are_taken():
    net = model()
    x, y = data()
    opt = optlab.torch.SGD(net.parameters(), lr=0.1)
    loss_of(net, x, y).backward()  # .grad made by autograd
    opt.step()
    labels = opt.store.names()
    for p, label in zip(net.parameters(), labels):  # taken into the arena, and kept there
        assert p.grad.data_ptr() == opt.store.grad(label).ctypes.data
    opt.zero_grad(set_to_none=False)
    assert not opt.store.grads().any()
    loss_of(net, x, y).backward()
    grads = [p.grad.clone() for p in net.parameters()]
    for p, label, g in zip(net.parameters(), labels, grads):  # accumulated in place by autograd
        assert p.grad.data_ptr() == opt.store.grad(label).ctypes.data
        assert np.array_equal(opt.store.grad(label), g.numpy())
    loss_of(net, x, y).backward()  # accumulation over two backward passes
    for p, g in zip(net.parameters(), grads):
        torch.testing.assert_close(p.grad, 2 * g)
    opt.zero_grad(set_to_none=True)
    assert all(p.grad is None for p in net.parameters())
    loss_of(net, x, y).backward()
    assert all(p.grad.data_ptr() != opt.store.grad(lab).ctypes.data for p, lab in zip(net.parameters(), labels))
    for p in net.parameters():  # a gradient set by hand is taken too
        p.grad = torch.ones_like(p)
    before = [p.detach().clone() for p in net.parameters()]
    opt.step()
    for p, b in zip(net.parameters(), before):
        torch.testing.assert_close(p.detach(), b - 0.1)


def test_zero_grads_default_is_the_installed_torchs():
    default = inspect.signature(torch.optim.Optimizer.zero_grad).parameters["set_to_none"].default
    assert inspect.signature(optlab.torch.Adam.zero_grad).parameters["set_to_none"].default == default
    net = model()
    opt = optlab.torch.Adam(net.parameters())
    loss_of(net, *data()).backward()
    opt.zero_grad()
    assert all((p.grad is None) == default for p in net.parameters())


@pytest.mark.parametrize("name, hyper", [("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
                                         ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1)),
                                         ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
                                         ("RMSprop", dict(lr=0.01, momentum=0.5, weight_decay=0.1))])
def test_a_parameter_without_gradient_is_skipped_as_torch_skips_it(name, hyper):
    """No update, no weight decay, no state change: the second layer's bias has no gradient at
    some steps, the first layer's weight none at the first steps (its state starts late)."""
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        theirs = model(torch.float64)
        ours = copy.deepcopy(theirs)
        reference = getattr(torch.optim, name)(theirs.parameters(), foreach=False, **hyper)
        opt = getattr(optlab.torch, name)(ours.parameters(), **hyper)
        x, y = data()
        for step in range(7):
            for net, o in ((theirs, reference), (ours, opt)):
                o.zero_grad(set_to_none=True)
                loss_of(net, x, y).backward()
                if step % 3 == 1:
                    net[2].bias.grad = None
                if step < 2:
                    net[0].weight.grad = None
                o.step()
        for a, b in zip(ours.parameters(), theirs.parameters()):
            torch.testing.assert_close(a, b, rtol=1e-10, atol=0)
        ours_state, their_state = opt.state_dict()["state"], reference.state_dict()["state"]
        for index in their_state:
            if "step" in their_state[index]:
                assert float(ours_state[index]["step"]) == float(their_state[index]["step"]), index
        if name == "Adam":  # the first weight skipped twice at the start, the last bias twice later
            assert [float(ours_state[i]["step"]) for i in range(4)] == [5, 7, 7, 5]
    finally:
        torch.set_default_dtype(default)


def test_step_follows_torchs_closure_contract():
    net = model()
    x, y = data()
    opt = optlab.torch.Adam(net.parameters(), lr=0.01)
    calls = []

    def closure():
        calls.append(torch.is_grad_enabled())
        opt.zero_grad()
        loss = loss_of(net, x, y)
        loss.backward()
        return loss

    with torch.no_grad():  # the closure runs with gradients enabled all the same
        loss = opt.step(closure)
    assert calls == [True] and isinstance(loss, torch.Tensor) and loss.requires_grad
    assert opt.step() is None


# ---- hyper-parameters from the group dicts ------------------------------------------------------

def test_group_dicts_drive_the_library_and_bad_values_raise_its_errors():
    net = model()
    x, y = data()
    opt = optlab.torch.Adam([{"params": net[0].parameters()}, {"params": net[2].parameters(), "lr": 0.1}], lr=0.01)
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.1]
    loss_of(net, x, y).backward()
    opt.param_groups[1]["betas"] = (0.5, 0.9)
    opt.param_groups[0]["lr"] = torch.tensor(0.02)  # a 0-d tensor, as schedulers may leave
    opt.step()
    assert opt.core.hyper(0)["lr"] == pytest.approx(0.02) and opt.core.hyper(2)["betas"] == (0.5, 0.9)
    before = [p.detach().clone() for p in net.parameters()]
    opt.param_groups[0]["lr"] = -1.0
    with pytest.raises(ValueError, match=r"adam: invalid lr = -1 \(expected"):
        opt.step()
    assert all(torch.equal(p, b) for p, b in zip(net.parameters(), before))  # nothing moved
    opt.param_groups[0]["betas"] = "fast"
    opt.param_groups[0]["lr"] = 0.01
    with pytest.raises(TypeError, match=r"param_groups\[0\]\['betas'\]: expected tuple"):
        opt.step()
    opt.param_groups[0]["betas"] = (0.9, 0.999)
    opt.step()
    with pytest.raises(ValueError, match="adam: invalid lr = -1"):
        optlab.torch.Adam(net.parameters(), lr=-1)


def test_schedulers_drive_optlabs_optimizers_as_torchs():
    net = model()
    opt = optlab.torch.SGD(net.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    x, y = data()
    seen = []
    for _ in range(4):
        opt.zero_grad()
        loss_of(net, x, y).backward()
        opt.step()
        sched.step()
        seen.append((opt.core.hyper(0)["lr"], opt.core.hyper(0)["momentum"]))
    assert len(set(seen)) == 4  # the lr and momentum cycle in the library too
    assert len({momentum for _, momentum in seen}) == 4
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    plateau.step(1.0)
    plateau.step(2.0)
    opt.step()
    assert opt.core.hyper(0)["lr"] == opt.param_groups[0]["lr"]


# ---- state ---------------------------------------------------------------------------------------

def test_state_reads_as_torchs_and_loading_refuses_what_does_not_fit():
    net = model()
    opt = optlab.torch.Adam(net.parameters(), lr=0.01)
    assert len(opt.state) == 0 and opt.state[next(net.parameters())] == {}
    loss_of(net, *data()).backward()
    opt.step()
    first = next(net.parameters())
    assert sorted(opt.state[first]) == ["exp_avg", "exp_avg_sq", "step"] and len(opt.state) == 4
    assert torch.equal(opt.state[first]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])
    saved = opt.state_dict()
    other = optlab.torch.Adam(model().parameters())
    with pytest.raises(ValueError, match="different number of parameter groups"):
        other.load_state_dict({**saved, "param_groups": saved["param_groups"] * 2})
    with pytest.raises(ValueError, match="doesn't match the size"):
        optlab.torch.Adam(list(model().parameters())[:2]).load_state_dict(saved)
    bad = copy.deepcopy(saved)
    bad["state"][0]["exp_avg"] = torch.zeros(2, 2)
    with pytest.raises(ValueError, match=r"buffer exp_avg has shape \[2, 2\], the model's tensor has \[6, 4\]"):
        other.load_state_dict(bad)
    bad = copy.deepcopy(saved)
    bad["param_groups"][0]["eps"] = -1.0
    with pytest.raises(ValueError, match="adam: invalid eps = -1"):
        other.load_state_dict(bad)
    assert other.state_dict()["state"] == {} and other.param_groups[0]["eps"] == 1e-8  # nothing changed
    other.load_state_dict(saved)
    assert torch.equal(other.state_dict()["state"][3]["exp_avg_sq"], saved["state"][3]["exp_avg_sq"])
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(opt)


def test_named_parameters_name_the_tensors_and_the_messages():
    net = model()
    opt = optlab.torch.AdamW(net.named_parameters(), lr=0.01)
    names = [n for n, _ in net.named_parameters()]
    assert opt.store.names() == names and opt.param_groups[0]["param_names"] == names
    assert opt.state_dict()["param_groups"][0]["param_names"] == names
    mixed = model()
    mixed[2].double()
    with pytest.raises(TypeError, match=r"parameter 2 \('2.weight'\) is torch.float64 but parameter 0 "
                                        r"\('0.weight'\) is torch.float32: one optimizer's parameters share one dtype"):
        optlab.torch.Adam(mixed.named_parameters())


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "SGD"])
def test_add_param_group_moves_every_parameter_into_a_new_arena_and_keeps_the_state(name):
    hyper = dict(lr=0.05, momentum=0.9) if name == "SGD" else dict(lr=0.05)
    theirs = model()
    ours = copy.deepcopy(theirs)
    reference = getattr(torch.optim, name)(theirs[0].parameters(), foreach=False, **hyper)
    opt = getattr(optlab.torch, name)(ours[0].parameters(), **hyper)
    x, y = data()
    for step in range(5):
        if step == 2:  # fine-tuning: a frozen layer joins
            reference.add_param_group({"params": theirs[2].parameters(), "lr": 0.01})
            opt.add_param_group({"params": ours[2].parameters(), "lr": 0.01})
        for net, o in ((theirs, reference), (ours, opt)):
            o.zero_grad()
            loss_of(net, x, y).backward()
            o.step()
    for a, b in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(a, b)
    arena = opt.store.params()
    assert all(arena.ctypes.data <= p.data_ptr() < arena.ctypes.data + arena.nbytes for p in ours.parameters())
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": ours[2].parameters()})
    assert len(opt.param_groups) == 2


def test_add_param_group_gives_adagrad_its_initial_accumulator():
    """(torch 1.13's Adagrad makes its state in __init__ only: its add_param_group leaves the new
    parameters without 'sum', and its next step fails.)"""
    net = model()
    opt = optlab.torch.Adagrad(net[0].parameters(), initial_accumulator_value=0.5)
    loss_of(net, *data()).backward()
    opt.step()
    opt.add_param_group({"params": net[2].parameters(), "initial_accumulator_value": 0.25})
    state = opt.state_dict()["state"]
    assert [float(state[i]["step"]) for i in range(4)] == [1, 1, 0, 0]
    assert torch.all(state[2]["sum"] == 0.25) and not torch.all(state[0]["sum"] == 0.5)
    opt.step()


def test_schedule_free_evaluates_at_its_average_and_trains_back_bit_for_bit():
    net = model()
    opt = optlab.torch.ScheduleFreeAdamW(net.parameters(), lr=0.01)
    x, y = data()
    for _ in range(3):
        opt.zero_grad()
        loss_of(net, x, y).backward()
        opt.step()
    training = [p.detach().clone() for p in net.parameters()]
    opt.eval()
    assert not all(torch.equal(p, t) for p, t in zip(net.parameters(), training))
    saved = opt.state_dict()
    assert all(g["train_mode"] is False for g in saved["param_groups"]) and "train_point" in saved["state"][0]
    with pytest.raises(RuntimeError, match="step\\(\\) in evaluation mode"):
        opt.step()
    opt.train()
    assert all(torch.equal(p, t) for p, t in zip(net.parameters(), training))
    assert "train_point" not in opt.state_dict()["state"][0]


# ---- what is refused -----------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: torch.zeros(3, device="meta"), ValueError, r"parameter 1 is on meta: optlab steps CPU tensors only"),
    (lambda: torch.zeros(3, dtype=torch.float16), TypeError, r"parameter 1 is torch.float16: optlab steps float32 or float64"),
    (lambda: torch.zeros(3, dtype=torch.bfloat16), TypeError, r"parameter 1 is torch.bfloat16"),
    (lambda: torch.zeros(3, dtype=torch.complex64), TypeError, r"parameter 1 is torch.complex64"),
    (lambda: torch.zeros(3, dtype=torch.int64), TypeError, r"parameter 1 is torch.int64"),
    (lambda: torch.zeros(3, dtype=torch.float64), TypeError, r"parameter 1 is torch.float64 but parameter 0 is torch.float32"),
    (lambda: torch.zeros(3, 3).to_sparse(), ValueError, r"parameter 1 is a torch.sparse_coo tensor: optlab steps dense"),
])
def test_tensors_optlab_cannot_step_are_refused_naming_the_parameter(make, error, message):
    with pytest.raises(error, match=r"optlab.torch.Adam: " + message):
        optlab.torch.Adam([torch.zeros(2), make()])


def test_other_refusals_name_what_and_where():
    with pytest.raises(ValueError, match="capturable=True is for CUDA graphs"):
        optlab.torch.Adam([torch.zeros(2)], capturable=True)
    with pytest.raises(ValueError, match="differentiable=True"):
        optlab.torch.SGD([torch.zeros(2)], differentiable=True)
    assert optlab.torch.Adam([torch.zeros(2)], foreach=True, fused=True).defaults["foreach"] is True  # changes nothing
    with pytest.raises(ValueError, match=r"optlab.torch.Muon: parameter 1 \('0.bias'\) has shape \(6,\): "
                                         r"muon steps weights of 2 or more dimensions only"):
        optlab.torch.Muon(model().named_parameters())
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optlab.torch.SGD([torch.zeros(2, requires_grad=True) * 2])
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optlab.torch.SGD([])
    p = torch.nn.Parameter(torch.zeros(2))
    with pytest.raises(ValueError, match=r"parameter 1 is parameter 0 again"), \
            pytest.warns(UserWarning, match="duplicate parameters"):  # torch's warning first
        optlab.torch.SGD([p, p])


def test_sparse_gradients_adam_refuses_sgd_and_adagrad_take_densely_as_torch():
    torch.manual_seed(0)
    emb = torch.nn.Embedding(10, 3, sparse=True).double()
    ids = torch.tensor([[1, 2, 2], [5, 1, 7]])
    opt = optlab.torch.Adam(emb.named_parameters())
    emb(ids).sum().backward()
    with pytest.raises(RuntimeError, match=r"parameter 0 \('weight'\) has a sparse gradient: Adam has no sparse form"):
        opt.step()
    for name, hyper in [("SGD", dict(lr=0.1, momentum=0.9)), ("Adagrad", dict(lr=0.1, lr_decay=0.1))]:
        theirs = torch.nn.Embedding(10, 3, sparse=True).double()
        ours = copy.deepcopy(theirs)
        reference = getattr(torch.optim, name)(theirs.parameters(), foreach=False, **hyper)
        opt = getattr(optlab.torch, name)(ours.parameters(), **hyper)
        for step in range(4):
            for net, o in ((theirs, reference), (ours, opt)):
                o.zero_grad()
                (net((ids + step) % 10) ** 2).sum().backward()
                assert net.weight.grad.is_sparse
                o.step()
        # (torch adds a repeated id's rows one by one, optlab their sum: a rounding apart)
        torch.testing.assert_close(ours.weight, theirs.weight, rtol=1e-10, atol=1e-14)
    opt = optlab.torch.Adagrad(ours.parameters(), weight_decay=0.1)
    (ours(ids) ** 2).sum().backward()
    with pytest.raises(RuntimeError, match="weight_decay option is not compatible with sparse gradients"):
        opt.step()


def test_a_parameter_moved_after_construction_is_refused_at_the_step():
    net = model()
    opt = optlab.torch.SGD(net.named_parameters(), lr=0.1)
    loss_of(net, *data()).backward()
    net[0].weight.data = net[0].weight.data.clone()
    with pytest.raises(RuntimeError, match=r"parameter 0 \('0.weight'\) no longer points into the optimizer's arena"):
        opt.step()
