# SPDX-License-Identifier: MIT
"""optlab.Problem: a catalogue problem's parameters and gradients as views, forward and backward
on its batches (the gradients the library's own problem gives, bit for bit), and training runs
through the trainer's loop — with a registry optimizer (`optlab train`'s numbers) and with one
written in Python (the same numbers as the built-in it re-implements)."""

import os
import threading

import numpy as np
import pytest

import optlab
from byo_optimizers import SGD, Momentum
from conftest import assert_same_bits, run
from test_gil import counts_during

PROBLEM_CHECK = os.environ.get("OPTLAB_PROBLEM_CHECK") or None
WORDS = "/usr/share/dict/words"


def needs_words():
    if not os.path.exists(WORDS):
        pytest.skip(f"missing data: {WORDS} (Debian's wamerican; scripts/install-deps.sh installs it)")


# ---- the problem's model, as views ---------------------------------------------------------------

def test_params_and_grads_are_views_of_the_problems_store():
    p = optlab.Problem("quadratic", seed=1)
    assert p.name == "quadratic" and p.seed == 1 and p.metric == "loss" and p.lower_is_better
    assert (p.batch, p.epochs, p.train_examples) == (128, 20, 1000)
    params, grads, store = p.params, p.grads, p.store
    assert list(params) == list(grads) == store.names() == ["theta"]
    theta = params["theta"]
    assert theta.dtype == np.float32 and theta.shape == (100,)
    assert np.all(theta == 1.0), "θ starts at 1 (docs/problems.md)"
    assert np.shares_memory(theta, store.params()) and np.shares_memory(grads["theta"], store.grads())
    before, _ = p.evaluate("test")
    theta[:] = 0.0  # a write through the view is the model's
    after, _ = p.evaluate("test")
    assert after != before
    p.zero_grad()
    p.train_batch(np.arange(8))
    assert np.any(grads["theta"] != 0), "backward added to the gradients the view shows"


def test_views_keep_the_problem_alive():
    p = optlab.Problem("quadratic", seed=2)
    theta = p.params["theta"]
    del p
    theta[:] = 2.0  # the arena is still there
    assert np.all(theta == 2.0)


@pytest.mark.parametrize("name", ["quadratic", "words-charlm"])
def test_gradients_equal_the_library_problems_on_the_same_batch(name, tmp_path):
    if not PROBLEM_CHECK:
        pytest.skip("optlab_problem_check was not built (OPTLAB_PROBLEM_CHECK unset)")
    if name == "words-charlm":
        needs_words()
    p = optlab.Problem(name, seed=3)
    batch = p.next_batch()
    assert batch.dtype == np.uint32 and len(batch) == p.batch
    loss, metric = p.train_batch(batch)
    out = tmp_path / name
    printed = run(PROBLEM_CHECK, name, 3, p.batch, out, *batch.tolist()).stdout.split()
    assert (loss, metric) == (float(printed[0]), float(printed[1]))
    assert_same_bits(p.store.params(), np.fromfile(f"{out}.params", dtype=np.float32))
    assert_same_bits(p.store.grads(), np.fromfile(f"{out}.grads", dtype=np.float32))


def test_batches_follow_the_trainers_order_epoch_after_epoch():
    p = optlab.Problem("quadratic", seed=1)
    epoch = [p.next_batch() for _ in range(p.batches_per_epoch)]
    assert [len(b) for b in epoch] == [128] * 7 + [1000 - 7 * 128]
    assert sorted(np.concatenate(epoch).tolist()) == list(range(1000)), "every example once per epoch"
    assert not np.array_equal(p.next_batch(), epoch[0]), "the next epoch draws another order"
    # A loop written by hand on next_batch() is the trainer's run, bit for bit.
    by_hand, trained = optlab.Problem("quadratic", seed=4), optlab.Problem("quadratic", seed=4)
    sgd = SGD(by_hand.params, lr=0.01)
    for _ in range(12):
        by_hand.zero_grad()
        by_hand.train_batch()
        sgd.step(by_hand.grads)
    trained.train(SGD, lr=0.01, iterations=12)
    assert_same_bits(by_hand.store.params(), trained.store.params())


def test_bad_batches_and_splits_are_refused_with_the_problems_numbers():
    p = optlab.Problem("quadratic", seed=1)
    with pytest.raises(optlab.InvalidArgument, match="example 1000 .*1000 training examples"):
        p.train_batch([0, 1000])
    with pytest.raises(optlab.InvalidArgument, match="batch of 0 examples"):
        p.train_batch([])
    with pytest.raises(optlab.InvalidArgument, match=r"batch of 1001 examples \(expected 1 to 1000"):
        p.train_batch(np.arange(1001) % 1000)
    with pytest.raises(TypeError, match="indices"):
        p.train_batch(["a"])
    with pytest.raises(optlab.InvalidArgument, match="split 'train'"):
        p.evaluate("train")
    with pytest.raises(optlab.InvalidArgument, match="imagenet"):
        optlab.Problem("imagenet")


# ---- training runs through the loop ------------------------------------------------------------

def test_a_registry_optimizers_run_is_optlab_trains(cli):
    result = optlab.Problem("quadratic", seed=5).train("sgd", lr=0.01, iterations=60)
    assert result["iterations"] == 60 and len(result["losses"]) == 60
    line = cli("train", "--problem", "quadratic", "--optimizer", "sgd", "--lr", 0.01, "--seed", 5,
               "--max-iterations", 60, "--json", "--progress", "none").stdout.strip().splitlines()[-1]
    import json
    expected = json.loads(line)
    for key in ("test_loss", "train_loss", "test_metric", "iterations"):
        assert result[key] == expected[key], key


