// SPDX-License-Identifier: MIT
// `optlab suite`: which optimizer, on every problem — the lecture's question answered the way
// researchers do (DeepOBS; Schmidt et al. 2021, "Descending through a Crowded Valley"; MLCommons
// AlgoPerf), sized for two cores. The protocol (docs/suite.md):
//   default  every optimizer at its default hyper-parameters, once per seed ("one-shot");
//   tune     each optimizer's learning rate over one log-spaced grid shared by all, on seed 1,
//            scored by the validation metric;
//   seed     the best learning rate again on seeds 2..S (seed 1 is its tuning run).
// Every arm is one `train()` of a problem for the problem's suite budget, its validation metric
// evaluated along the way for the time-to-target. Each arm's result is its own file, written
// atomically, so a killed suite resumes where it was and ends as an uninterrupted one would.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "optlab/core/error.hpp"
#include "optlab/data/dataset.hpp"
#include "optlab/language/language.hpp"
#include "optlab/train/optimizer_catalogue.hpp"

namespace optlab::experiment {

/// What a suite measures on one problem: its budget, how often it evaluates, and the target
/// its time-to-target counts to (docs/suite.md gives each and why).
struct SuiteProblem {
    std::string name;
    std::int64_t iterations = 0;  // the budget of every arm
    std::int64_t eval_every = 0;  // validation evaluations for the time-to-target
    double target = 0;            // of the validation metric
    bool lower_is_better = false;
    std::string metric;  // "accuracy", "loss", ...
    std::size_t validation = 0;  // image problems: training samples held out for validation
    std::size_t test = 0;        // image problems: test images scored (--quick: the first 2000)
};
/// The suite's settings for problem `name`, full or --quick.
SuiteProblem suite_problem(const std::string& name, bool quick);
/// The images the suite trains and scores on: Fashion-MNIST as loaded, or under --quick with
/// only its first kQuickTestImages test images (scoring all 10 000 would cost a quick CNN arm
/// more than its training).
inline constexpr std::size_t kQuickTestImages = 2000;
TrainTest suite_images(TrainTest all, bool quick);

struct SuiteProtocol {
    std::vector<std::string> problems;    // default: every problem
    std::vector<std::string> optimizers;  // default: the lecture's seven and AdamW, Lion, Muon, Schedule-Free AdamW
    int grid = 5;                         // learning rates in the tuning grid (--budget)
    int seeds = 3;
    bool quick = false;
    double lr_lo = 1e-4, lr_hi = 1.0;  // the grid's ends
    /// Where the optimizers' names come from: the registry, and optimizers brought from
    /// outside it (Python classes, through optlab.suite.run). Not part of to_json(): each arm
    /// keeps its optimizer's origin instead.
    OptimizerCatalogue catalogue;

    /// The defaults, with --quick's smaller grid and fewer seeds.
    static SuiteProtocol defaults(bool quick);
    /// Throws InvalidArgument naming the flag and value when a setting cannot run (an
    /// external optimizer without a default learning rate cannot: the default phase needs one).
    void validate() const;
    /// The grid's learning rates, log-spaced over [lr_lo, lr_hi].
    std::vector<double> learning_rates() const;
    /// As JSON: what a results folder was made with (a rerun with another is refused).
    std::string to_json() const;
};

/// SIGINT or SIGTERM stopped an arm: it is not a result (nothing is written for it); the
/// finished arms are kept and the same command resumes.
class SuiteInterrupted : public Error {
  public:
    SuiteInterrupted(int signal, const std::string& arm)
        : Error("suite: interrupted by signal " + std::to_string(signal) + " during " + arm +
                "; the finished arms are kept: run the same command again to resume"),
          signal_(signal) {}
    int signal() const { return signal_; }

  private:
    int signal_;
};

/// One training run of the suite, and what it measured.
struct SuiteArm {
    std::string problem, optimizer;
    std::string phase;           // "default", "tune" or "seed"
    std::optional<double> lr;    // set for tune and seed; default arms run the optimizer's own
    std::uint64_t seed = 1;
    std::string origin;  // "" for a registry optimizer; what made an external one ("python:mod.Class")

    // Results.
    double lr_used = 0;  // the learning rate the arm ran at
    bool diverged = false;       // a non-finite or exploding loss stopped it (a result, not an error)
    std::string diverged_reason;
    double final_train_loss = 0;   // mean loss of its last 10% of iterations (NaN when diverged)
    double validation_metric = 0;  // at the end of the budget
    double test_metric = 0;
    std::int64_t iterations = 0;
    // Counted in evaluations of the loss and gradient — the iterations, but for L-BFGS, whose
    // step evaluates up to max_eval times: what a method pays for, so the profiles by
    // "iterations" compare it fairly (the budget counts evaluations too).
    std::optional<std::int64_t> iterations_to_target;
    std::optional<double> seconds_to_target;  // training seconds (evaluations excluded)
    double seconds = 0;                       // the whole arm: data, training, evaluations
    struct Point {
        std::int64_t iteration;  // the evaluations so far (the iterations, but for L-BFGS)
        double seconds, validation_metric;
    };
    std::vector<Point> curve;  // the validation metric along the way
    // Set when the arm was not run because another arm is the same run: a tuning arm at the
    // optimizer's default learning rate is its seed-1 default arm (that arm's file name).
    std::string same_run_as;

