// SPDX-License-Identifier: MIT
// The optlab command-line tool: one subcommand per task, each in its own cmd_<name>.cpp
// (CLI11's subcommands-in-files layout). Exit codes: 0 success, 2 bad usage or input,
// 3 a run that diverged (NaN/Inf), 128+N stopped by signal N, 1 anything else.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cmd_figures.hpp"
#include "cmd_optimizers.hpp"
#include "cmd_train.hpp"
#include "cmd_trajectory.hpp"
#include "optlab/core/error.hpp"

int main(int argc, char** argv) {
    CLI::App app{
        "optlab: the optimizers that train neural networks — exact (PyTorch/Keras semantics), "
        "fast, and drawn.",
        "optlab"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "optlab 0.1.0");
    app.footer(
        "Run 'optlab SUBCOMMAND --help' for a subcommand's flags.\n"
        "Optimizers: sgd momentum nag adagrad rmsprop adadelta adam adamw amsgrad nadam adamax "
        "radam lion\nConventions: torch (default), keras, book");
    int exit_code = 0;
    optlab::cli::setup_trajectory(app, exit_code);
    optlab::cli::setup_train(app, exit_code);
    optlab::cli::setup_figures(app, exit_code);
    optlab::cli::setup_optimizers(app, exit_code);
    optlab::cli::setup_functions(app, exit_code);
    optlab::cli::setup_bench(app, exit_code);
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
