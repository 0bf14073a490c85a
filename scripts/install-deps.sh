#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages optlab needs to build and test, and nothing else.
# Non-interactive and idempotent: packages already installed are skipped, and
# apt-get is not called at all when nothing is missing.
#
#   scripts/install-deps.sh              build + test dependencies
#   scripts/install-deps.sh --reference  also PyTorch and NumPy, to regenerate
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
    libopenmpi-dev       # MPI: `mpirun -np N optlab suite` spreads the arms over processes and hosts
    openmpi-bin          # mpirun, for that and for CI's two-rank suite
    dataset-fashion-mnist  # the real data: /usr/share/datasets/fashion-mnist/*.gz
    wamerican              # words-charlm's text: /usr/share/dict/words
    gnuplot-nox          # draws every figure (cairo PNG and SVG terminals)
    fonts-dejavu-core    # the figures' and the report's font
    util-linux           # setpriv and prlimit: tests run as nobody and under a file-size limit
    chromium             # tests load the report in a real (headless) browser
    clang                # libFuzzer targets (fuzz/), built by .ci/run
    libclang-rt-14-dev   # clang's fuzzer and sanitizer runtimes
)
if [[ "${1:-}" == "--reference" ]]; then
    packages+=(python3-torch python3-numpy)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
