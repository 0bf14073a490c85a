// SPDX-License-Identifier: MIT
// `optlab suite`: every optimizer on every problem, by a fair protocol (experiment/suite.hpp).
#pragma once

#include <CLI/CLI.hpp>

namespace optlab::cli {
void setup_suite(CLI::App& app, int& exit_code);
}  // namespace optlab::cli
