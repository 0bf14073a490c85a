// SPDX-License-Identifier: MIT
// An arm of a comparison: one optimizer with its hyper-parameters (and, for the initializer
// comparison, an initializer and activation), written on the command line as
//   NAME[:KEY=VALUE;KEY=VALUE...], ...      e.g.  sgd:lr=0.95,adam:lr=0.3;betas=0.9,0.999
// VALUE is a number, true/false, or a pair A,B (core/text.hpp). Arms are separated by commas
// too: a comma followed by a letter begins the next arm (a number never begins with one).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "optlab/optim/hyper.hpp"

namespace optlab::experiment {

struct Arm {
    std::string label;      // shown in legends and tables
    std::string optimizer;  // registry name
    HyperParams hyper;
    std::string init = "he";          // E4 varies these
    std::string activation = "relu";
};

/// Parses a list of arms; throws InvalidArgument naming the bad part.
std::vector<Arm> parse_arms(std::string_view list);
/// Optimizer `name` at learning rate `lr`, labelled "Adam (lr 0.001)" unless `label` is given.
Arm make_arm(const std::string& name, double lr, const std::string& label = "");

}  // namespace optlab::experiment
