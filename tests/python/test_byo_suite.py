# SPDX-License-Identifier: MIT
"""optlab.suite.run: optimizers written in Python scored by the suite's protocol beside the
built-in ones, into the folder `optlab suite` writes — arms reused across runs and front ends,
resumed after an error, refused when a name would confuse two optimizers."""

import json
import os
import shutil
import subprocess

import pytest

import optlab
from conftest import program_environment
from byo_optimizers import SGD, Flaky, Interrupting, Momentum
from test_gil import counts_during

QUICK_ARMS = 2 + 3 + 1  # per optimizer on one problem: 2 default seeds, 3 learning rates, 1 more seed
FASHION_MNIST = "/usr/share/datasets/fashion-mnist"


@pytest.fixture
def no_figures(monkeypatch):
    """Without gnuplot on PATH the suite writes its tables but draws nothing (seconds saved)."""
    monkeypatch.setenv("PATH", "/nonexistent")


class Recorder:
    """A progress callable keeping the arms the suite ran."""

    def __init__(self):
        self.arms = []

    def __call__(self, k, n, arm, seconds_left):
        assert 1 <= k <= n and (seconds_left is None or seconds_left >= 0)
        self.arms.append(arm["file"])


def arm_file(out, name):
    return json.loads((out / "arms" / name).read_text())


def without_seconds(summary):
    for arm in summary["arms"]:
        arm.pop("seconds"), arm.pop("seconds_to_target")
    for row in summary["table"]:
        row.pop("seconds_to_target")
    summary.pop("scores_seconds")
    return summary


def test_a_python_optimizer_is_scored_beside_the_builtin_one(tmp_path):
    out = tmp_path / "suite"
    ran = Recorder()
    problems = ["quadratic"]  # the others' quick arms cost a second or more each, not milliseconds
    summary = optlab.suite.run(problems=problems, optimizers={"mysgd": SGD, "sgd": None}, quick=True, out=out,
                               threads=1, progress=ran)
    assert summary == json.loads((out / "suite.json").read_text())
    assert summary["optimizers"] == ["mysgd", "sgd"]
    assert summary["origins"] == {"mysgd": "python:byo_optimizers.SGD"}
    assert len(summary["arms"]) == len(ran.arms) == 2 * len(problems) * QUICK_ARMS
    for name in ("protocol.json", "suite-arms.csv", "suite-table.csv", "arms/quadratic/default-mysgd-seed1.json",
                 "arms/quadratic/tune-mysgd-lr0.01-seed1.json", "arms/quadratic/default-sgd-seed2.json"):
        assert (out / name).is_file(), name
    if shutil.which("gnuplot"):
        for name in ("suite-ranks.png", "suite-profile.svg", "suite-curves.png", "suite-lr.png"):
            assert (out / name).is_file(), name
    assert arm_file(out, "quadratic/default-mysgd-seed1.json")["origin"] == "python:byo_optimizers.SGD"
    assert "origin" not in arm_file(out, "quadratic/default-sgd-seed1.json")
    # The same protocol gave SGD written in Python the built-in's results, arm by arm (its
    # default lr is SGD's, 1e-3), to float32 rounding, and so the same best learning rates.
    arms = {(a["problem"], a["phase"], a["lr"], a["seed"], a["optimizer"]): a for a in summary["arms"]}
    for (problem, phase, lr, seed, optimizer), ours in arms.items():
        if optimizer != "mysgd":
            continue
        theirs = arms[(problem, phase, lr, seed, "sgd")]
        assert ours["diverged"] == theirs["diverged"], (problem, phase, lr)
        if not ours["diverged"]:
            assert ours["final_train_loss"] == pytest.approx(theirs["final_train_loss"], rel=1e-5), (problem, phase, lr)
            assert ours["test_metric"] == pytest.approx(theirs["test_metric"], rel=1e-5), (problem, phase, lr)
    rows = {(r["problem"], r["optimizer"]): r for r in summary["table"]}
    for problem in problems:
        assert rows[(problem, "mysgd")]["best_lr"] == rows[(problem, "sgd")]["best_lr"]
        assert {rows[(problem, "mysgd")]["rank"], rows[(problem, "sgd")]["rank"]} == {1, 2}


