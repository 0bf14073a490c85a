// SPDX-License-Identifier: MIT
// `optlab train`: an MLP on labelled images (problems/image_classification.hpp) through the one
// training loop (train/loop.hpp), with a schedule, clipping, the non-finite and divergence
// policies, CSV/JSON records (train/run_log.hpp) and checkpoints that hold everything a resumed
// run needs to continue bit for bit (train/checkpoint.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "optlab/data/dataset.hpp"
#include "optlab/data/sampler.hpp"
#include "optlab/problems/problem.hpp"
#include "optlab/train/checkpoint.hpp"
#include "optlab/train/config.hpp"
#include "optlab/train/optimizer_catalogue.hpp"
#include "optlab/train/process.hpp"
#include "optlab/train/run_log.hpp"

namespace optlab {

struct TrainResult {
    std::string metric = "accuracy";  // the problem's metric, in the records' *_accuracy fields
    std::vector<EpochRecord> epochs;  // the whole run's, a resumed run's earlier ones included
    std::int64_t iterations = 0, skipped_steps = 0;
    std::int64_t evaluations = 0;   // of the loss and gradient (L-BFGS: several an iteration)
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
    /// When set, every eval_every evaluations of the loss and gradient (the iterations, but for
    /// L-BFGS) evaluate the validation split (the problem must have one) and report it here —
    /// those evaluations so far, seconds spent in training iterations so far, the evaluation —
    /// instead of logging the test split: what a time-to-target needs (experiment/suite.hpp).
    std::function<void(std::int64_t, double, const Evaluation&)> validated;
};

struct TrainPaths {
    std::filesystem::path out_dir;     // CSV/JSON outputs ("" for none)
    std::filesystem::path checkpoint;  // written at every epoch end and on SIGINT/SIGTERM
    std::filesystem::path resume;      // continue from this checkpoint
};

/// A run's problem as train() makes it from its config: the data loaded (or given, and
/// copied), the validation split held out of the training set, the model made and initialised
/// from the seed — and the order in which train() draws its batches.
class RunProblem {
  public:
    /// Throws InvalidArgument for a config that cannot run, IoError for data that cannot be read.
    explicit RunProblem(const TrainConfig& config, const TrainTest* data = nullptr);
    RunProblem(const RunProblem&) = delete;
    RunProblem& operator=(const RunProblem&) = delete;

    Problem& problem() { return *problem_; }
    /// The config it was made from (its problem, data, model, batch, seed and validation).
    const TrainConfig& config() const { return config_; }
    /// The training examples in train()'s order: every run on this problem starts from it.
    ShuffledSampler sampler() const;
    /// The next batch of that order, walking its epochs one batch at a time (for a loop
    /// written by hand); valid until the next call.
    std::span<const std::uint32_t> next_batch();
    /// The problem's train_batch on examples named by hand, checked first: InvalidArgument for
    /// an empty batch, one larger than the problem takes, or an example it does not have.
    BatchResult train_batch(std::span<const std::uint32_t> batch, bool backward);
    /// The problem's evaluate(), refusing (InvalidArgument) a validation split it does not have.
    Evaluation evaluate(Split split);

  private:
    TrainConfig config_;
    TrainTest data_;                     // the image problems' (the model points into it)
    std::optional<Dataset> validation_;  // held out of data_.train
    std::unique_ptr<Problem> problem_;
    std::optional<ShuffledSampler> order_;  // next_batch()'s, and where it is
    std::int64_t order_batch_ = 0;
};

/// Runs (or resumes) a training. With `paths.resume`, the architecture, optimizer and data
/// come from the checkpoint; `config` may only change epochs, max_iterations, threads,
/// eval_every and the paths. The optimizer is the one `optimizers` makes for config.optimizer
/// (the registry's, by default). Throws Error subclasses naming what is wrong: NonFiniteError
/// names the step and the tensor, DivergenceError (under --divergence error) the iteration.
TrainResult train(TrainConfig config, const TrainPaths& paths, const TrainObserver& observer = {},
                  const TrainTest* data = nullptr, const OptimizerCatalogue& optimizers = OptimizerCatalogue());

/// Trains `problem` on from its parameters as they are, with a new optimizer, sampler (its
/// sampler(): the first run's order), schedule and loop as `config` says; config's problem
/// settings are ignored for the problem's own. Writes no files. The problem is shared with the
/// optimizer, which may keep it alive (a Python optimizer's NumPy views of its parameters).
TrainResult train(TrainConfig config, std::shared_ptr<RunProblem> problem, const TrainObserver& observer,
                  const OptimizerCatalogue& optimizers);

/// The JSON object of a result (test_accuracy, test_loss, train_loss, epochs, iterations,
/// seconds, samples_per_second, ...).
std::string result_json(const TrainConfig& config, const TrainResult& result);

}  // namespace optlab
