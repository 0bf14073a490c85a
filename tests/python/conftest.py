# SPDX-License-Identifier: MIT
"""Shared helpers of the Python package's tests: the CLI and the C++ check program (paths given
by ctest, tests needing them skip without), and bitwise comparison."""

import os
import subprocess

import numpy as np
import pytest

import optlab

CLI = os.environ.get("OPTLAB_CLI") or None
CHECK = os.environ.get("OPTLAB_PYTHON_CHECK") or None
UNDER_SANITIZER = bool(os.environ.get("OPTLAB_UNDER_SANITIZER"))

# The optimizers that step from the gradients in the store (L-BFGS evaluates the loss itself
# through a closure: test_optimizer.py's L-BFGS tests).
OPTIMIZERS = [o["name"] for o in optlab.optimizers() if not o["needs_closure"]]
CONVENTIONS = list(optlab.conventions())


def import_torch():
    """torch (Debian's 1.13), or a skip: it is not a build dependency, and under the sanitizers
    (.ci/run's ASan build) its libraries are not loaded into the instrumented process."""
    if UNDER_SANITIZER:
        pytest.skip("torch is not loaded under the sanitizers", allow_module_level=True)
    return pytest.importorskip("torch")


def program_environment():
    """The environment for optlab's own programs: this one without LD_PRELOAD. Under .ci/run's
    sanitizer build the interpreter runs with the shared sanitizer runtime preloaded (to load
    the instrumented module); clang links the runtime into each program statically, and a
    program holding two copies aborts at start."""
    return {name: value for name, value in os.environ.items() if name != "LD_PRELOAD"}


def run(program, *args, check=True):
    """Runs a program, returning its completed process (stdout as text)."""
    done = subprocess.run([program, *map(str, args)], capture_output=True, text=True, env=program_environment())
    if check and done.returncode != 0:
        raise AssertionError(f"{program} {' '.join(map(str, args))}: exit {done.returncode}\n{done.stderr}")
    return done


@pytest.fixture
def cli():
    if not CLI:
        pytest.skip("the optlab CLI was not built (OPTLAB_CLI unset)")
    return lambda *args, check=True: run(CLI, *args, check=check)


@pytest.fixture
def check_program():
    if not CHECK:
        pytest.skip("optlab_python_check was not built (OPTLAB_PYTHON_CHECK unset)")
    return lambda *args: run(CHECK, *args)


def assert_same_bits(actual, expected):
    """Equal bit for bit: the same shape, and every element the same double or float (NaNs of
    either sign match each other)."""
    actual = np.asarray(actual)
    expected = np.asarray(expected, dtype=actual.dtype)
    assert actual.shape == expected.shape
    both_nan = np.isnan(actual) & np.isnan(expected)
    uint = np.uint64 if actual.dtype == np.float64 else np.uint32
    differ = (actual.view(uint) != expected.view(uint)) & ~both_nan
    assert not differ.any(), f"{differ.sum()} elements differ, first at {np.argwhere(differ)[0]}: " \
                             f"{actual[differ][0]!r} != {expected[differ][0]!r}"
