// SPDX-License-Identifier: MIT
// E2 and E4: optimizers (or initial weights) compared on Fashion-MNIST over several seeds,
// optionally each over a learning-rate sweep, by the book's protocol (ch. 6): every iteration
// draws one batch with replacement — the same batches for every arm of a seed — updates, and
// records that batch's loss after the update. It runs through the one training loop
// (train/loop.hpp): the protocol is a sampler (WithReplacementSampler) and a loss timing
// (LossTiming::after_update), not a loop of its own.
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "optlab/data/dataset.hpp"
#include "optlab/experiment/arms.hpp"
#include "optlab/language/language.hpp"
#include "optlab/optim/convention.hpp"

namespace optlab::experiment {

using Log = std::function<void(const std::string&)>;

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
    std::vector<double> loss;  // per iteration, on its batch after the update (NaN: skipped)
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
/// E4: SGD(0.01) on ReLU networks with std 0, std 0.01, Xavier (the book's: std 1/√n) and He;
/// SGD(kSigmoidLr) on sigmoid networks with std 0.01 and Xavier.
CompareSpec init_compare_preset();
inline constexpr double kSigmoidLr = 1.0;
CompareResult run_compare(const CompareSpec& spec, const TrainTest& data, const Log& log = {});
/// The book's smooth_curve: a normalised Kaiser window (length 11, β = 2) over the mirrored
/// signal.
std::vector<double> smooth_curve(const std::vector<double>& x);
/// Writes <stem>-curves.csv, <stem>-runs.csv, <stem>-table.csv (and -sweep.csv), and draws
/// <stem>.png/.svg: the smoothed loss of each arm, the mean across seeds with a min-max band.
void write_compare(const std::filesystem::path& stem, const CompareSpec& spec,
                   const CompareResult& result, const std::string& title, double y_max,
                   Lang lang = Lang::en);

}  // namespace optlab::experiment
