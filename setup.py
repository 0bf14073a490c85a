# SPDX-License-Identifier: MIT
"""`pip install .`: builds the package's extension with the project's own CMake (pybind11's
cmake_example pattern), so pip and `cmake --build` compile the same sources with the same flags.

Offline and from Debian only: in a venv made with `python3 -m venv --system-site-packages`,
`pip install --no-build-isolation --no-index .` uses Debian's setuptools, wheel, pybind11-dev,
NumPy and CMake (scripts/install-deps.sh). Only the library, the application (whose trainer and
suite optlab.Problem and optlab.suite.run run) and the module are built — no tests, CLI,
benchmarks, WebAssembly or MPI — in build-pip/, reused by the next install;
CMAKE_BUILD_PARALLEL_LEVEL sets the jobs (default: every core). docs/python.md.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    """An extension CMake builds: no sources of setuptools' own."""

    def __init__(self, name, target):
        super().__init__(name, sources=[])
        self.target = target


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = Path(self.build_temp).resolve() / "cmake"
        build.mkdir(parents=True, exist_ok=True)
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython_EXECUTABLE={sys.executable}",
            "-DOPTLAB_BUILD_PYTHON=ON",
            "-DOPTLAB_BUILD_TESTS=OFF", "-DOPTLAB_BUILD_BENCH=OFF", "-DOPTLAB_BUILD_CLI=OFF",
            "-DOPTLAB_INSTALL=OFF", "-DOPTLAB_BUILD_EXPLORABLE=OFF", "-DOPTLAB_MPI=OFF",
        ]
        subprocess.run(configure, check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        subprocess.run(["cmake", "--build", str(build), "--target", ext.target, "--parallel", jobs], check=True)
        built = sorted((build / "python" / "optlab").glob("_optlab*.so"))
        if not built:
            sys.exit("optlab: CMake built no Python module: pybind11-dev or python3-dev is missing "
                     "(scripts/install-deps.sh installs them)")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[-1], target)


def version():
    """The project's version, from CMakeLists.txt's project() (one place)."""
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(optlab VERSION (\S+)", text).group(1)


setup(
    version=version(),
    packages=["optlab"],
    package_dir={"": "python"},
    ext_modules=[CMakeExtension("optlab._optlab", target="optlab_python")],
    cmdclass={"build_ext": CMakeBuild},
    # Not build/: that is the README's CMake build folder.
    options={"build": {"build_base": "build-pip"}, "egg_info": {"egg_base": "build-pip"}},
    zip_safe=False,
)
