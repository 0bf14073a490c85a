// SPDX-License-Identifier: MIT
// The optlab command-line tool: one subcommand per task, each in its own cmd_<name>.cpp
// (CLI11's subcommands-in-files layout). Exit codes: 0 success, 2 bad usage or input,
// 3 a run that diverged to NaN/Inf, 4 a finite loss that exploded (train --divergence error),
// 128+N stopped by signal N, 1 anything else.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "app.hpp"
#include "optlab/core/error.hpp"

int main(int argc, char** argv) {
    // Past a file-size limit (ulimit -f) a write should fail with EFBIG and be reported like a
    // full disk, not kill the process with SIGXFSZ.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{
        "optlab: the optimizers that train neural networks — exact (PyTorch/Keras semantics), "
        "fast, and drawn.",
        "optlab"};
    int exit_code = 0;
    optlab::cli::setup_app(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "optlab: error: " << e.what() << "\n";
        std::cerr << "Run with --help for usage.\n";
        return 2;
    } catch (const optlab::NonFiniteError& e) {
        std::cerr << "\noptlab: error: " << e.what() << "\n";
        return 3;
    } catch (const optlab::DivergenceError& e) {
        std::cerr << "\noptlab: error: " << e.what() << "\n";
        return 4;
    } catch (const optlab::InvalidArgument& e) {
        std::cerr << "optlab: error: " << e.what() << "\n";
        return 2;
    } catch (const optlab::Error& e) {
        std::cerr << "optlab: error: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "optlab: internal error: " << e.what() << "\n";
        return 1;
    }
    return exit_code;
}
