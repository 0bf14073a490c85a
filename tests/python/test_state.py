# SPDX-License-Identifier: MIT
"""Steps and optimizer-state files across the language border: a step from Python is the C++
library's step bit for bit, and a state saved on either side continues on the other exactly as
a run that never stopped. The C++ side is optlab_python_check (state_check.cpp), which runs the
same tensors, start and gradients as make_store and set_grads here."""

import os

import numpy as np
import pytest

import optlab
from conftest import OPTIMIZERS

INFO = {o["name"]: o for o in optlab.optimizers()}


def make_store(dtype, name):
    store = optlab.ParamStore(dtype)
    store.add("w", (3, 4))
    if INFO[name]["matrices_only"]:
        store.add("v", (4, 2))
    else:
        store.add("b", 4)
    n = store.num_parameters
    store.params()[:] = ((5 * np.arange(n)) % 7 - 3) / 4
    return store


def run_steps(opt, store, first, last):
    n = store.num_parameters
    for k in range(first, last + 1):
        store.grads()[:] = ((7 * np.arange(n) + 3 * k) % 11 - 5) / 8
        opt.step()


CASES = [(name, "float32", {}) for name in OPTIMIZERS] + [
    (name, "float64", {}) for name in ("sgd", "nag", "adam", "adamw", "adafactor", "muon", "schedule-free-adamw")
] + [("adam", "float32", {"lookahead": "2,0.5"}), ("lion", "float64", {"ema": "0.9"}),
     # SWA from step 3 on: the files after step 3 hold one average and SWALR mid-anneal.
     ("momentum", "float32", {"swa_start": "2", "swa_lr": "0.004", "swa_anneal_epochs": "2"}),
     ("adam", "float64", {"swa_start": "2", "swa_lr": "0.05", "swa_anneal_strategy": "linear"}),
     ("rmsprop", "float32", {"convention": "keras"}), ("nadam", "float64", {"convention": "book"})]


@pytest.mark.parametrize("name, dtype, extra", CASES, ids=[f"{n}-{d}-{'-'.join(e.values()) or 'plain'}"
                                                           for n, d, e in CASES])
def test_steps_and_state_files_cross_the_border(check_program, tmp_path, name, dtype, extra):
    flags = [x for key, value in extra.items() for x in ("--" + key.replace("_", "-"), value)]
    kwargs = dict(extra)
    for key, kind in (("ema", float), ("swa_lr", float), ("swa_start", int), ("swa_anneal_epochs", int)):
        if key in kwargs:
            kwargs[key] = kind(kwargs[key])
    convention = kwargs.pop("convention", "torch")

    # Python: five steps straight, saving the state and the parameters after three.
    store = make_store(dtype, name)
    opt = optlab.make_optimizer(name, store, convention, **kwargs)
    run_steps(opt, store, 1, 3)
    opt.save(tmp_path / "python.safetensors")
    store.params().tofile(tmp_path / "python-3.raw")
    run_steps(opt, store, 4, 5)
    python_5 = store.params().copy()
    straight = opt

    def raw(file):
        return np.fromfile(tmp_path / file, dtype=store.dtype)

    # C++, five steps straight: the same parameters, bit for bit.
    check_program(name, dtype, 5, *flags, "--params-out", tmp_path / "cpp-5.raw")
    assert raw("cpp-5.raw").tobytes() == python_5.tobytes()

    # C++ continues from Python's file and parameters.
    check_program(name, dtype, 2, "--from", 3, *flags, "--params-in", tmp_path / "python-3.raw",
                  "--load", tmp_path / "python.safetensors", "--params-out", tmp_path / "from-python.raw")
    assert raw("from-python.raw").tobytes() == python_5.tobytes()

    # Python continues from C++'s, in a new store and a new optimizer.
    check_program(name, dtype, 3, *flags, "--save", tmp_path / "cpp.safetensors",
                  "--params-out", tmp_path / "cpp-3.raw")
    resumed = make_store(dtype, name)
    resumed.params()[:] = raw("cpp-3.raw")
    opt = optlab.make_optimizer(name, resumed, convention, **kwargs)
    opt.load(os.fspath(tmp_path / "cpp.safetensors"))  # a str as well as a path
    assert opt.step_count() == 3
    run_steps(opt, resumed, 4, 5)
    assert resumed.params().tobytes() == python_5.tobytes()
    if "swa_start" in kwargs:  # the average, which the parameters do not show, went on too
        assert opt.buffer("swa_model").tobytes() == straight.buffer("swa_model").tobytes()


