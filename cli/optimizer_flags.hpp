// SPDX-License-Identifier: MIT
// The optimizer flags every subcommand that runs an optimizer shares: --optimizer, --convention
// and one flag per hyper-parameter, named as PyTorch names the argument (with dashes). The
// hyper-parameter flags are derived from the registry: every field any registered optimizer
// has becomes a flag of its kind (a number, a pair A,B, or --name/--no-name).
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <optional>
#include <string>

#include "optlab/optim/convention.hpp"
#include "optlab/optim/hyper.hpp"
#include "optlab/optim/wrappers.hpp"

namespace optlab::cli {

struct OptimizerFlags {
    std::string optimizer = "sgd";
    std::string convention = "torch";
    std::string lookahead;  // "" or K,ALPHA: Lookahead around the optimizer
    // SWA's flags as given (swa_from_flags checks them together).
    std::optional<std::int64_t> swa_start, swa_anneal_epochs;
    std::optional<double> swa_lr;
    std::optional<std::string> swa_anneal_strategy;
    // By hyper-parameter name ("weight_decay"): what was given. Map nodes do not move, so
    // CLI11 can keep pointers into them.
    std::map<std::string, std::optional<double>> numbers;
    // Pairs, triples, names, and a name that is a number for some optimizers and a pair for
    // others (eps: Adafactor's ε1,ε2): read as the chosen optimizer's default is (parse_hyper).
    std::map<std::string, std::optional<std::string>> texts;
    std::map<std::string, bool> flags;
    std::map<std::string, CLI::Option*> flag_options;  // to tell "given" from "left at its default"

    /// The hyper-parameters given on the command line (unset flags are absent).
    HyperParams hyper() const;
    Convention parsed_convention() const { return parse_convention(convention); }
    /// SWA when --swa-start and --swa-lr are given; throws InvalidArgument naming the flag
    /// when only some of SWA's flags are.
    std::optional<SwaOptions> swa() const {
        return swa_from_flags(swa_start, swa_lr, swa_anneal_epochs, swa_anneal_strategy);
    }
    /// Lookahead or SWA when given (a subcommand with --ema adds it to this).
    Wrapping wrapping() const { return parse_wrapping(lookahead, std::nullopt, swa()); }
};

void add_optimizer_flags(CLI::App& app, OptimizerFlags& flags);

/// CLI11's check that a flag's text is a finite number (core/text.hpp's parse_number).
const CLI::Validator& finite_number();

/// The registry's names as CLI11's set check and a help list.
std::vector<std::string> optimizer_choices();

}  // namespace optlab::cli
