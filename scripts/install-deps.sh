#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages optlab needs to build and test, then the browser test's one
# npm package (playwright-core, pinned by tests/browser/package-lock.json), and nothing else.
# Non-interactive and idempotent: packages already installed are skipped, apt-get is not called
# at all when nothing is missing, and npm ci runs only when node_modules does not match the lock.
#
#   scripts/install-deps.sh              build + test dependencies
#   scripts/install-deps.sh --reference  also PyTorch, to regenerate
#                                        tests/reference/ and run bench/ against PyTorch
set -euo pipefail

packages=(
    build-essential      # g++ 12, make
    cmake                # 3.25, the build
    pkg-config           # consumers of optlab.pc; the consumer test uses it
    libgtest-dev         # unit tests (GoogleTest)
    libcli11-dev         # command-line parsing for the optlab tool
    nlohmann-json3-dev   # JSON: CLI output and the checkpoint header
    libfmt-dev           # number formatting (shortest round-trip doubles)
    zlib1g-dev           # CRC-32 of checkpoints, gzip-compressed IDX files
    libopenblas-dev      # CBLAS matrix products for the network layers
    liblapacke-dev       # LAPACK's C interface: Shampoo's and SOAP's eigendecompositions and QR
    libopenmpi-dev       # MPI: `mpirun -np N optlab suite` spreads the arms over processes and hosts
    openmpi-bin          # mpirun, for that and for CI's two-rank suite
    dataset-fashion-mnist  # the real data: /usr/share/datasets/fashion-mnist/*.gz
    wamerican              # words-charlm's text: /usr/share/dict/words
    gnuplot-nox          # draws every figure (cairo PNG and SVG terminals)
    fonts-dejavu-core    # the figures' and the report's font
    util-linux           # setpriv and prlimit: tests run as nobody and under a file-size limit
    chromium             # tests load the report in a real (headless) browser
    emscripten           # builds the explorable's WebAssembly engine (web/), emcc 3.1.6
    nodejs               # emcc's JavaScript tools; the browser test (tests/browser/)
    clang                # libFuzzer targets (fuzz/), built by .ci/run
    libclang-rt-14-dev   # clang's fuzzer and sanitizer runtimes
    # The Python package (python/, docs/python.md), built for Debian's /usr/bin/python3 (3.11):
    python3-dev          # Python.h and the interpreter's CMake-findable development files
    pybind11-dev         # 2.10: the binding (python/bindings.cpp) and its CMake config
    python3-numpy        # the package's arrays: parameters, gradients and paths as NumPy views
    python3-pytest       # runs tests/python under ctest
    python3-hypothesis   # generates the Python side's bad input (tests/python/test_fuzz.py)
    python3-setuptools   # the build backend of `pip install .` (setup.py drives this CMake)
    python3-wheel        # setuptools' bdist_wheel, which pip builds through
    python3-venv         # `python3 -m venv --system-site-packages`, where pip installs it
    python3-pip          # `pip install --no-build-isolation --no-index .`, offline
)
if [[ "${1:-}" == "--reference" ]]; then
    packages+=(python3-torch)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages already installed"
else
    echo "install-deps: installing ${missing[*]}"
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian's nodejs comes without npm (NodeSource's includes it).
if ! command -v npm >/dev/null; then
    $SUDO apt-get install -y -q --no-install-recommends npm
fi

# The browser test's npm package, exactly as locked, into tests/browser/node_modules: only when
# that folder was not installed from this lock (a copy of the lock marks it). playwright-core
# downloads no browser; the test drives /usr/bin/chromium.
browser_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
stamp="$browser_dir/node_modules/.optlab-installed-lock.json"
if cmp -s "$browser_dir/package-lock.json" "$stamp"; then
    echo "install-deps: tests/browser/node_modules matches its lock"
else
    echo "install-deps: npm ci in tests/browser"
    (cd "$browser_dir" && npm ci --ignore-scripts --no-audit --no-fund)
    cp "$browser_dir/package-lock.json" "$stamp"
fi
