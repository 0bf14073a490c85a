# SPDX-License-Identifier: MIT
"""optlab.Problem: a catalogue problem (docs/problems.md) as ``optlab train --problem NAME``
makes it, for optimizers written in Python (docs/python.md#bring-your-own-optimizer)."""

import json

from . import _external
from ._optlab import Problem as _Problem


class Problem(_Problem):
    """A catalogue problem as ``optlab train --problem NAME --seed SEED`` makes it: the data,
    the model initialised from the seed, the batches in the trainer's order.

        p = optlab.Problem("quadratic", seed=1)
        p.params, p.grads        # tensor name -> NumPy view of the parameters, the gradients
        loss, _ = p.train_batch(p.next_batch())   # forward and backward: the gradients add up
        p.evaluate("test")       # (mean loss, metric)
        p.train(MySGD, lr=0.01, iterations=100)   # the trainer's loop, as `optlab train`

    Problem(name, seed=1, *, batch=None, validation=0, dataset="fashion-mnist", data=None,
    init=None, net=None, activation=None) — batch None: the problem's; validation: training
    images held out (image problems); data: an MNIST-layout folder or another word list; init,
    net, activation: as ``optlab train``'s flags. Every call runs without the GIL.
    """

    def train(self, optimizer, *, lr=None, epochs=None, iterations=None, convention="torch", threads=0, **hyper):
        """Trains the model on from its parameters as they are, through optlab's training loop —
        zero_grad, forward and backward, the non-finite check, the step — as ``optlab train``
        does: the sampler's order from the problem's seed, the test split (and validation)
        evaluated at each epoch's end.

        ``optimizer``: a registry name ("sgd", with hyper-parameters by their PyTorch names and
        ``convention``), or a class written in Python, made as ``optimizer(params, lr=lr,
        **hyper)`` (``lr`` None: its own default) and stepped as ``step(grads)`` once per
        iteration. ``epochs`` None: the problem's budget; ``iterations``: stop after that many.

        Returns ``optlab train --json``'s record as a dict (test_loss, test_metric, train_loss,
        iterations, ...; ``optimizer`` is a class's origin, "python:module.Class") with
        ``losses``, every iteration's batch loss (a NumPy array). An
        exception raised by the optimizer propagates with its traceback; Ctrl-C stops the run
        at the next iteration and raises KeyboardInterrupt.
        """
        if lr is not None:
            hyper["lr"] = lr
        if isinstance(optimizer, str):
            name, externals = optimizer, []
        else:
            if not isinstance(optimizer, type):
                raise TypeError(f"Problem.train: optimizer is a registry name or a class, got "
                                f"{type(optimizer).__name__}")
            described = _external.entry(optimizer.__name__, optimizer)
            name = described[2]  # its origin, "python:module.Class": a name no registry optimizer has
            externals = [(name, *described[1:])]
        text, losses = self._train(name, externals, hyper, epochs, iterations, convention, threads)
        result = json.loads(text)
        result["losses"] = losses
        return result
