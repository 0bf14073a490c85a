// SPDX-License-Identifier: MIT
// `optlab train`: an MLP on labelled images (problems/image_classification.hpp) through the one
// training loop (train/loop.hpp), with a schedule, clipping, the non-finite and divergence
// policies, CSV/JSON records (train/run_log.hpp) and checkpoints that hold everything a resumed
// run needs to continue bit for bit (train/checkpoint.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "optlab/data/dataset.hpp"
#include "optlab/problems/problem.hpp"
#include "optlab/train/checkpoint.hpp"
#include "optlab/train/config.hpp"
#include "optlab/train/process.hpp"
#include "optlab/train/run_log.hpp"

namespace optlab {

struct TrainResult {
    std::string metric = "accuracy";  // the problem's metric, in the records' *_accuracy fields
    std::vector<EpochRecord> epochs;  // the whole run's, a resumed run's earlier ones included
    std::int64_t iterations = 0, skipped_steps = 0;
    double seconds = 0;             // this process's part: loading, training, evaluation
    double samples_per_second = 0;  // training throughput: samples over the time in iterations
    double training_seconds = 0;    // the time in iterations (this process's part)
    bool interrupted = false;  // stopped by SIGINT/SIGTERM
    int signal = 0;
    std::string checkpoint;    // written at the end, if any
    /// The divergence check (--divergence): the first iteration whose finite loss exceeded
    /// divergence_factor × the first loss.
    struct Divergence {
        std::int64_t iteration = 0;
        double loss = 0, first_loss = 0;
    };
    std::optional<Divergence> diverged;
    /// What the run held in memory (bytes): peak_rss − baseline_rss − library_pages is what
    /// training added to the process; it stays within dataset + 1.5 × model
    /// (docs/performance.md#memory).
    struct Memory {
        std::uint64_t baseline_rss = 0;   // resident set when train() started
        std::uint64_t peak_rss = 0;       // the process's peak resident set at the end of training
        std::uint64_t library_pages = 0;  // shared libraries' code paged in meanwhile (OpenBLAS's kernels)
        std::uint64_t dataset_bytes = 0;  // pixels and labels of every split
        std::uint64_t model_bytes = 0;    // parameters, gradients, optimizer state, activations
    } memory;
};

/// What a run reports as it goes (the CLI draws a progress bar or prints lines).
struct TrainObserver {
    std::function<void(const std::string&)> info;
    /// Something the user should know even when progress is not shown (divergence).
    std::function<void(const std::string&)> warning;
    /// After every update: epoch (1-based), batch within it, batches per epoch, loss, lr.
    std::function<void(std::int64_t, std::int64_t, std::int64_t, double, double)> iteration;
    std::function<void(const EpochRecord&)> epoch;
    /// When set, every eval_every iterations evaluate the validation split (the problem must
    /// have one) and report it here — iteration, seconds spent in training iterations so far,
    /// the evaluation — instead of logging the test split: what a time-to-target needs
    /// (experiment/suite.hpp).
    std::function<void(std::int64_t, double, const Evaluation&)> validated;
};

struct TrainPaths {
    std::filesystem::path out_dir;     // CSV/JSON outputs ("" for none)
    std::filesystem::path checkpoint;  // written at every epoch end and on SIGINT/SIGTERM
    std::filesystem::path resume;      // continue from this checkpoint
};

/// Runs (or resumes) a training. With `paths.resume`, the architecture, optimizer and data
/// come from the checkpoint; `config` may only change epochs, max_iterations, threads,
/// eval_every and the paths. Throws Error subclasses naming what is wrong: NonFiniteError
/// names the step and the tensor, DivergenceError (under --divergence error) the iteration.
TrainResult train(TrainConfig config, const TrainPaths& paths, const TrainObserver& observer = {},
                  const TrainTest* data = nullptr);

/// The JSON object of a result (test_accuracy, test_loss, train_loss, epochs, iterations,
/// seconds, samples_per_second, ...).
std::string result_json(const TrainConfig& config, const TrainResult& result);

}  // namespace optlab