def test_a_python_optimizer_trains_an_image_problem_in_the_suite(tmp_path, no_figures):
    if not os.path.exists(FASHION_MNIST):
        pytest.skip(f"missing data: {FASHION_MNIST} (Debian's dataset-fashion-mnist; scripts/install-deps.sh installs it)")
    # One seed and one learning rate (0.01): a default arm and a tuning arm, a second or so.
    summary = optlab.suite.run(problems=["fmnist-logreg"], optimizers={"mysgd": SGD}, quick=True, seeds=1, grid=1,
                               out=tmp_path / "suite", threads=1)
    assert [(a["phase"], a["lr"]) for a in summary["arms"]] == [("default", 1e-3), ("tune", 0.01)]
    for arm in summary["arms"]:
        assert not arm["diverged"] and 0.1 < arm["test_metric"] <= 1, "softmax regression learned something"
    assert summary["table"][0]["best_lr"] == 0.01


def test_a_rerun_with_one_more_optimizer_runs_only_its_arms(tmp_path, no_figures):
    out = tmp_path / "suite"
    cli = os.environ.get("OPTLAB_CLI")
    cli_args = [cli, "suite", "--quick", "--problems", "quadratic", "--optimizers", "sgd", "--threads", "1",
                "--progress", "lines", "--out", str(out)]
    if cli:  # the built-in arms from the command line, as a researcher may have them already
        subprocess.run(cli_args, check=True, capture_output=True, env=program_environment())
    else:
        optlab.suite.run(problems=["quadratic"], optimizers=["sgd"], quick=True, out=out, threads=1)
    ran = Recorder()
    optlab.suite.run(problems=["quadratic"], optimizers={"sgd": None, "mysgd": SGD}, quick=True, out=out, threads=1,
                     progress=ran)
    assert len(ran.arms) == QUICK_ARMS and all("-mysgd-" in f for f in ran.arms), ran.arms
    ran = Recorder()  # a list this time: a class is named by its __name__
    summary = optlab.suite.run(problems=["quadratic"], optimizers=["sgd", ("mysgd", SGD), Flaky], quick=True,
                               out=out, threads=1, progress=ran)
    assert len(ran.arms) == QUICK_ARMS and all("-Flaky-" in f for f in ran.arms), ran.arms
    assert summary["optimizers"] == ["sgd", "mysgd", "Flaky"]
    protocol = json.loads((out / "protocol.json").read_text())
    assert protocol["optimizers"] == ["sgd", "mysgd", "Flaky"], "the folder lists every optimizer run in it"
    ran = Recorder()
    optlab.suite.run(problems=["quadratic"], optimizers=["sgd", ("mysgd", SGD)], quick=True, out=out, threads=1,
                     progress=ran)
    assert ran.arms == [], "every arm read back"
    if cli:
        again = subprocess.run(cli_args, capture_output=True, text=True, env=program_environment())
        assert again.returncode == 0 and "arm 1/" not in again.stderr, again.stderr
    # Another protocol in the same folder is refused, as the CLI refuses it.
    with pytest.raises(optlab.InvalidArgument, match=r"another protocol \(seeds was 2, now 3\)"):
        optlab.suite.run(problems=["quadratic"], optimizers=["sgd"], quick=True, seeds=3, out=out)


def test_an_error_in_a_step_propagates_and_the_suite_resumes_where_it_stopped(tmp_path, no_figures):
    whole = optlab.suite.run(problems=["quadratic"], optimizers={"flaky": Flaky, "sgd": None}, quick=True,
                             out=tmp_path / "whole", threads=1)
    out = tmp_path / "resumed"
    Flaky.fail_after, Flaky.made = 3, 0
    try:
        with pytest.raises(ValueError, match="flaky step") as raised:
            optlab.suite.run(problems=["quadratic"], optimizers={"flaky": Flaky, "sgd": None}, quick=True, out=out,
                             threads=1)
    finally:
        Flaky.fail_after = None
    assert any(frame.name == "step" for frame in raised.traceback), "the traceback reaches the step"
    failed = "quadratic/tune-flaky-lr0.01-seed1.json"  # the fourth arm made: 2 defaults, lr 1e-4, lr 0.01
    assert any(failed in note for note in getattr(raised.value, "__notes__", [])), raised.value
    assert not (out / "arms" / failed).exists(), "an arm that failed is not a result"
    written = sorted(p.name for p in (out / "arms" / "quadratic").iterdir())
    assert written == ["default-flaky-seed1.json", "default-flaky-seed2.json", "tune-flaky-lr1e-04-seed1.json"]
    ran = Recorder()
    resumed = optlab.suite.run(problems=["quadratic"], optimizers={"flaky": Flaky, "sgd": None}, quick=True, out=out,
                               threads=1, progress=ran)
    assert len(ran.arms) == 2 * QUICK_ARMS - 3 and failed in ran.arms
    assert without_seconds(resumed) == without_seconds(whole)