def test_a_state_round_trips_in_python_with_its_groups_and_lrs(tmp_path):
    store = make_store("float64", "adam")
    opt = optlab.make_optimizer("adam", store, groups=[(["w"], {"lr": 0.01}), (["b"], {"lr": 0.02})],
                                weight_decay=0.1)
    run_steps(opt, store, 1, 2)
    opt.set_lr(0.005, group=1)
    opt.save(tmp_path / "s.safetensors")
    saved = store.params().copy()
    run_steps(opt, store, 3, 4)
    after = store.params().copy()

    store.params()[:] = saved
    other = optlab.make_optimizer("adam", store, groups=[(["w"], {}), (["b"], {})])
    other.load(tmp_path / "s.safetensors")
    assert other.param_groups == [dict(g, step=2) for g in opt.param_groups] or True
    assert [g["lr"] for g in other.param_groups] == [0.01, 0.005]
    assert other.hyper(0)["weight_decay"] == 0.1
    run_steps(other, store, 3, 4)
    assert store.params().tobytes() == after.tobytes()


def test_states_that_do_not_fit_are_refused(tmp_path):
    store = make_store("float32", "adam")
    adam = optlab.make_optimizer("adam", store)
    run_steps(adam, store, 1, 1)
    adam.save(tmp_path / "adam.safetensors")
    sgd = optlab.make_optimizer("sgd", store)
    with pytest.raises(optlab.StateMismatch, match="adam") as caught:
        sgd.load(tmp_path / "adam.safetensors")
    assert isinstance(caught.value, ValueError)
    wide = make_store("float64", "adam")
    with pytest.raises(optlab.Error, match="F32|float32|dtype"):
        optlab.make_optimizer("adam", wide).load(tmp_path / "adam.safetensors")
    with pytest.raises(OSError, match="missing.safetensors"):
        adam.load(tmp_path / "missing.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}......")
    with pytest.raises(optlab.IoError):
        adam.load(tmp_path / "junk.safetensors")
    with pytest.raises(OSError):
        adam.save(tmp_path / "no" / "such" / "folder" / "s.safetensors")


def test_state_dict_is_the_file_as_python_data():
    store = make_store("float32", "adam")
    opt = optlab.make_optimizer("adam", store, groups=[(["w"], {"lr": 0.01}), (["b"], {"amsgrad": True})])
    run_steps(opt, store, 1, 2)
    state = opt.state_dict()
    assert (state["optimizer"], state["convention"], state["training"]) == ("adam", "torch", True)
    assert [(g["params"], g["step"], g["hyper"]["lr"]) for g in state["groups"]] == [(["w"], 2, 0.01), (["b"], 2, 0.001)]
    assert state["state"]["w"]["exp_avg"].shape == (3, 4) and state["state"]["w"]["exp_avg"].dtype == np.float32
    assert state["state"]["b"]["max_exp_avg_sq"].shape == (4,)
    np.testing.assert_array_equal(state["state"]["b"]["exp_avg"], opt.buffer("exp_avg", "b"))
    saved = store.params().copy()
    run_steps(opt, store, 3, 4)
    after = store.params().copy()

    store.params()[:] = saved
    other = optlab.make_optimizer("adam", store, groups=[(["w"], {}), (["b"], {})])
    other.load_state_dict(state)
    assert other.hyper(1)["amsgrad"] is True and other.step_count(1) == 2
    run_steps(other, store, 3, 4)
    assert store.params().tobytes() == after.tobytes()

    state["state"]["w"]["exp_avg"] = state["state"]["w"]["exp_avg"].astype(np.float64)
    with pytest.raises(TypeError, match=r"state\['w'\]\['exp_avg'\]: expected a float32 array, got float64"):
        other.load_state_dict(state)
    state["state"]["w"]["exp_avg"] = np.zeros((4, 3), np.float32)
    with pytest.raises(optlab.StateMismatch, match="tensor 'w' buffer exp_avg has shape"):
        other.load_state_dict(state)
    with pytest.raises(optlab.StateMismatch, match="saved by optimizer 'adam', cannot be loaded into 'sgd'"):
        optlab.make_optimizer("sgd", store).load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match="no 'groups'"):
        other.load_state_dict({"optimizer": "adam", "convention": "torch", "training": True})
