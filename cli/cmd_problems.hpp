// SPDX-License-Identifier: MIT
// `optlab problems` (the training problems, their data, model, metric and budget) and
// `optlab sample` (new words from a trained words-charlm).
#pragma once

#include <CLI/CLI.hpp>

namespace optlab::cli {
void setup_problems(CLI::App& app, int& exit_code);
void setup_sample(CLI::App& app, int& exit_code);
}  // namespace optlab::cli