def test_ctrl_c_stops_the_arm_it_is_in_and_the_same_call_resumes(tmp_path, no_figures):
    out = tmp_path / "suite"
    Interrupting.interrupt_at, Interrupting.made = 2, 0
    try:
        with pytest.raises(KeyboardInterrupt, match="signal 2 during quadratic/default-ctrlc-seed2.json"):
            optlab.suite.run(problems=["quadratic"], optimizers={"ctrlc": Interrupting}, quick=True, out=out, threads=1)
    finally:
        Interrupting.interrupt_at = None
    assert [p.name for p in (out / "arms" / "quadratic").iterdir()] == ["default-ctrlc-seed1.json"]
    ran = Recorder()
    optlab.suite.run(problems=["quadratic"], optimizers={"ctrlc": Interrupting}, quick=True, out=out, threads=1,
                     progress=ran)
    assert len(ran.arms) == QUICK_ARMS - 1
    # A training run of a problem stops too.
    Interrupting.interrupt_at, Interrupting.made = 1, 0
    try:
        with pytest.raises(KeyboardInterrupt, match="signal 2"):
            optlab.Problem("quadratic").train(Interrupting, iterations=50)
    finally:
        Interrupting.interrupt_at = None


def test_names_that_would_confuse_two_optimizers_are_refused(tmp_path, no_figures):
    for clash in ("sgd", "Adam", "schedule-free-adamw"):
        with pytest.raises(optlab.InvalidArgument, match="registry's"):
            optlab.suite.run(problems=["quadratic"], optimizers={clash: SGD}, quick=True, out=tmp_path / "never")
    with pytest.raises(optlab.InvalidArgument, match="registry's momentum"):  # a class named by its __name__
        optlab.suite.run(problems=["quadratic"], optimizers=[Momentum], quick=True, out=tmp_path / "never")
    with pytest.raises(optlab.InvalidArgument, match="name is empty"):
        optlab.suite.run(problems=["quadratic"], optimizers={"": SGD}, quick=True, out=tmp_path / "never")
    for bad in ("my/sgd", ".hidden", "a b"):
        with pytest.raises(optlab.InvalidArgument, match="names the optimizer's files"):
            optlab.suite.run(problems=["quadratic"], optimizers={bad: SGD}, quick=True, out=tmp_path / "never")
    with pytest.raises(optlab.InvalidArgument, match="listed twice"):
        optlab.suite.run(problems=["quadratic"], optimizers=["sgd", "sgd"], quick=True, out=tmp_path / "never")
    with pytest.raises(TypeError, match="keeps its own name"):
        optlab.suite.run(problems=["quadratic"], optimizers={"fast": "adam"}, quick=True, out=tmp_path / "never")
    assert not (tmp_path / "never").exists(), "nothing was written"
    # Another class under a name already in the folder: refused, naming both.
    out = tmp_path / "suite"
    optlab.suite.run(problems=["quadratic"], optimizers={"mine": SGD}, quick=True, out=out, threads=1)
    with pytest.raises(optlab.InvalidArgument, match="an arm of python:byo_optimizers.SGD, not of "
                                                     "python:byo_optimizers.Momentum"):
        optlab.suite.run(problems=["quadratic"], optimizers={"mine": Momentum}, quick=True, out=out)


def test_classes_that_cannot_be_optimizers_are_refused_before_anything_runs(tmp_path, no_figures):
    class NoStep:
        def __init__(self, params, lr=1e-3):
            pass

    class LrWithoutDefault(SGD):
        def __init__(self, params, lr):
            super().__init__(params, lr)

    out = tmp_path / "never"
    with pytest.raises(TypeError, match="has no step"):
        optlab.suite.run(problems=["quadratic"], optimizers={"nostep": NoStep}, quick=True, out=out)
    with pytest.raises(TypeError, match="expected a class"):
        optlab.suite.run(problems=["quadratic"], optimizers={"made": SGD({})}, quick=True, out=out)
    with pytest.raises(optlab.InvalidArgument, match="no default learning rate"):
        optlab.suite.run(problems=["quadratic"], optimizers={"nodefault": LrWithoutDefault}, quick=True, out=out)
    assert not out.exists()


def test_the_suite_runs_without_the_gil(tmp_path, no_figures):
    def suite():
        optlab.suite.run(problems=["quadratic"], optimizers=["sgd"], quick=True, out=tmp_path / "s", threads=1)
    assert counts_during(suite) > 0
