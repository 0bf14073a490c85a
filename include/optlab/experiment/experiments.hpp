// SPDX-License-Identifier: MIT
// The lecture's experiments (the book's chapter 6; ../shared/EXPERIMENTS.md E1-E4), each a
// function that computes the data, and a writer that keeps it as CSV and draws it (PNG, SVG):
//   E1 trajectories   optimizer paths on a 2-D function, one panel each
//   E2 compare        optimizers on Fashion-MNIST over several seeds, with an lr sweep
//   E3 init_histogram activations of 5 layers under different initial weights
//   E4 init_compare   training loss under std 0.01, Xavier and He
// The computations are separate from the drawing so tests can check the lecture's claims on
// the numbers, not on the pictures.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "optlab/data/dataset.hpp"
#include "optlab/optim/convention.hpp"
#include "optlab/optim/hyper.hpp"
#include "optlab/problems/functions2d.hpp"

namespace optlab::experiment {

using Log = std::function<void(const std::string&)>;

/// One optimizer with its hyper-parameters: "sgd:lr=0.95" or
/// "momentum:lr=0.1;momentum=0.5" or "adam:lr=0.3;betas=0.9/0.999".
struct Arm {
    std::string label;      // shown in legends and tables
    std::string optimizer;  // registry name
    HyperParams hyper;
    std::string init = "he";          // E4 varies these
    std::string activation = "relu";
};
/// Parses a comma-separated list of arms; throws InvalidArgument naming the bad part.
std::vector<Arm> parse_arms(std::string_view list);

// ---- E1 -------------------------------------------------------------------------------------

struct TrajectorySpec {
    std::string title;
    std::string function = "ravine";
    Point2 start{-7.0, 2.0};
    int steps = 30;
    Convention convention = Convention::book;
    std::vector<Arm> arms;
    int columns = 2;  // panels per row
    Point2 x_range{-10, 10}, y_range{-10, 10};
};
struct Path {
    Arm arm;
    std::vector<Point2> points;  // the start and the point after each update
    std::vector<double> f;
};
/// "book" (E1: SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3), "lecture" (the six-panel
/// comparison: + NAG 0.08, RMSprop 0.2), "ravine-momentum" (SGD with and without momentum),
/// "local-minima" (SGD stops in the shallow well, Momentum rolls on).
TrajectorySpec trajectory_preset(std::string_view name);
std::vector<Path> run_trajectories(const TrajectorySpec& spec);
/// Writes <stem>.csv (arm,step,x,y,f) and draws <stem>.png/.svg.
void write_trajectories(const std::filesystem::path& stem, const TrajectorySpec& spec,
                        const std::vector<Path>& paths);

// ---- E2 and E4 ------------------------------------------------------------------------------

struct CompareSpec {
    std::vector<Arm> arms;
    Convention convention = Convention::book;
    std::int64_t iterations = 2000;
    int seeds = 3;
    std::size_t batch = 128;
    std::string net = "784-100-100-100-100-10";
    int threads = 0;
    /// lr sweep: each arm runs at `sweep_points` learning rates log-spaced over
    /// [sweep_lo, sweep_hi] and is reported at its best (lowest final loss).
    std::optional<std::array<double, 2>> sweep;
    int sweep_points = 7;
};
struct CompareRun {
    std::string label;
    double lr = 0;
    std::uint64_t seed = 0;
    std::vector<double> loss;  // per iteration, on its batch
    double final_loss = 0;     // mean raw loss of the last 100 iterations
    double test_accuracy = 0;
    double ms_per_iteration = 0;
};
struct CompareRow {
    std::string label;
    double lr = 0;
    double final_loss_mean = 0, final_loss_std = 0;
    double smoothed_last_mean = 0;  // the smoothed curve at the last iteration
    double test_accuracy_mean = 0, test_accuracy_std = 0;
    double ms_per_iteration = 0;
};
struct CompareResult {
    std::vector<CompareRun> runs;
    std::vector<CompareRow> table;  // one row per arm (at its best lr when sweeping)
    std::vector<CompareRow> sweep;  // every (arm, lr) when sweeping
};
/// E2: the book's optimizers at their book defaults.
CompareSpec compare_preset();
/// E4: SGD(0.01) with std 0.01, Xavier (the book's: std 1/√n) and He, ReLU and sigmoid.
CompareSpec init_compare_preset();
CompareResult run_compare(const CompareSpec& spec, const TrainTest& data, const Log& log = {});
/// The book's smooth_curve: a normalised Kaiser window (length 11, β = 2) over the mirrored
/// signal.
std::vector<double> smooth_curve(const std::vector<double>& x);
/// Writes <stem>-curves.csv, <stem>-runs.csv, <stem>-table.csv (and -sweep.csv), and draws
/// <stem>.png/.svg: the smoothed loss of each arm, the mean across seeds with a min-max band.
void write_compare(const std::filesystem::path& stem, const CompareSpec& spec,
                   const CompareResult& result, const std::string& title, double y_max);

// ---- E3 -------------------------------------------------------------------------------------

struct HistogramSpec {
    std::vector<std::string> activations = {"sigmoid", "tanh", "relu"};
    std::vector<std::string> inits = {"std=1", "std=0.01", "xavier", "he"};
    int layers = 5, nodes = 100, samples = 1000, bins = 30;
    std::uint64_t seed = 1;
};
struct LayerHistogram {
    std::string activation, init;
    int layer = 0;                  // 1-based
    double lo = 0, hi = 1;          // binning range: (0,1), tanh (−1,1)
    std::vector<std::size_t> counts;
    double mean = 0, std = 0, outside = 0;  // outside: fraction of values beyond [lo, hi]
};
/// E3: 1000 inputs N(0,1)^100 through 5 layers of 100 units, no bias; weights N(0, s²) with s
/// 1, 0.01, √(1/n) ("xavier", the book's) or √(2/n) ("he").
std::vector<LayerHistogram> run_init_histogram(const HistogramSpec& spec);
/// Writes <stem>.csv and one grid per activation: <stem>-<activation>.png/.svg.
void write_init_histogram(const std::filesystem::path& stem, const HistogramSpec& spec,
                          const std::vector<LayerHistogram>& result);

}  // namespace optlab::experiment
