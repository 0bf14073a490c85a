// SPDX-License-Identifier: MIT
// `optlab train`: an MLP on Fashion-MNIST (or any MNIST-layout folder) with any optimizer.
#pragma once

#include <CLI/CLI.hpp>

namespace optlab::cli {
void setup_train(CLI::App& app, int& exit_code);
}
