# SPDX-License-Identifier: MIT
"""The GIL is released while the library works: a Python thread counting in a loop makes
progress while a step or a path runs. The interpreter is told never to preempt on its own
(a switch interval of minutes), so the counter moves only when a call lets go of the GIL —
no timing threshold is involved."""

import sys
import threading
import time

import numpy as np
import pytest

import optlab


def counts_during(work):
    """How far a counting thread got while `work()` ran, with preemption off."""
    counter = [0]
    stop = threading.Event()
    started = threading.Event()

    def count():
        started.set()
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0)  # lets the main thread back in as soon as it wants the GIL

    interval = sys.getswitchinterval()
    thread = threading.Thread(target=count)
    thread.start()
    started.wait()
    sys.setswitchinterval(300.0)
    time.sleep(0.01)  # the counter waits for the GIL again, now under the new interval
    try:
        before = counter[0]
        work()
        after = counter[0]
    finally:
        sys.setswitchinterval(interval)
        stop.set()
        thread.join()
    return after - before


def test_the_counter_stands_still_while_python_holds_the_gil():
    def busy():
        total = 0
        for i in range(200_000):
            total += i
    assert counts_during(busy) == 0


def test_a_path_runs_without_the_gil():
    assert counts_during(lambda: optlab.trajectory("rosenbrock", "adam", lr=1e-4, steps=300_000)) > 0


@pytest.mark.parametrize("name", ["adam", "sgd", "lamb"])
def test_steps_run_without_the_gil(name):
    store = optlab.ParamStore("float32")
    store.add("w", (1024, 1024))
    store.add("b", 1024)
    store.grads()[:] = 1e-3
    opt = optlab.make_optimizer(name, store, lr=1e-3, clip="global-norm:1", schedule="cosine:100")

    def steps():
        for _ in range(20):
            opt.step()
    assert counts_during(steps) > 0


def test_copies_and_zeroing_run_without_the_gil():
    store = optlab.ParamStore("float64")
    store.add("w", (2048, 1024))
    values = np.ones((2048, 1024))

    def work():
        for _ in range(10):
            store.set_grad("w", values)
            store.zero_grad()
    assert counts_during(work) > 0


def test_threads_share_an_optimizer_safely():
    store = optlab.ParamStore("float64")
    store.add("w", 100_000)
    store.grads()[:] = 1.0
    opt = optlab.make_optimizer("adam", store, lr=0.5)
    threads = [threading.Thread(target=lambda: [opt.step() for _ in range(25)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert opt.step_count() == 100
