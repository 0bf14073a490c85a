// SPDX-License-Identifier: MIT
// `optlab trajectory`: an optimizer's path on a 2-D test function, as CSV or JSON.
#pragma once

#include <CLI/CLI.hpp>

namespace optlab::cli {
void setup_trajectory(CLI::App& app, int& exit_code);
}
