// SPDX-License-Identifier: MIT
#include "optlab/problems/trajectory.hpp"

#include <cmath>

#include "optlab/core/error.hpp"
#include "optlab/optim/registry.hpp"

namespace optlab {

Trajectory run_trajectory(const Function2d& fn, std::string_view name, const HyperParams& hyper,
                          Convention convention, Point2 start, std::int64_t steps,
                          const Wrapping& wrapping) {
    if (steps < 0 || steps > kMaxTrajectorySteps) {
        throw_invalid("trajectory", "steps", double(steps), "an integer in [0, 100000000]");
    }
    static_assert(kMaxTrajectorySteps == 100'000'000, "the message above names the cap");
    ParamStore<double> store;
    // One parameter of shape 1×2, a matrix of one row: optimizers for matrices (Adafactor's
    // factored statistics, Muon) take their matrix path; elementwise ones cannot tell.
    store.add("xy", {1, 2});
    auto opt = wrap(make_optimizer<double>(name, store, hyper, convention), wrapping);
    std::span<double> xy = store.param("xy");
    std::span<double> grad = store.grad("xy");
    xy[0] = start[0];
    xy[1] = start[1];
    Trajectory t;
    t.hyper = opt->hyper(0);
    // Lookahead's path is its fast weights (the slow ones jump every k steps); for every other
    // optimizer with two points, the point where it evaluates (its eval()) and where it trains.
    const bool two_points = opt->has_eval_point() && !wrapping.lookahead;
    auto record = [&] {
        if (two_points) t.train_points.push_back({xy[0], xy[1]});
        if (two_points) opt->eval();
        t.points.push_back({xy[0], xy[1]});
        t.f.push_back(fn.value(xy[0], xy[1]));
        opt->train();
    };
    record();
    // f and its gradient at the current point: the closure of an optimizer that evaluates
    // again within its step (L-BFGS), called once before the step for every other.
    std::int64_t evaluations = 0;
    const auto evaluate = [&] {
        ++evaluations;
        const Point2 g = fn.gradient(xy[0], xy[1]);
        grad[0] = g[0];
        grad[1] = g[1];
        return fn.value(xy[0], xy[1]);
    };
    const Optimizer<double>::Closure closure = evaluate;  // made once: not an allocation a step
    for (std::int64_t k = 1; k <= steps && !t.diverged; ++k) {
        evaluations = 0;
        opt->step(closure);
        t.evaluations.push_back(evaluations);
        record();
        const Point2& x = t.points.back();
        t.diverged = !std::isfinite(x[0]) || !std::isfinite(x[1]) || !std::isfinite(t.f.back());
    }
    return t;
}

}  // namespace optlab