@pytest.mark.parametrize("python_class,builtin,hyper", [(SGD, "sgd", {}), (Momentum, "momentum", {"momentum": 0.9})])
def test_an_optimizer_written_in_python_reaches_the_builtins_loss(python_class, builtin, hyper):
    ours = optlab.Problem("quadratic", seed=1).train(python_class, lr=0.01, iterations=300, **hyper)
    theirs = optlab.Problem("quadratic", seed=1).train(builtin, lr=0.01, iterations=300)
    assert ours["optimizer"] == f"python:byo_optimizers.{python_class.__name__}" and theirs["optimizer"] == builtin
    assert theirs["losses"][-1] < 0.5 * theirs["losses"][0], "it trained"
    # float32 arithmetic in another order (NumPy's) may round differently: the same within its rounding.
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-5)
    assert ours["test_loss"] == pytest.approx(theirs["test_loss"], rel=1e-5)


def test_python_sgd_on_the_language_model_steps_as_the_builtin():
    # Seven tensors (an embedding, two layers): a loop by hand, since the trainer's run
    # evaluates the whole language model at its end, which costs a second.
    needs_words()
    ours, theirs = optlab.Problem("words-charlm", seed=1), optlab.Problem("words-charlm", seed=1)
    sgd, builtin = SGD(ours.params, lr=0.1), optlab.make_optimizer("sgd", theirs.store, lr=0.1)
    assert len(ours.params) > 1
    for _ in range(20):
        for p in (ours, theirs):
            p.zero_grad()
        assert ours.train_batch() == theirs.train_batch()
        sgd.step(ours.grads)
        builtin.step()
    np.testing.assert_allclose(ours.store.params(), theirs.store.params(), rtol=1e-5, atol=1e-7)


def test_a_run_continues_from_the_parameters_as_they_are():
    p = optlab.Problem("quadratic", seed=1)
    first = p.train("sgd", lr=0.01, iterations=50)
    second = p.train("sgd", lr=0.01, iterations=50)
    assert second["losses"][0] < first["losses"][0]


def test_bad_optimizers_are_refused_or_their_exception_propagates():
    p = optlab.Problem("quadratic", seed=1)

    class NoStep:
        def __init__(self, params, lr=1e-3):
            pass

    class Raises(SGD):
        def step(self, grads):
            raise ArithmeticError("my step failed")

    class NoLr:
        def __init__(self, params):
            pass

        def step(self, grads):
            pass

    with pytest.raises(TypeError, match="has no step"):
        p.train(NoStep)
    with pytest.raises(TypeError, match="takes no lr"):
        p.train(NoLr)
    with pytest.raises(TypeError, match="registry name or a class"):
        p.train(SGD(p.params))
    before = p.store.params().copy()
    with pytest.raises(ArithmeticError, match="my step failed") as raised:
        p.train(Raises, iterations=5)
    assert any(frame.name == "step" for frame in raised.traceback), "the traceback reaches the step"
    assert_same_bits(p.store.params(), before)
    # The problem is not left busy.
    assert p.train("sgd", iterations=2)["iterations"] == 2


def test_a_step_cannot_use_the_problem_it_is_stepping():
    p = optlab.Problem("quadratic", seed=1)

    class Evaluates(SGD):
        def step(self, grads):
            p.evaluate()

    with pytest.raises(optlab.Error, match="already busy in this thread"):
        p.train(Evaluates, iterations=1)


def test_an_optimizer_keeping_its_views_after_the_run_keeps_the_model():
    kept = []

    class Keeps(SGD):
        def __init__(self, params, lr=1e-3):
            super().__init__(params, lr)
            kept.append(params)

    p = optlab.Problem("quadratic", seed=1)
    p.train(Keeps, iterations=3)
    del p
    assert kept[0]["theta"].shape == (100,) and np.all(np.isfinite(kept[0]["theta"]))


# ---- the GIL -------------------------------------------------------------------------------------

def test_training_runs_and_batches_run_without_the_gil():
    p = optlab.Problem("quadratic", seed=1)
    assert counts_during(lambda: p.train("sgd", iterations=200)) > 0
    assert counts_during(lambda: p.train(SGD, iterations=200)) > 0  # the GIL only around each step


def test_a_batch_runs_without_the_gil():
    # A batch long enough for the counting thread to wake: 4096 examples of the language model
    # (the quadratic's take microseconds).
    needs_words()
    p = optlab.Problem("words-charlm", seed=1, batch=4096)

    def batches():
        for _ in range(3):
            p.train_batch()
    assert counts_during(batches) > 0


def test_two_threads_train_two_problems_at_once():
    results = {}

    def train(seed):
        results[seed] = optlab.Problem("quadratic", seed=seed).train(SGD, lr=0.01, iterations=100)["test_loss"]

    threads = [threading.Thread(target=train, args=(seed,)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[1] == optlab.Problem("quadratic", seed=1).train(SGD, lr=0.01, iterations=100)["test_loss"]
    assert results[2] == optlab.Problem("quadratic", seed=2).train(SGD, lr=0.01, iterations=100)["test_loss"]