    /// A file name that says what the arm is: "fmnist-mlp/tune-adam-lr0.001-seed1.json".
    std::string file_name() const;
    std::string to_json() const;
    static SuiteArm from_json(const std::string& text, const std::string& where);
};

/// Per problem and optimizer, over seeds: how it did at its defaults and tuned.
struct SuiteRow {
    std::string problem, optimizer;
    double best_lr = 0;                       // from the tuning grid (NaN: every lr diverged)
    double tuned_mean = 0, tuned_min = 0, tuned_max = 0;        // test metric over seeds
    double default_mean = 0, default_min = 0, default_max = 0;  // the same at defaults
    std::optional<double> iterations_to_target;  // median over the tuned seeds (none: not reached by most)
    std::optional<double> seconds_to_target;
    bool applicable = true;  // false: the optimizer cannot train this problem (Muon without matrices)
    int rank = 0;            // 1 = best tuned mean on this problem; 0 when not applicable
    bool tied = false;  // its seeds' range overlaps the winner's
};

struct SuiteResult {
    SuiteProtocol protocol;
    std::vector<SuiteProblem> problems;
    std::vector<SuiteArm> arms;  // in plan order
    std::vector<SuiteRow> rows;  // problem-major, in the protocol's optimizer order
    /// Performance profiles (AlgoPerf): for each optimizer, ρ(τ) = the fraction of problems it
    /// reached the target within τ × the fastest optimizer's time, τ over [1, kTauMax]; the
    /// score is ρ's mean over that range (1 = fastest everywhere, 0 = never reached).
    static constexpr double kTauMax = 4.0;
    std::vector<double> taus;
    std::vector<std::vector<double>> profile_iterations, profile_seconds;  // [optimizer][tau]
    std::vector<double> score_iterations, score_seconds;                   // per optimizer
    std::vector<std::string> winners;  // per problem: the optimizer ranked first when tuned
};

struct SuiteObserver {
    /// Before each arm: its number (1-based), how many arms there are, the arm, and an estimate
    /// of the seconds left (negative: none yet).
    std::function<void(std::size_t, std::size_t, const SuiteArm&, double)> arm_started;
    std::function<void(const std::string&)> info;
};

/// Who runs a stage's arms: this process, one after another (LocalWorkers), or the ranks of an
/// MPI job (experiment/suite_mpi.hpp). Only the root process calls run(); the others serve it.
class SuiteWorkers {
  public:
    virtual ~SuiteWorkers() = default;
    /// Processes running arms (for the estimate of the time left).
    virtual int count() const { return 1; }
    /// Runs every arm of `pending` somewhere, and calls `finished` here with each result, in
    /// any order, as it arrives.
    virtual void run(const std::vector<SuiteArm>& pending, const std::function<void(const SuiteArm&)>& finished) = 0;
    /// No more stages: the other processes may stop.
    virtual void finish() {}
};

class LocalWorkers final : public SuiteWorkers {
  public:
    /// `images`: Fashion-MNIST for the image problems (null when none is run); `optimizers`:
    /// the protocol's catalogue, which makes each arm's optimizer.
    LocalWorkers(bool quick, const TrainTest* images, int threads, OptimizerCatalogue optimizers = {});
    void run(const std::vector<SuiteArm>& pending, const std::function<void(const SuiteArm&)>& finished) override;

  private:
    bool quick_;
    const TrainTest* images_;
    int threads_;
    OptimizerCatalogue optimizers_;
};

/// The images the protocol's image problems train and score on (suite_images of the named
/// dataset, or of an MNIST-layout folder when `data_dir` is set), or none when it has no
/// image problem; `info` hears that they are being loaded.
std::optional<TrainTest> load_suite_images(const SuiteProtocol& protocol, const std::string& dataset,
                                           const std::string& data_dir,
                                           const std::function<void(const std::string&)>& info = {});

/// Runs (or resumes) the suite into `dir`: arms already in dir/arms are read, not rerun. A
/// folder whose arms were run under another grid, seeds, quick or problem settings is refused
/// (InvalidArgument saying what differs), and so is an arm file of an optimizer of the same
/// name but another origin; other problems or optimizers are welcome (their arms are added).
SuiteResult run_suite(const SuiteProtocol& protocol, const std::filesystem::path& dir, SuiteWorkers& workers,
                      const SuiteObserver& observer = {});

/// Whether `optimizer` can train `problem` at all: Muon trains only 2-D weights, and the
/// noisy quadratic has none. The suite runs no arm of such a pair and ranks it nowhere.
bool applicable(const std::string& problem, const std::string& optimizer, const OptimizerCatalogue& optimizers);
/// The arms of the first stage (defaults and tuning), which need nothing from one another.
std::vector<SuiteArm> plan_first_stage(const SuiteProtocol& protocol);
/// The seed arms, once the tuning arms of the first stage are done.
std::vector<SuiteArm> plan_second_stage(const SuiteProtocol& protocol, const std::vector<SuiteArm>& first);
/// Runs one arm (its results filled in) with the optimizer `optimizers` makes; throws
/// SuiteInterrupted when a signal stops it.
SuiteArm run_arm(SuiteArm arm, const SuiteProblem& problem, const TrainTest* images, int threads,
                 const OptimizerCatalogue& optimizers);
/// Ranks, winners, profiles and scores from the finished arms.
SuiteResult summarise_suite(const SuiteProtocol& protocol, std::vector<SuiteArm> arms);

/// suite.json, suite-arms.csv, suite-table.csv and the figures (PNG and SVG): performance
/// profile, rank heat map, per-problem curves with seed bands, learning-rate sensitivity.
void write_suite(const std::filesystem::path& dir, const SuiteResult& result, Lang lang = Lang::en);
std::string suite_json(const SuiteResult& result);

}  // namespace optlab::experiment
