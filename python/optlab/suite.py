# SPDX-License-Identifier: MIT
"""optlab.suite.run: optimizers written in Python scored by ``optlab suite``'s protocol beside
the built-in ones (docs/suite.md, docs/python.md#bring-your-own-optimizer)."""

import json
import os
import sys

from . import _external
from ._optlab import _run_suite


def _print_progress(k, n, arm, seconds_left):
    lr = f"lr {arm['lr']:g}" if arm["lr"] is not None else "default lr"
    eta = "--:--" if seconds_left is None else f"{int(seconds_left + 0.5) // 60}:{int(seconds_left + 0.5) % 60:02d}"
    print(f"arm {k}/{n}  {arm['problem']:<19} {arm['optimizer']:<20} {arm['phase']:<7} {lr:<12} seed {arm['seed']}  ETA {eta}",
          file=sys.stderr, flush=True)


def run(problems=None, optimizers=None, *, quick=False, out="suite", seeds=None, grid=None, threads=0,
        dataset="fashion-mnist", data=None, progress=None):
    """Runs (or resumes) ``optlab suite`` with optimizers written in Python among its own, into
    the folder ``out``, and returns its summary (suite.json's content, as a dict).

    ``problems``: catalogue names (None: every problem). ``optimizers``: a dict ``{name: class}``
    — a value None, or the name itself, is the registry optimizer of that name — or a list of
    registry names, classes (named by ``__name__``) and ``(name, class)`` pairs; None: the
    suite's defaults; "all": every registered optimizer. A class is made as ``cls(params)`` for the defaults phase (its ``lr`` must
    have a default) and as ``cls(params, lr=lr)`` on the shared grid, and stepped as
    ``step(grads)``. Names are the arms' files' names: a registry name is refused for a class.

    ``quick``, ``seeds``, ``grid`` (learning rates in the tuning grid), ``threads`` (per arm),
    ``dataset``, ``data``: as ``optlab suite``'s --quick, --seeds, --budget, --threads,
    --dataset, --data. ``progress``: True prints each arm as the CLI does, or a callable
    ``progress(k, n, arm, seconds_left)``.

    ``out`` gets the CLI's folder (protocol.json, arms/PROBLEM/*.json, suite.json, the CSV
    tables, the figures): arms already there are read, not run again, so a rerun with one more
    optimizer runs only its arms; a folder of another grid, seeds or quick is refused, and so
    is an arm of another optimizer under the same name. An exception from an optimizer
    propagates with its traceback and its arm is not written; Ctrl-C stops at the next
    iteration (KeyboardInterrupt) and the same call resumes.
    """
    if optimizers == "all":  # as `optlab suite --optimizers all`: every registered optimizer
        from . import optimizers as registry
        optimizers = [o["name"] for o in registry()]
    names, externals = (None, []) if optimizers is None else _external.split(optimizers)
    if isinstance(problems, str):
        problems = [problems]
    callback = _print_progress if progress is True else (progress or None)
    text = _run_suite(None if problems is None else list(problems), names, externals, bool(quick), os.fspath(out),
                      seeds, grid, int(threads), dataset, "" if data is None else os.fspath(data), callback)
    return json.loads(text)
