// SPDX-License-Identifier: MIT
// `optlab trajectory --function NAME --optimizer NAME --start X,Y --steps N [hyper-parameters]`
// Row 0 is the start, row k the point after k updates; computed in float64 and printed in the
// shortest form that reads back to the same double.
#include "cmd_trajectory.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "optimizer_flags.hpp"
#include "optlab/core/text.hpp"
#include "optlab/io/hyper_json.hpp"
#include "optlab/problems/trajectory.hpp"
#include "optlab/train/config.hpp"

namespace optlab::cli {

namespace {

struct TrajectoryOptions {
    std::string function = "ravine";
    std::optional<std::string> start;
    long long steps = 30;
    std::string format = "csv";
    OptimizerFlags optimizer;
};

int run_trajectory(const TrajectoryOptions& o) {
    const Function2d& fn = function_2d(o.function);
    const Point2 start = o.start ? parse_pair(*o.start, "--start") : fn.start;
    const Trajectory t = optlab::run_trajectory(fn, o.optimizer.optimizer, o.optimizer.hyper(),
                                                o.optimizer.parsed_convention(), start, o.steps,
                                                o.optimizer.wrapping());
    if (o.format == "json") {
        nlohmann::json j;
        j["function"] = fn.name;
        j["formula"] = fn.formula;
        j["optimizer"] = o.optimizer.optimizer;
        j["convention"] = o.optimizer.convention;
        if (!o.optimizer.lookahead.empty()) j["lookahead"] = o.optimizer.lookahead;
        if (const std::optional<SwaOptions> swa = o.optimizer.swa()) j["swa"] = nlohmann::json::parse(swa_to_json(swa));
        j["hyper"] = nlohmann::json::parse(hyper_to_json(t.hyper));
        j["path"] = nlohmann::json::array();
        // JSON has no inf/NaN: they become null.
        auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
        for (std::size_t k = 0; k < t.points.size(); ++k) {
            nlohmann::json row = {{"step", k}, {"x", num(t.points[k][0])}, {"y", num(t.points[k][1])}, {"f", num(t.f[k])}};
            // Where the gradient was taken, when the optimizer evaluates elsewhere (Schedule-Free,
            // ASGD, the EMA's and SWA's averages).
            if (!t.train_points.empty()) row["train_point"] = {num(t.train_points[k][0]), num(t.train_points[k][1])};
            // f and its gradient evaluated to reach this point (L-BFGS: several; the start none).
            row["evaluations"] = k == 0 ? 0 : t.evaluations[k - 1];
            j["path"].push_back(row);
        }
        std::cout << j.dump() << "\n";
    } else {
        std::string out = "step,x,y,f\n";
        for (std::size_t k = 0; k < t.points.size(); ++k) {
            out += fmt::format("{},{},{},{}\n", k, t.points[k][0], t.points[k][1], t.f[k]);
        }
        std::cout << out;
    }
    std::cout.flush();
    if (t.diverged) {
        std::cerr << fmt::format(
            "optlab trajectory: diverged: the point is no longer finite after step {} of {} "
            "({} on {}, lr {}); try a smaller --lr\n",
            t.points.size() - 1, o.steps, o.optimizer.optimizer, fn.name, std::get<double>(t.hyper.at("lr")));
        return 3;
    }
    return 0;
}

}  // namespace

void setup_trajectory(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<TrajectoryOptions>();
    CLI::App* sub = app.add_subcommand(
        "trajectory", "Print an optimizer's path on a 2-D test function (CSV: step,x,y,f)");
    std::string functions;
    for (const auto& f : functions_2d()) {
        functions += fmt::format("  {:<13} {}\n", f.name, f.formula);
    }
    sub->add_option("--function", o->function, "Test function (see below)")
        ->capture_default_str();
    sub->add_option("--start", o->start, "X,Y: the starting point (default: the function's)");
    sub->add_option("--steps", o->steps, "Number of updates")
        ->check(CLI::Range(std::int64_t{0}, kMaxTrajectorySteps))
        ->capture_default_str();
    sub->add_option("--format", o->format, "csv or json")
        ->check(CLI::IsMember({"csv", "json"}))
        ->capture_default_str();
    add_optimizer_flags(*sub, o->optimizer);
    sub->footer("Functions:\n" + functions +
                "\nRow 0 is the start, row k the point after k updates — where the optimizer evaluates "
                "(Schedule-Free's x, SWA's average; under Lookahead the fast weights), the JSON giving the "
                "training point too; float64, printed round-trippable.\nExample: optlab trajectory --function ravine --optimizer "
                "adam --lr 0.3 --convention book");
    sub->callback([o, &exit_code] { exit_code = run_trajectory(*o); });
}

}  // namespace optlab::cli
