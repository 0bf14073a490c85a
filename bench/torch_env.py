# SPDX-License-Identifier: MIT
"""What the PyTorch comparisons share: PyTorch's OpenMP set up to give it its best fair run."""
import os
import sys


def reexec_with_passive_omp():
    """Re-runs this script with OMP_WAIT_POLICY=PASSIVE unless it is set already.

    PyTorch's OpenMP workers spin after each parallel region: next to OpenBLAS's threads in
    training they take the cores from it (on 2 cores: 22k instead of 88k samples/s with Adam),
    and after a step they would take a core from the optlab process started next. libgomp reads
    the wait policy only at start-up, hence the re-exec.
    """
    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
        os.execv(sys.executable, [sys.executable] + sys.argv)
