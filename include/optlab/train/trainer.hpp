// SPDX-License-Identifier: MIT
// Training an MLP on labelled images, glued as plainly as llm.c's main: for each batch,
// forward, loss, zero_grad, backward, (non-finite check), clip, step, schedule. Per-iteration
// and per-epoch records go to CSV/JSON; checkpoints (safetensors) hold everything a resumed
// run needs to continue bit for bit: weights, BatchNorm statistics, optimizer state, step
// counters, the shuffling and dropout generators, the position in the epoch and the config.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "optlab/data/dataset.hpp"
#include "optlab/optim/convention.hpp"
#include "optlab/optim/hyper.hpp"

namespace optlab {

struct TrainConfig {
    std::string dataset = "fashion-mnist";  // a named dataset, or
    std::string data_dir;                   // any MNIST-layout folder (wins when set)
    std::string net = "784-100-100-100-100-10";
    std::string activation = "relu";
    std::string init = "he";
    std::string loss = "cross-entropy";
    bool batchnorm = false;
    double dropout = 0.0;
    std::string optimizer = "adam";
    HyperParams hyper;  // as given; unset ones take the convention's defaults
    Convention convention = Convention::torch;
    std::size_t batch = 128;
    std::int64_t epochs = 5;
    std::int64_t max_iterations = 0;  // stop after this many updates in total (0: no limit)
    std::uint64_t seed = 1;
    std::size_t validation = 0;       // training samples held out for validation
    std::string schedule = "constant";
    std::string schedule_unit = "epoch";  // when the schedule steps: epoch or iteration
    std::string clip;                     // "" or KIND:THRESHOLD (value, norm, global-norm)
    std::string nonfinite = "error";      // error or skip
    std::int64_t max_consecutive = 10;    // skip: give up after this many skips in a row
    int threads = 0;                      // 0: all cores
    std::int64_t eval_every = 0;          // also evaluate the test set every N iterations (0: per epoch only)

    /// Throws InvalidArgument naming the first field out of range.
    void validate() const;
};

struct EpochRecord {
    std::int64_t epoch = 0, iterations = 0;
    bool partial = false;  // --max-iterations ended the run inside this epoch
    double train_loss = 0, train_accuracy = 0;
    double test_loss = 0, test_accuracy = 0;
    std::optional<double> validation_loss, validation_accuracy;
    double lr = 0, seconds = 0;
};

struct TrainResult {
    std::vector<EpochRecord> epochs;
    std::int64_t iterations = 0, skipped_steps = 0;
    double seconds = 0;             // the whole run: loading, training, evaluation
    double samples_per_second = 0;  // training throughput: samples over the time in iterations
    bool interrupted = false;  // stopped by SIGINT/SIGTERM
    int signal = 0;
    std::string checkpoint;    // written at the end, if any
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
    /// After every iteration: epoch (1-based), batch within it, batches per epoch, loss, lr.
    std::function<void(std::int64_t, std::int64_t, std::int64_t, double, double)> iteration;
    std::function<void(const EpochRecord&)> epoch;
};

struct TrainPaths {
    std::filesystem::path out_dir;     // CSV/JSON outputs ("" for none)
    std::filesystem::path checkpoint;  // written at every epoch end and on SIGINT/SIGTERM
    std::filesystem::path resume;      // continue from this checkpoint
};

/// Runs (or resumes) a training. With `paths.resume`, the architecture, optimizer and data
/// come from the checkpoint; `config` may only change epochs, max_iterations, threads,
/// eval_every and the paths. Throws Error subclasses naming what is wrong; NonFiniteError names
/// the step and the tensor.
TrainResult train(TrainConfig config, const TrainPaths& paths, const TrainObserver& observer = {},
                  const TrainTest* data = nullptr);

/// Reads the config stored in a checkpoint (for `--resume` with no other flags).
TrainConfig checkpoint_config(const std::filesystem::path& checkpoint);

/// Asks a running train() to stop at the next iteration boundary as if signalled (tests).
void request_stop(int signal);

/// The JSON object of a result (test_accuracy, test_loss, train_loss, epochs, iterations,
/// seconds, samples_per_second, ...).
std::string result_json(const TrainConfig& config, const TrainResult& result);

}  // namespace optlab
