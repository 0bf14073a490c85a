// SPDX-License-Identifier: MIT
// What the suite's sources share (suite.cpp, suite_arm.cpp, suite_summary.cpp): not part of
// experiment/suite.hpp's interface.
#pragma once

#include <string>
#include <vector>

#include "optlab/experiment/suite.hpp"

namespace optlab::experiment::detail {

/// A metric's value as a score where higher is better, so one comparison serves every problem
/// (a value that is not finite scores lowest).
double better_is_higher(double v, bool lower_is_better);

/// The tuning arm with the best validation metric of (problem, optimizer), ties to the smaller
/// learning rate; null when every learning rate diverged.
const SuiteArm* best_tuned(const std::vector<SuiteArm>& arms, const std::string& problem, const std::string& optimizer);

/// The learning rate an arm without one runs at: its optimizer's default in train's convention.
double default_lr(const OptimizerCatalogue& optimizers, const std::string& optimizer);

}  // namespace optlab::experiment::detail
