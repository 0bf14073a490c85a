// SPDX-License-Identifier: MIT
// The suite's summary (experiment/suite.hpp): per problem and optimizer the tuned and default
// test metrics over seeds, the median time-to-target and ranks with ties; across problems the
// performance profiles and their scores (AlgoPerf), by iterations and by seconds. Also the
// helpers the suite's sources share (suite_private.hpp).
#include <algorithm>
#include <cmath>
#include <limits>

#include "optlab/experiment/suite.hpp"
#include "optlab/problems/catalogue.hpp"
#include "optlab/train/config.hpp"
#include "suite_private.hpp"

namespace optlab::experiment {

namespace detail {

double better_is_higher(double v, bool lower_is_better) {
    if (!std::isfinite(v)) return -std::numeric_limits<double>::infinity();
    return lower_is_better ? -v : v;
}

const SuiteArm* best_tuned(const std::vector<SuiteArm>& arms, const std::string& problem, const std::string& optimizer) {
    const bool lower = problem_info(problem).lower_is_better;
    const SuiteArm* best = nullptr;
    for (const SuiteArm& a : arms) {
        if (a.phase != "tune" || a.problem != problem || a.optimizer != optimizer || a.diverged) continue;
        if (!std::isfinite(a.validation_metric)) continue;
        // Ties go to the smaller learning rate (the grid is in increasing order).
        if (!best || better_is_higher(a.validation_metric, lower) > better_is_higher(best->validation_metric, lower)) {
            best = &a;
        }
    }
    return best;
}

double default_lr(const OptimizerCatalogue& optimizers, const std::string& optimizer) {
    return optimizers.default_lr(optimizer, TrainConfig{}.convention);
}

}  // namespace detail

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

using detail::best_tuned;
using detail::better_is_higher;

SuiteResult summarise_suite(const SuiteProtocol& protocol, std::vector<SuiteArm> arms) {
    SuiteResult r;
    r.protocol = protocol;
    r.arms = std::move(arms);
    for (const auto& name : protocol.problems) r.problems.push_back(suite_problem(name, protocol.quick));
    const std::size_t O = protocol.optimizers.size();
    for (const SuiteProblem& problem : r.problems) {
        std::vector<SuiteRow> rows;
        for (const auto& optimizer : protocol.optimizers) {
            SuiteRow row;
            row.problem = problem.name;
            row.optimizer = optimizer;
            row.applicable = applicable(problem.name, optimizer, protocol.catalogue);
            const SuiteArm* best = best_tuned(r.arms, problem.name, optimizer);
            row.best_lr = best ? *best->lr : kNaN;
            std::vector<double> tuned, defaults, iterations, seconds;
            int reached = 0, runs = 0;
            for (const SuiteArm& a : r.arms) {
                if (a.problem != problem.name || a.optimizer != optimizer) continue;
                if (a.phase == "default") defaults.push_back(a.test_metric);
                const bool tuned_run = best && (a.phase == "seed" || &a == best);
                if (!tuned_run) continue;
                tuned.push_back(a.test_metric);
                ++runs;
                if (a.iterations_to_target) {
                    ++reached;
                    iterations.push_back(double(*a.iterations_to_target));
                    seconds.push_back(*a.seconds_to_target);
                }
            }
            auto stats = [&](const std::vector<double>& v, double& mean, double& lo, double& hi) {
                // A diverged seed makes the whole setting count as diverged (NaN): an average
                // that hid it would flatter the optimizer.
                mean = lo = hi = kNaN;
                if (v.empty()) return;
                double sum = 0;
                lo = hi = v[0];
                for (double x : v) {
                    sum += x;
                    lo = std::min(lo, x);
                    hi = std::max(hi, x);
                }
                mean = sum / double(v.size());
            };
            stats(tuned, row.tuned_mean, row.tuned_min, row.tuned_max);
            stats(defaults, row.default_mean, row.default_min, row.default_max);
            // Reached on most seeds: the median of the seeds' times, the unreached ones counted
            // as infinitely slow (so the median is finite exactly when more than half reached).
            if (runs > 0 && 2 * reached > runs) {
                while (iterations.size() < std::size_t(runs)) {
                    iterations.push_back(std::numeric_limits<double>::infinity());
                    seconds.push_back(std::numeric_limits<double>::infinity());
                }
                row.iterations_to_target = median(iterations);
                row.seconds_to_target = median(seconds);
            }
            rows.push_back(row);
        }
        // Ranks by the tuned mean test metric (diverged settings last); ties: a seed range that
        // overlaps the winner's.
        std::vector<std::size_t> order(rows.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return better_is_higher(rows[a].tuned_mean, problem.lower_is_better) >
                   better_is_higher(rows[b].tuned_mean, problem.lower_is_better);
        });
        int rank = 0;
        for (std::size_t k = 0; k < order.size(); ++k) {
            if (rows[order[k]].applicable) rows[order[k]].rank = ++rank;
        }
        const SuiteRow& winner = rows[order[0]];
        r.winners.push_back(winner.optimizer);
        for (SuiteRow& row : rows) {
            row.tied = row.rank != 1 && std::isfinite(row.tuned_mean) && std::isfinite(winner.tuned_mean) &&
                       row.tuned_min <= winner.tuned_max && winner.tuned_min <= row.tuned_max;
        }
        r.rows.insert(r.rows.end(), rows.begin(), rows.end());
    }
    // Performance profiles over τ ∈ [1, 4], 61 points.
    for (int k = 0; k <= 60; ++k) r.taus.push_back(1.0 + (SuiteResult::kTauMax - 1.0) * k / 60.0);
    auto profile = [&](bool by_seconds, std::vector<std::vector<double>>& curves, std::vector<double>& scores) {
        curves.assign(O, std::vector<double>(r.taus.size(), 0.0));
        scores.assign(O, 0.0);
        for (std::size_t p = 0; p < r.problems.size(); ++p) {
            double fastest = std::numeric_limits<double>::infinity();
            for (std::size_t o = 0; o < O; ++o) {
                const auto& t = by_seconds ? r.rows[p * O + o].seconds_to_target : r.rows[p * O + o].iterations_to_target;
                if (t) fastest = std::min(fastest, std::max(*t, 1e-12));
            }
            for (std::size_t o = 0; o < O; ++o) {
                const auto& t = by_seconds ? r.rows[p * O + o].seconds_to_target : r.rows[p * O + o].iterations_to_target;
                if (!t) continue;
                const double ratio = std::max(*t, 1e-12) / fastest;
                for (std::size_t k = 0; k < r.taus.size(); ++k) {
                    if (ratio <= r.taus[k] * (1 + 1e-12)) curves[o][k] += 1.0 / double(r.problems.size());
                }
            }
        }
        for (std::size_t o = 0; o < O; ++o) {  // the mean of ρ over τ (trapezoids on the even grid)
            double area = 0;
            for (std::size_t k = 1; k < r.taus.size(); ++k) area += 0.5 * (curves[o][k] + curves[o][k - 1]);
            scores[o] = area / double(r.taus.size() - 1);
        }
    };
    profile(false, r.profile_iterations, r.score_iterations);
    profile(true, r.profile_seconds, r.score_seconds);
    return r;
}

}  // namespace optlab::experiment
