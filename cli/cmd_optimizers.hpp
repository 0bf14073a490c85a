// SPDX-License-Identifier: MIT
// `optlab optimizers` and `optlab functions`: what is available, with defaults.
#pragma once

#include <CLI/CLI.hpp>

namespace optlab::cli {
void setup_optimizers(CLI::App& app, int& exit_code);
void setup_functions(CLI::App& app, int& exit_code);
/// `optlab bench step`
void setup_bench(CLI::App& app, int& exit_code);
}  // namespace optlab::cli
