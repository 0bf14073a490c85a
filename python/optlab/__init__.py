# SPDX-License-Identifier: MIT
"""optlab in Python: the library's optimizers, parameter stores, schedules and 2-D paths.

Everything here is the C++ library itself (the extension ``optlab._optlab``, bound with
pybind11): the same registry, the same kernels, the same state files as the ``optlab``
command line, so a path or a step from Python is the CLI's bit for bit. Parameters and
gradients are NumPy views of one arena; steps and paths run without the GIL.

    import numpy as np, optlab
    store = optlab.ParamStore("float32")
    store.add("w", (3, 4))
    opt = optlab.make_optimizer("adam", store, lr=1e-3, betas=(0.9, 0.999))
    store.grad("w")[:] = 1.0
    opt.step()

optlab.Problem and optlab.suite.run bring an optimizer written in Python to optlab's problems
and suite. See docs/python.md.
"""

from ._optlab import (
    DivergenceError,
    Error,
    GradClip,
    InvalidArgument,
    IoError,
    LrScheduler,
    NonFiniteError,
    NotFound,
    Optimizer,
    ParamStore,
    StateMismatch,
    __version__,
    conventions,
    functions,
    make_optimizer,
    num_threads,
    optimizers,
    set_num_threads,
    trajectory,
)
from . import suite
from .problem import Problem

__all__ = [
    "DivergenceError",
    "Error",
    "GradClip",
    "InvalidArgument",
    "IoError",
    "LrScheduler",
    "NonFiniteError",
    "NotFound",
    "Optimizer",
    "ParamStore",
    "Problem",
    "StateMismatch",
    "__version__",
    "conventions",
    "functions",
    "make_optimizer",
    "num_threads",
    "optimizers",
    "set_num_threads",
    "suite",
    "trajectory",
]
