// SPDX-License-Identifier: MIT
// The optimizer flags every subcommand that runs an optimizer shares: --optimizer, --convention
// and one flag per hyper-parameter, named as PyTorch names the argument (with dashes).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "optlab/optim/convention.hpp"
#include "optlab/optim/hyper.hpp"

namespace optlab::cli {

struct OptimizerFlags {
    std::string optimizer = "sgd";
    std::string convention = "torch";
    std::optional<double> lr, momentum, dampening, weight_decay, eps, rho, alpha, lr_decay,
        initial_accumulator_value, momentum_decay;
    std::optional<std::string> betas;
    bool nesterov = false, centered = false, amsgrad = false, maximize = false,
         decoupled_weight_decay = false;
    // The flags' options, to tell "given" from "left at its default".
    CLI::Option *nesterov_flag = nullptr, *centered_flag = nullptr, *amsgrad_flag = nullptr,
                *maximize_flag = nullptr, *decoupled_flag = nullptr;

    /// The hyper-parameters given on the command line (unset flags are absent).
    HyperParams hyper() const;
    Convention parsed_convention() const { return parse_convention(convention); }
};

void add_optimizer_flags(CLI::App& app, OptimizerFlags& flags);

/// Parses "A,B" into two finite numbers; throws InvalidArgument naming `flag` otherwise.
std::array<double, 2> parse_pair(std::string_view text, std::string_view flag);

}  // namespace optlab::cli
