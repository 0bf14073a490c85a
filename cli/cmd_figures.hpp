// SPDX-License-Identifier: MIT
// The lecture's figures, one command each, and `optlab report`, which gathers them into one
// page: `optlab plot trajectories`, `optlab compare`, `optlab init-histogram`,
// `optlab init-compare`, `optlab report`, and `optlab playground`, the report's explorable alone.
#pragma once

#include <CLI/CLI.hpp>

namespace optlab::cli {
void setup_figures(CLI::App& app, int& exit_code);
}
