# SPDX-License-Identifier: MIT
"""Optimizers written in Python, checked and described for the trainer and the suite.

An optimizer class is called as ``cls(params, **hyper)`` — ``params`` a dict of tensor name →
NumPy view of the parameters, ``hyper`` at least ``lr`` (nothing for its own defaults) — and
its objects' ``step(grads)`` once per iteration, ``grads`` a dict of tensor name → NumPy view of
the gradients. What the suite needs of it: a name, what made it (its module and class, kept in
its arms so another class of the same name is not taken for it), and the default of its ``lr``.
"""

import inspect
import numbers


def entry(name, cls):
    """``(name, cls, origin, default lr or None)`` for the C++ side; TypeError for a class that
    cannot be an optimizer, naming what is missing."""
    if not isinstance(name, str):
        raise TypeError(f"an optimizer's name is a str, got {type(name).__name__}")
    if not isinstance(cls, type):
        raise TypeError(f"optimizer {name!r}: expected a class, called as cls(params, lr=...), "
                        f"got {type(cls).__name__} {cls!r}")
    if not callable(getattr(cls, "step", None)):
        raise TypeError(f"optimizer {name!r}: {cls.__qualname__} has no step(grads) method")
    try:
        parameters = inspect.signature(cls).parameters
    except (TypeError, ValueError):  # a class whose signature Python cannot tell
        parameters = {}
    lr = parameters.get("lr")
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    if parameters and lr is None and not takes_any:
        raise TypeError(f"optimizer {name!r}: {cls.__qualname__}({', '.join(parameters)}) takes no lr: "
                        f"the suite's grid and optlab.Problem.train(lr=...) set it")
    default = None
    if lr is not None and isinstance(lr.default, numbers.Real) and not isinstance(lr.default, bool):
        default = float(lr.default)
    return (name, cls, f"python:{cls.__module__}.{cls.__qualname__}", default)


def split(optimizers):
    """Registry names and Python classes, in their order: ``(names, entries)`` from a dict
    ``{name: class or None}`` (None, or the name itself: the registry's) or a list of registry
    names, classes (named by their ``__name__``) and ``(name, class)`` pairs."""
    if isinstance(optimizers, dict):
        items = list(optimizers.items())
    elif isinstance(optimizers, (list, tuple)):
        items = []
        for item in optimizers:
            if isinstance(item, str):
                items.append((item, None))
            elif isinstance(item, type):
                items.append((item.__name__, item))
            elif isinstance(item, tuple) and len(item) == 2:
                items.append(item)
            else:
                raise TypeError(f"optimizers: expected registry names, classes or (name, class) pairs, got {item!r}")
    else:
        raise TypeError(f"optimizers: expected a dict or a list, got {type(optimizers).__name__}")
    names, entries = [], []
    for name, cls in items:
        if cls is None or (isinstance(cls, str) and cls == name):
            names.append(name)
        elif isinstance(cls, str):
            raise TypeError(f"optimizers: {name!r}: {cls!r} — a registry optimizer keeps its own name")
        else:
            names.append(name)
            entries.append(entry(name, cls))
    return names, entries
