// SPDX-License-Identifier: MIT
#include "cmd_optimizers.hpp"

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "optlab/optim/registry.hpp"
#include "optlab/problems/functions2d.hpp"

namespace optlab::cli {

void setup_optimizers(CLI::App& app, int& exit_code) {
    auto convention = std::make_shared<std::string>("torch");
    CLI::App* sub = app.add_subcommand(
        "optimizers", "List the optimizers with their hyper-parameters' defaults");
    sub->add_option("--convention", *convention, "torch, keras or book")
        ->check(CLI::IsMember({"torch", "keras", "book"}))
        ->capture_default_str();
    sub->callback([convention, &exit_code] {
        const Convention c = parse_convention(*convention);
        std::string out;
        for (auto name : optimizer_names()) {
            out += fmt::format("{:<9} {}\n", name, optimizer_summary(name));
            std::string defaults;
            for (const auto& [key, value] : optimizer_defaults(name, c)) {
                defaults += fmt::format(" {}={}", key, to_string(value));
            }
            out += fmt::format("          defaults ({}):{}\n", *convention, defaults);
        }
        std::cout << out;
        exit_code = 0;
    });
}

void setup_functions(CLI::App& app, int& exit_code) {
    CLI::App* sub = app.add_subcommand("functions", "List the 2-D test functions");
    sub->callback([&exit_code] {
        std::string out;
        for (const auto& f : functions_2d()) {
            out += fmt::format("{:<13} f(x,y) = {}\n              {}\n              start ({}, {})",
                               f.name, f.formula, f.note, f.start[0], f.start[1]);
            if (f.minima.empty()) {
                out += ", no minimum (unbounded below)\n";
            } else {
                out += fmt::format(", minimum {} at", f.minimum_value);
                for (const auto& m : f.minima) out += fmt::format(" ({}, {})", m[0], m[1]);
                out += "\n";
            }
        }
        std::cout << out;
        exit_code = 0;
    });
}

}  // namespace optlab::cli
