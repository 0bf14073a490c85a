// SPDX-License-Identifier: MIT
// E2 and E4: the comparison runs (experiment/compare.hpp); its files and figure are in
// compare_output.cpp.
#include "optlab/experiment/compare.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "optlab/core/error.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/core/text.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/problems/image_classification.hpp"
#include "optlab/train/loop.hpp"
#include "optlab/optim/combined.hpp"

namespace optlab::experiment {

CompareSpec compare_preset() {
    CompareSpec s;
    s.arms = {make_arm("sgd", 0.01), make_arm("momentum", 0.01), make_arm("nag", 0.01), make_arm("adagrad", 0.01),
              make_arm("rmsprop", 0.01), make_arm("adadelta", 1.0), make_arm("adam", 0.001)};
    return s;
}

CompareSpec init_compare_preset() {
    CompareSpec s;
    // std 0 first: every unit of a layer computes the same and receives the same update, so the
    // symmetry is never broken and the network learns nothing beyond the class frequencies.
    Arm zero = make_arm("sgd", 0.01);
    zero.init = "zeros";
    zero.label = "std=0 (all zero), relu";
    s.arms.push_back(zero);
    for (auto [init, name] : {std::pair{"std=0.01", "std=0.01"}, std::pair{"lecun", "Xavier (std 1/√n)"},
                              std::pair{"he", "He (std √(2/n))"}}) {
        Arm a = make_arm("sgd", 0.01);
        a.init = init;
        a.label = std::string(name) + ", relu";
        s.arms.push_back(a);
    }
    // The sigmoid half at lr 1: at the ReLU half's 0.01 no sigmoid network leaves ln 10 within
    // 2000 iterations (every curve is flat, and the lecture's point is not visible); at 1,
    // Xavier's learns (smoothed loss ~0.5) while std 0.01's stays at ln 10 — its activations
    // all sit at 0.5, so every unit says the same. He is left out here: torch's He for sigmoid
    // (gain 1) is Xavier's 1/√n, and the book's √(2/n) belongs to ReLU.
    for (auto [init, name] : {std::pair{"std=0.01", "std=0.01"}, std::pair{"lecun", "Xavier (std 1/√n)"}}) {
        Arm a = make_arm("sgd", kSigmoidLr);
        a.init = init;
        a.activation = "sigmoid";
        a.label = std::string(name) + ", sigmoid (lr 1)";
        s.arms.push_back(a);
    }
    return s;
}

std::vector<double> smooth_curve(const std::vector<double>& x) {
    // The book's common/util.py: window_len 11, Kaiser β = 2, mirror padding, 'valid'
    // convolution, then y[5:len(y)-5].
    const int window = 11;
    if (x.size() < std::size_t(window)) return x;
    auto i0 = [](double v) {  // modified Bessel function of the first kind, order 0
        double sum = 1, term = 1;
        for (int k = 1; k < 50; ++k) {
            term *= (v / (2 * k)) * (v / (2 * k));
            sum += term;
        }
        return sum;
    };
    std::vector<double> w(window);
    const double beta = 2.0;
    for (int n = 0; n < window; ++n) {
        const double r = 2.0 * n / (window - 1) - 1.0;
        w[n] = i0(beta * std::sqrt(1 - r * r)) / i0(beta);
    }
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    for (double& v : w) v /= total;
    // s = r_[x[window-1:0:-1], x, x[-1:-window:-1]]: 10 mirrored values on each side
    std::vector<double> s;
    for (int i = window - 1; i >= 1; --i) s.push_back(x[std::size_t(i)]);
    s.insert(s.end(), x.begin(), x.end());
    for (int i = 1; i <= window - 1; ++i) s.push_back(x[x.size() - i]);
    std::vector<double> y;
    for (std::size_t i = 0; i + window <= s.size(); ++i) {
        double acc = 0;
        for (int k = 0; k < window; ++k) acc += w[k] * s[i + k];  // the window is symmetric
        y.push_back(acc);
    }
    return std::vector<double>(y.begin() + 5, y.end() - 5);
}

namespace {

double mean_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }
double std_of(const std::vector<double>& v) {
    const double m = mean_of(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return v.size() > 1 ? std::sqrt(s / double(v.size() - 1)) : 0.0;
}

CompareRow summarise(const std::string& label, double lr, const std::vector<const CompareRun*>& runs) {
    CompareRow row;
    row.label = label;
    row.lr = lr;
    std::vector<double> fl, acc, smooth_last, ms;
    for (const CompareRun* r : runs) {
        fl.push_back(r->final_loss);
        acc.push_back(r->test_accuracy);
        smooth_last.push_back(smooth_curve(r->loss).back());
        ms.push_back(r->ms_per_iteration);
    }
    row.final_loss_mean = mean_of(fl);
    row.final_loss_std = std_of(fl);
    row.smoothed_last_mean = mean_of(smooth_last);
    row.test_accuracy_mean = mean_of(acc);
    row.test_accuracy_std = std_of(acc);
    row.ms_per_iteration = mean_of(ms);
    return row;
}

}  // namespace

namespace {

// One run of the book's protocol through the training loop: a non-finite loss or gradient skips
// the update and records NaN, so a diverging learning rate in a sweep is a result, not an error.
CompareRun run_book_protocol(const CompareSpec& spec, const Arm& a, const HyperParams& hyper,
                             std::uint64_t seed, const TrainTest& data) {
    nn::NetSpec net_spec;
    net_spec.sizes = nn::parse_net_sizes(spec.net);
    net_spec.activation = nn::parse_activation(a.activation);
    if (net_spec.sizes.front() != data.train.features || net_spec.sizes.back() != data.classes) {
        throw InvalidArgument("compare: net " + spec.net + " does not fit the data (" +
                              std::to_string(data.train.features) + " inputs, " +
                              std::to_string(data.classes) + " classes)");
    }
    if (spec.batch == 0 || spec.batch > data.train.count) {
        throw_invalid("compare", "batch", double(spec.batch), "1.." + std::to_string(data.train.count));
    }
    ImageClassification problem(net_spec, parse_init(a.init, nn::nonlinearity_of(net_spec.activation)),
                              {&data.train, &data.test, nullptr, data.classes}, spec.batch, seed);
    auto opt = make_model_optimizer<float>(a.optimizer, problem.store(), hyper, spec.convention);
    WithReplacementSampler sampler(data.train.count, spec.batch, spec.iterations, seed + 1000);
    LoopOptions options;
    options.nonfinite = NonFinitePolicy::skip;
    options.max_consecutive = 0;  // never give up: the curve shows the divergence
    options.loss_timing = LossTiming::after_update;
    CompareRun run;
    run.seed = seed;
    run.loss.reserve(std::size_t(spec.iterations));
    double seconds = 0;
    LoopHooks hooks;
    hooks.iteration = [&](const IterationRecord& r) {
        run.loss.push_back(r.loss);
        seconds += r.seconds;
    };
    hooks.epoch = [&](const EpochEnd&) {
        opt->eval();  // at the optimizer's evaluation point (Schedule-Free's x)
        run.test_accuracy = problem.evaluate(Split::test).metric;
        opt->train();
        return 0.0;
    };
    LoopState state;
    run_training_loop(problem, *opt, sampler, nullptr, options, state, hooks);
    run.ms_per_iteration = 1e3 * seconds / double(spec.iterations);
    const std::size_t tail = std::min<std::size_t>(100, run.loss.size());
    run.final_loss = std::accumulate(run.loss.end() - std::ptrdiff_t(tail), run.loss.end(), 0.0) / double(tail);
    return run;
}

// The learning rates an arm runs at: the sweep's grid, or its own (or its default) lr.
std::vector<double> lr_grid(const CompareSpec& spec, const Arm& a) {
    if (!spec.sweep) {
        const HyperParams defaults = optimizer_defaults(a.optimizer, spec.convention);
        const HyperParams& source = a.hyper.contains("lr") ? a.hyper : defaults;
        return {std::get<double>(source.at("lr"))};
    }
    const auto [lo, hi] = *spec.sweep;
    std::vector<double> grid;
    for (int i = 0; i < spec.sweep_points; ++i) {
        grid.push_back(lo * std::pow(hi / lo, double(i) / (spec.sweep_points - 1)));
    }
    return grid;
}

}  // namespace

CompareResult run_compare(const CompareSpec& spec, const TrainTest& data, const Log& log) {
    if (spec.iterations < 1) throw_invalid("compare", "iterations", double(spec.iterations), "an integer >= 1");
    if (spec.seeds < 1) throw_invalid("compare", "seeds", spec.seeds, "an integer >= 1");
    if (spec.sweep && !(spec.sweep->at(0) > 0 && spec.sweep->at(0) < spec.sweep->at(1))) {
        throw InvalidArgument("compare: sweep range needs 0 < LO < HI");
    }
    if (spec.sweep && spec.sweep_points < 2) throw_invalid("compare", "sweep points", spec.sweep_points, ">= 2");
    CompareResult result;
    const int threads = spec.threads > 0 ? spec.threads : num_threads();
    set_num_threads(threads);
    std::size_t done = 0;
    const std::size_t lrs = spec.sweep ? std::size_t(spec.sweep_points) : 1;
    const std::size_t total = spec.arms.size() * lrs * std::size_t(spec.seeds);
    const auto started = std::chrono::steady_clock::now();
    for (const Arm& a : spec.arms) {
        const std::vector<double> grid = lr_grid(spec, a);
        std::optional<CompareRow> best;
        for (double lr : grid) {
            std::vector<const CompareRun*> runs;
            const std::size_t first = result.runs.size();
            for (int seed = 1; seed <= spec.seeds; ++seed) {
                HyperParams hyper = a.hyper;
                hyper["lr"] = lr;
                CompareRun run = run_book_protocol(spec, a, hyper, std::uint64_t(seed), data);
                run.label = a.label;
                run.lr = lr;
                result.runs.push_back(std::move(run));
                ++done;
                if (log) {
                    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
                    log("  " + a.label + (spec.sweep ? " lr " + format_number(lr) : "") + ", seed " + std::to_string(seed) +
                        ": final loss " + format_number(std::round(result.runs.back().final_loss * 1e4) / 1e4) + ", test accuracy " +
                        format_number(result.runs.back().test_accuracy) + "  [" + std::to_string(done) + "/" +
                        std::to_string(total) + ", ETA " + std::to_string(int(elapsed / double(done) * double(total - done))) + " s]");
                }
            }
            for (std::size_t i = first; i < result.runs.size(); ++i) runs.push_back(&result.runs[i]);
            CompareRow row = summarise(a.label, lr, runs);
            if (spec.sweep) result.sweep.push_back(row);
            if (!best || (std::isfinite(row.final_loss_mean) &&
                          !(best->final_loss_mean <= row.final_loss_mean))) {
                best = row;
            }
        }
        result.table.push_back(*best);
    }
    return result;
}

}  // namespace optlab::experiment
