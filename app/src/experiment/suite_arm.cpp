// SPDX-License-Identifier: MIT
// One arm of `optlab suite` (experiment/suite.hpp): its file — JSON, written by the suite as
// soon as the arm is done and read back by a rerun — and its run, one train() of its problem
// for the suite's budget, the validation metric evaluated along the way.
#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"
#include "optlab/experiment/suite.hpp"
#include "optlab/problems/catalogue.hpp"
#include "optlab/train/trainer.hpp"
#include "suite_private.hpp"

namespace optlab::experiment {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }
double number_or_nan(const nlohmann::json& j) { return j.is_null() ? kNaN : j.get<double>(); }

}  // namespace

// ---- its file -------------------------------------------------------------------------------

std::string SuiteArm::file_name() const {
    std::string name = problem + "/" + phase + "-" + optimizer;
    if (lr) name += "-lr" + format_number(*lr);
    return name + "-seed" + std::to_string(seed) + ".json";
}

std::string SuiteArm::to_json() const {
    nlohmann::json j;
    j["problem"] = problem;
    j["optimizer"] = optimizer;
    j["phase"] = phase;
    j["lr"] = lr_used;
    j["seed"] = seed;
    j["diverged"] = diverged;
    if (diverged) j["diverged_reason"] = diverged_reason;
    j["final_train_loss"] = number_or_null(final_train_loss);
    j["validation_metric"] = number_or_null(validation_metric);
    j["test_metric"] = number_or_null(test_metric);
    j["iterations"] = iterations;
    j["iterations_to_target"] = iterations_to_target ? nlohmann::json(*iterations_to_target) : nlohmann::json();
    j["seconds_to_target"] = seconds_to_target ? nlohmann::json(*seconds_to_target) : nlohmann::json();
    j["seconds"] = seconds;
    nlohmann::json points = nlohmann::json::array();
    for (const Point& p : curve) points.push_back({p.iteration, p.seconds, number_or_null(p.validation_metric)});
    j["curve"] = points;
    if (!same_run_as.empty()) j["same_run_as"] = same_run_as;
    if (!origin.empty()) j["origin"] = origin;
    return j.dump();
}

SuiteArm SuiteArm::from_json(const std::string& text, const std::string& where) {
    try {
        const auto j = nlohmann::json::parse(text);
        SuiteArm a;
        a.problem = j.at("problem");
        a.optimizer = j.at("optimizer");
        a.phase = j.at("phase");
        a.lr_used = j.at("lr");
        if (a.phase != "default") a.lr = a.lr_used;
        a.seed = j.at("seed");
        a.diverged = j.at("diverged");
        if (a.diverged) a.diverged_reason = j.at("diverged_reason");
        a.final_train_loss = number_or_nan(j.at("final_train_loss"));
        a.validation_metric = number_or_nan(j.at("validation_metric"));
        a.test_metric = number_or_nan(j.at("test_metric"));
        a.iterations = j.at("iterations");
        if (!j.at("iterations_to_target").is_null()) a.iterations_to_target = j.at("iterations_to_target").get<std::int64_t>();
        if (!j.at("seconds_to_target").is_null()) a.seconds_to_target = j.at("seconds_to_target").get<double>();
        a.seconds = j.at("seconds");
        for (const auto& p : j.at("curve")) a.curve.push_back({p.at(0).get<std::int64_t>(), p.at(1).get<double>(), number_or_nan(p.at(2))});
        a.same_run_as = j.value("same_run_as", std::string());
        a.origin = j.value("origin", std::string());
        return a;
    } catch (const nlohmann::json::exception& e) {
        throw IoError("suite: " + where + " is not an arm's result (" + e.what() + "); delete it to run the arm again");
    }
}

// ---- its run --------------------------------------------------------------------------------

SuiteArm run_arm(SuiteArm arm, const SuiteProblem& problem, const TrainTest* images, int threads,
                 const OptimizerCatalogue& optimizers) {
    const auto started = std::chrono::steady_clock::now();
    const ProblemInfo& info = problem_info(arm.problem);
    TrainConfig c;
    c.problem = arm.problem;
    c.optimizer = arm.optimizer;
    if (arm.lr) c.hyper["lr"] = HyperValue(*arm.lr);
    c.seed = arm.seed;
    c.threads = threads;
    c.batch = info.batch;
    c.epochs = 1000000;  // the budget is counted in iterations
    c.max_iterations = problem.iterations;
    c.max_evaluations = problem.iterations;  // the budget counts evaluations: L-BFGS makes several a step
    c.eval_every = problem.eval_every;
    c.validation = problem.validation;
    c.nonfinite = "error";
    c.divergence = "error";  // a loss beyond 10^6 × the first stops the arm: a result, not an error
    c.validate();

    std::vector<double> losses;
    losses.reserve(std::size_t(problem.iterations));
    TrainObserver observer;
    observer.iteration = [&](std::int64_t, std::int64_t, std::int64_t, double loss, double) { losses.push_back(loss); };
    observer.validated = [&](std::int64_t iteration, double seconds, const Evaluation& e) {
        arm.curve.push_back({iteration, seconds, e.metric});
        const bool reached = problem.lower_is_better ? e.metric <= problem.target : e.metric >= problem.target;
        if (reached && !arm.iterations_to_target) {
            arm.iterations_to_target = iteration;
            arm.seconds_to_target = seconds;
        }
    };
    arm.lr_used = arm.lr ? *arm.lr : detail::default_lr(optimizers, arm.optimizer);
    try {
        const TrainResult r = train(c, TrainPaths{}, observer, info.images ? images : nullptr, optimizers);
        // Stopped by SIGINT/SIGTERM (Ctrl-C, or mpirun ending the job): not a result.
        if (r.interrupted) throw SuiteInterrupted(r.signal, arm.file_name());
        const EpochRecord& last = r.epochs.back();
        arm.iterations = r.iterations;
        // The end of the budget is the curve's last point (evaluated once, at the epoch's end).
        if (last.validation_accuracy && (arm.curve.empty() || arm.curve.back().iteration != r.evaluations)) {
            observer.validated(r.evaluations, r.training_seconds, Evaluation{*last.validation_loss, *last.validation_accuracy});
        }
        arm.test_metric = last.test_accuracy;  // the problem's metric (the field keeps its old name)
        arm.validation_metric = last.validation_accuracy.value_or(kNaN);
        const std::size_t tail = std::max<std::size_t>(1, losses.size() / 10);
        double sum = 0;
        for (std::size_t i = losses.size() - tail; i < losses.size(); ++i) sum += losses[i];
        arm.final_train_loss = sum / double(tail);
        if (!std::isfinite(arm.test_metric) || !std::isfinite(arm.validation_metric)) {
            arm.diverged = true;
            arm.diverged_reason = "the metric is not finite at the end";
        }
    } catch (const NonFiniteError& e) {
        arm.diverged = true;
        arm.diverged_reason = e.what();
    } catch (const DivergenceError& e) {
        arm.diverged = true;
        arm.diverged_reason = e.what();
    }
    if (arm.diverged) {
        arm.iterations = std::int64_t(losses.size());
        arm.final_train_loss = arm.validation_metric = arm.test_metric = kNaN;
        arm.iterations_to_target.reset();
        arm.seconds_to_target.reset();
    }
    arm.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return arm;
}

}  // namespace optlab::experiment
