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
#include "optlab/optim/registry.hpp"
#include "optlab/problems/functions2d.hpp"

namespace optlab::cli {

namespace {

struct TrajectoryOptions {
    std::string function = "ravine";
    std::optional<std::string> start;
    long long steps = 30;
    std::string format = "csv";
    OptimizerFlags optimizer;
};

struct Row {
    long long step;
    double x, y, f;
};

int run_trajectory(const TrajectoryOptions& o) {
    const Function2d& fn = function_2d(o.function);
    const Point2 start = o.start ? parse_pair(*o.start, "--start") : fn.start;

    ParamStore<double> store;
    store.add("xy", {2});
    const HyperParams hyper = o.optimizer.hyper();
    auto opt = make_optimizer<double>(o.optimizer.optimizer, store, hyper,
                                      o.optimizer.parsed_convention());
    std::span<double> xy = store.param("xy");
    std::span<double> grad = store.grad("xy");
    xy[0] = start[0];
    xy[1] = start[1];

    std::vector<Row> rows{{0, xy[0], xy[1], fn.value(xy[0], xy[1])}};
    long long diverged_at = -1;
    for (long long k = 1; k <= o.steps; ++k) {
        const Point2 g = fn.gradient(xy[0], xy[1]);
        grad[0] = g[0];
        grad[1] = g[1];
        opt->step();
        rows.push_back({k, xy[0], xy[1], fn.value(xy[0], xy[1])});
        if (!std::isfinite(rows.back().x) || !std::isfinite(rows.back().y) ||
            !std::isfinite(rows.back().f)) {
            diverged_at = k;
            break;
        }
    }

    if (o.format == "json") {
        nlohmann::json j;
        j["function"] = fn.name;
        j["formula"] = fn.formula;
        j["optimizer"] = o.optimizer.optimizer;
        j["convention"] = o.optimizer.convention;
        nlohmann::json h = nlohmann::json::object();
        for (const auto& entry : opt->hyper(0)) {
            std::visit([&](const auto& v) { h[entry.first] = v; }, entry.second);
        }
        j["hyper"] = h;
        j["path"] = nlohmann::json::array();
        for (const Row& r : rows) {
            // JSON has no inf/NaN: they become null.
            auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
            j["path"].push_back({{"step", r.step}, {"x", num(r.x)}, {"y", num(r.y)}, {"f", num(r.f)}});
        }
        std::cout << j.dump() << "\n";
    } else {
        std::string out = "step,x,y,f\n";
        for (const Row& r : rows) out += fmt::format("{},{},{},{}\n", r.step, r.x, r.y, r.f);
        std::cout << out;
    }
    std::cout.flush();
    if (diverged_at >= 0) {
        std::cerr << fmt::format(
            "optlab trajectory: diverged: the point is no longer finite after step {} of {} "
            "({} on {}, lr {}); try a smaller --lr\n",
            diverged_at, o.steps, o.optimizer.optimizer, fn.name, opt->lr(0));
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
        ->check(CLI::Range(0LL, 100'000'000LL))
        ->capture_default_str();
    sub->add_option("--format", o->format, "csv or json")
        ->check(CLI::IsMember({"csv", "json"}))
        ->capture_default_str();
    add_optimizer_flags(*sub, o->optimizer);
    sub->footer("Functions:\n" + functions +
                "\nRow 0 is the start, row k the point after k updates; float64, printed "
                "round-trippable.\nExample: optlab trajectory --function ravine --optimizer "
                "adam --lr 0.3 --convention book");
    sub->callback([o, &exit_code] { exit_code = run_trajectory(*o); });
}

}  // namespace optlab::cli
