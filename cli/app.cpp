// SPDX-License-Identifier: MIT
#include "app.hpp"

#include "cmd_figures.hpp"
#include "cmd_optimizers.hpp"
#include "cmd_problems.hpp"
#include "cmd_suite.hpp"
#include "cmd_train.hpp"
#include "cmd_trajectory.hpp"
#include "optlab/optim/registry.hpp"

namespace optlab::cli {

void setup_app(CLI::App& app, int& exit_code) {
    app.require_subcommand(1);
    app.set_version_flag("--version", "optlab 0.1.0");
    std::string names;
    for (auto n : optimizer_names()) names += " " + std::string(n);
    app.footer("Run 'optlab SUBCOMMAND --help' for a subcommand's flags.\nOptimizers:" + names +
               "\nConventions: torch (default), keras, book");
    setup_trajectory(app, exit_code);
    setup_train(app, exit_code);
    setup_figures(app, exit_code);
    setup_optimizers(app, exit_code);
    setup_functions(app, exit_code);
    setup_problems(app, exit_code);
    setup_sample(app, exit_code);
    setup_suite(app, exit_code);
    setup_bench(app, exit_code);
}

}  // namespace optlab::cli
