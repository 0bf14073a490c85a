// SPDX-License-Identifier: MIT
// An optimizer's path on a 2-D test function: the lecture's pictures, `optlab trajectory`'s
// rows and the explorable's paths are all this one loop, in float64.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "optlab/optim/convention.hpp"
#include "optlab/optim/hyper.hpp"
#include "optlab/optim/wrappers.hpp"
#include "optlab/problems/functions2d.hpp"

namespace optlab {

struct Trajectory {
    std::vector<Point2> points;  // the start, then the point after each update: where the
                                 // optimizer evaluates (Schedule-Free's x), except that under
                                 // Lookahead it is the fast weights θ, the path it walks
    std::vector<double> f;       // the function at each point
    std::vector<Point2> train_points;  // where it took the gradient (y), when that differs
    std::vector<std::int64_t> evaluations;  // of f and its gradient in each update (L-BFGS: its
                                            // closure's calls; 1 for every other optimizer)
    bool diverged = false;       // the last point is not finite (x, y or f): the path stops there
    HyperParams hyper;           // every hyper-parameter the optimizer ran with
};

/// The most updates a path may have: its rows are kept in memory (4 doubles each, 3.2 GB at the
/// cap), so a mistyped count is refused rather than left to exhaust memory or run for days.
inline constexpr std::int64_t kMaxTrajectorySteps = 100'000'000;

/// Runs optimizer `name` (registry name) with `hyper` under `convention` from `start` for
/// `steps` updates of the gradient of `fn`, wrapped as `wrapping` says. Throws
/// InvalidArgument for an unknown optimizer, a bad hyper-parameter or steps outside
/// [0, kMaxTrajectorySteps].
Trajectory run_trajectory(const Function2d& fn, std::string_view name, const HyperParams& hyper,
                          Convention convention, Point2 start, std::int64_t steps,
                          const Wrapping& wrapping = {});

}  // namespace optlab
