# SPDX-License-Identifier: MIT
"""What the PyTorch comparisons share: PyTorch's OpenMP set up to give it its best fair run,
the BLAS it loaded, and Fashion-MNIST read the way optlab reads it."""
import gzip
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


def blas_loaded():
    """The BLAS shared libraries mapped into this process (after `import torch`), as text."""
    libraries = sorted({line.split()[-1] for line in open("/proc/self/maps")
                        if "blas" in line and line.split()[-1].endswith(tuple(".so" + s for s in ("", ".0", ".3")))})
    return ", ".join(libraries) or "unknown"


def read_idx(folder, name):
    """One IDX file of an MNIST-layout folder (`name` without its .gz) as a uint8 NumPy array."""
    import numpy as np
    with gzip.open(os.path.join(folder, name + ".gz")) as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
