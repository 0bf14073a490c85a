# SPDX-License-Identifier: MIT
"""Optimizers written in Python, as a researcher brings them to optlab (test_problem.py,
test_byo_suite.py): a class taking params (tensor name -> NumPy view) and lr, with step(grads).
In a module of their own, so their origin ("python:byo_optimizers.SGD") is the same in every
test and every run."""

import os
import signal

import numpy as np


class SGD:
    """torch.optim.SGD without momentum: θ ← θ − lr·g."""

    def __init__(self, params, lr=1e-3):
        self.params, self.lr = params, lr

    def step(self, grads):
        for name, p in self.params.items():
            p -= self.lr * grads[name]


class Momentum:
    """torch.optim.SGD(momentum=0.9): b ← μ·b + g (b = g at the first step), θ ← θ − lr·b."""

    def __init__(self, params, lr=1e-3, momentum=0.9):
        self.params, self.lr, self.momentum = params, lr, np.float32(momentum)
        self.buffers = {}

    def step(self, grads):
        for name, p in self.params.items():
            g = grads[name]
            b = self.buffers.get(name)
            if b is None:
                b = self.buffers[name] = g.copy()
            else:
                b *= self.momentum
                b += g
            p -= self.lr * b


class Flaky(SGD):
    """SGD that raises in its step once `Flaky.fail_after` objects have been made (None: never),
    as an optimizer with a bug would; the suite's resume test turns the bug off and reruns."""

    fail_after = None
    made = 0

    def __init__(self, params, lr=1e-3):
        super().__init__(params, lr)
        Flaky.made += 1
        self.doomed = Flaky.fail_after is not None and Flaky.made > Flaky.fail_after

    def step(self, grads):
        if self.doomed:
            raise ValueError("flaky step")
        super().step(grads)


class Interrupting(SGD):
    """SGD whose `interrupt_at`-th object sends this process SIGINT in its first step, as Ctrl-C
    would (None: never)."""

    interrupt_at = None
    made = 0

    def __init__(self, params, lr=1e-3):
        super().__init__(params, lr)
        Interrupting.made += 1
        self.interrupts = Interrupting.made == Interrupting.interrupt_at

    def step(self, grads):
        if self.interrupts:
            self.interrupts = False
            os.kill(os.getpid(), signal.SIGINT)
        super().step(grads)
