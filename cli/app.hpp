// SPDX-License-Identifier: MIT
// The optlab command line as one CLI11 app: main() runs it, fuzz/fuzz_args.cpp parses with it.
#pragma once

#include <CLI/CLI.hpp>

namespace optlab::cli {

/// Adds every subcommand, its flags and its callback to `app`; a callback that finishes sets
/// `exit_code`.
void setup_app(CLI::App& app, int& exit_code);

}  // namespace optlab::cli
