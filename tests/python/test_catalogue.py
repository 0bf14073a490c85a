# SPDX-License-Identifier: MIT
"""optlab.optimizers(), optlab.functions() and optlab.trajectory() against the CLI's output:
the same registry, the same functions, the same paths bit for bit."""

import json
import re
import warnings

import numpy as np
import pytest

import optlab
from conftest import CONVENTIONS, OPTIMIZERS, assert_same_bits


def as_json(value):
    """Python data as JSON reads it back: tuples become lists."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    return value


def test_conventions():
    assert optlab.conventions() == ("torch", "keras", "book")


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_optimizers_are_the_registry_the_cli_lists(cli, convention):
    listed = json.loads(cli("optimizers", "--json", "--convention", convention).stdout)
    ours = optlab.optimizers()
    assert [o["name"] for o in ours] == [o["name"] for o in listed]
    for mine, theirs in zip(ours, listed):
        for key in ("name", "label", "summary", "buffers", "bytes_per_param", "matrices_only", "learning_rate_free",
                    "needs_closure", "beyond_diagonal"):
            assert as_json(mine[key]) == theirs[key], (mine["name"], key)
        assert as_json(mine["defaults"][convention]) == theirs["defaults"], mine["name"]
        assert set(mine["descriptions"]) == set(mine["defaults"][convention])
        assert all(mine["descriptions"].values())


def test_optimizers_are_plain_python_data():
    adam = next(o for o in optlab.optimizers() if o["name"] == "adam")
    assert adam["defaults"]["torch"]["betas"] == (0.9, 0.999)
    assert adam["defaults"]["keras"]["eps"] == 1e-7
    assert adam["buffers"] == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    assert adam["bytes_per_param"] == 28.0 and adam["passes"] == 1
    adafactor = next(o for o in optlab.optimizers() if o["name"] == "adafactor")
    assert adafactor["defaults"]["torch"]["eps"][0] is None  # torch's None: the dtype's epsilon
    muon = next(o for o in optlab.optimizers() if o["name"] == "muon")
    assert muon["matrices_only"] and len(muon["defaults"]["torch"]["ns_coefficients"]) == 3
    flagged = {o["name"] for o in optlab.optimizers() if o["beyond_diagonal"]}
    assert {"muon", "lbfgs"} <= flagged and "adam" not in flagged
    assert [o["name"] for o in optlab.optimizers() if o["needs_closure"]] == ["lbfgs"]


def test_functions_are_the_ones_the_cli_lists(cli):
    text = cli("functions").stdout
    ours = optlab.functions()
    blocks = re.findall(r"^(\S+)\s+f\(x,y\) = (.*)\n\s+(.*)\n\s+start \(([^)]*)\), (.*)$", text, re.M)
    assert [b[0] for b in blocks] == [f["name"] for f in ours]
    for f, (name, formula, note, start, rest) in zip(ours, blocks):
        assert (f["formula"], f["note"]) == (formula, note)
        assert f["start"] == tuple(float(v) for v in start.split(", "))
        if f["minimum_value"] is None:
            assert f["minima"] == [] and "no minimum" in rest
        else:
            value, points = re.fullmatch(r"minimum (\S+) at (.*)", rest).groups()
            assert f["minimum_value"] == float(value)
            assert f["minima"] == [tuple(map(float, p.split(", "))) for p in re.findall(r"\(([^)]*)\)", points)]
        assert f["x_range"][0] < f["x_range"][1] and f["y_range"][0] < f["y_range"][1]


# ---- paths --------------------------------------------------------------------------------------

def cli_rows(cli, *args):
    done = cli("trajectory", *args, check=False)
    assert done.returncode in (0, 3), done.stderr  # 3: diverged, the rows still printed
    lines = done.stdout.strip().split("\n")
    assert lines[0] == "step,x,y,f"
    return np.array([[float(v) for v in line.split(",")] for line in lines[1:]]), done.returncode


def python_rows(**kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = optlab.trajectory(**kwargs)
    return rows, [w for w in caught if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("function", ["rosenbrock", "himmelblau"])
@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_trajectory_is_the_clis_bit_for_bit(cli, optimizer, convention, function):
    expected, code = cli_rows(cli, "--function", function, "--optimizer", optimizer,
                              "--convention", convention, "--steps", 40)
    rows, warned = python_rows(function=function, optimizer=optimizer, convention=convention, steps=40)
    assert rows.dtype == np.float64 and rows.flags.c_contiguous
    assert_same_bits(rows, expected)
    assert bool(warned) == (code == 3)  # a diverged path warns, as the CLI exits 3


@pytest.mark.parametrize("flags, kwargs", [
    (["--optimizer", "adam", "--lr", "0.05", "--betas", "0.8,0.99", "--weight-decay", "0.1", "--amsgrad"],
     dict(optimizer="adam", lr=0.05, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    (["--optimizer", "nag", "--lr", "0.01", "--momentum", "0.7", "--start", "-1,1.5"],
     dict(optimizer="nag", lr=0.01, momentum=0.7, start=(-1, 1.5))),
    (["--optimizer", "adafactor", "--lr", "0.02", "--eps", "none,1e-3", "--convention", "keras"],
     dict(optimizer="adafactor", lr=0.02, eps=(None, 1e-3), convention="keras")),
    (["--optimizer", "muon", "--lr", "0.01", "--ns-coefficients", "3.4445,-4.775,2.0315", "--nesterov"],
     dict(optimizer="muon", lr=0.01, ns_coefficients=(3.4445, -4.775, 2.0315), nesterov=True)),
    (["--optimizer", "lion", "--lr", "0.001", "--lookahead", "3,0.5"],
     dict(optimizer="lion", lr=0.001, lookahead=(3, 0.5))),
    (["--optimizer", "adamw", "--lookahead", "5,0.25"], dict(optimizer="adamw", lookahead="5,0.25")),
    (["--optimizer", "adam", "--lr", "0.05", "--swa-start", "20", "--swa-lr", "0.01", "--swa-anneal-epochs", "5",
      "--swa-anneal-strategy", "linear"],
     dict(optimizer="adam", lr=0.05, swa_start=20, swa_lr=0.01, swa_anneal_epochs=5, swa_anneal_strategy="linear")),
    (["--optimizer", "momentum", "--lr", "0.001", "--swa-start", "0", "--swa-lr", "0.002"],
     dict(optimizer="momentum", lr=0.001, swa_start=0, swa_lr=0.002)),
])
def test_trajectory_takes_the_clis_hyper_parameters_by_name(cli, flags, kwargs):
    expected, _ = cli_rows(cli, "--function", "rosenbrock", "--steps", 60, *flags)
    rows, _ = python_rows(function="rosenbrock", steps=60, **kwargs)
    assert_same_bits(rows, expected)


def test_trajectory_equals_the_clis_json(cli):
    done = cli("trajectory", "--function", "beale", "--optimizer", "radam", "--lr", "0.01", "--steps", 25,
               "--format", "json")
    path = json.loads(done.stdout)["path"]
    expected = np.array([[p["step"], p["x"], p["y"], p["f"]] for p in path], dtype=np.float64)
    assert_same_bits(optlab.trajectory("beale", "radam", lr=0.01, steps=25), expected)


def test_trajectory_defaults_are_the_clis():
    rows = optlab.trajectory()  # ravine, sgd, its default lr, 30 steps, from the function's start
    assert rows.shape == (31, 4)
    assert tuple(rows[0, 1:3]) == next(f["start"] for f in optlab.functions() if f["name"] == "ravine")
    assert list(rows[:, 0]) == list(range(31))


def test_a_diverging_path_warns_and_keeps_its_rows():
    with pytest.warns(RuntimeWarning, match="diverged.*try a smaller lr"):
        rows = optlab.trajectory("rosenbrock", "sgd", lr=1.0, steps=50)
    assert not np.isfinite(rows[-1]).all() and np.isfinite(rows[:-1]).all()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(function="nope"), KeyError, r"function: unknown name 'nope' \(expected one of ravine"),
    (dict(optimizer="adamm"), KeyError, r"optimizer: unknown name 'adamm'"),
    (dict(convention="pytorch"), ValueError, r"convention: unknown name 'pytorch'"),
    (dict(optimizer="adam", lr=-1.0), ValueError, r"adam: invalid lr = -1 \(expected a finite number >= 0\)"),
    (dict(optimizer="adam", betas=(0.9, 1.0)), ValueError, r"adam: invalid betas\[1\] = 1"),
    (dict(optimizer="adam", betas=0.9), ValueError, r"adam: hyper-parameter betas expects a pair, got 0.9"),
    (dict(optimizer="rmsprop", rho=0.9), ValueError, r"rmsprop has no hyper-parameter 'rho'.*use alpha"),
    (dict(optimizer="adam", betas=(0.9, 0.99, 0.5, 1)), ValueError, r"betas: expected 2 or 3 numbers, got 4"),
    (dict(optimizer="adam", betas=("a", "b")), TypeError, r"betas: expected numbers, got str"),
    (dict(optimizer="adam", lr=object()), TypeError, r"lr: expected a bool, a number"),
    (dict(steps=-1), ValueError, r"trajectory: invalid steps = -1"),
    (dict(start=(1,)), TypeError, r"start: expected two numbers"),
    (dict(lookahead="5"), ValueError, r"lookahead: '5' is not K,ALPHA"),
    (dict(lookahead=(5, 0.5), ema=0.9), ValueError, r"cannot be combined"),
    (dict(ema=1.0), ValueError, r"DECAY = 1"),
    (dict(optimizer="schedule-free-sgd", ema=0.9), ValueError, r"evaluates at a point of its own"),
    (dict(swa_start=5), ValueError, r"--swa-start without --swa-lr"),
    (dict(swa_lr=0.1, swa_anneal_epochs=3), ValueError, r"--swa-lr without --swa-start"),
    (dict(swa_start=5, swa_lr=0.1, ema=0.9), ValueError, r"--ema and --swa-start cannot be combined"),
    (dict(swa_start=5, swa_lr=0.0), ValueError, r"invalid swa_lr = 0 \(expected a finite number > 0\)"),
    (dict(swa_start=5, swa_lr=0.1, swa_anneal_strategy="cosine"), ValueError, r"anneal_strategy 'cosine'"),
    (dict(swa_start=2.5, swa_lr=0.1), TypeError, r"swa_start: expected an integer, got float"),
    (dict(swa_start=2, swa_lr="fast"), TypeError, r"swa_lr: expected a number, got str"),
])
def test_bad_arguments_raise_the_librarys_message(kwargs, error, match):
    with pytest.raises(error, match=match) as caught:
        optlab.trajectory(**kwargs)
    assert isinstance(caught.value, optlab.Error) or error is TypeError
