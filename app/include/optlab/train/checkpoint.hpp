// SPDX-License-Identifier: MIT
// A training checkpoint: one safetensors file (docs/training.md#checkpoints) holding
// every piece of a run's state, so that a run resumed from it is bit for bit the run that
// never stopped:
//   model/<name>          the parameters                  model_buffers/<name>  BatchNorm statistics
//   optimizer/...         the optimizer's state (io/optimizer_state.hpp)
//   metadata checkpoint/  format, format_version, config (the settings), loop (the loop's
//                         counters and running sums), sampler, generators, schedule
// The run's records are not state: they go to the CSV files a resumed run appends to (a
// checkpoint written every epoch that carried the whole history would grow with the run).
#pragma once

#include <filesystem>
#include <string>

#include "optlab/data/sampler.hpp"
#include "optlab/optim/optimizer.hpp"
#include "optlab/problems/problem.hpp"
#include "optlab/train/config.hpp"
#include "optlab/train/loop.hpp"
#include "optlab/train/schedule.hpp"

namespace optlab {

inline constexpr int kCheckpointFormatVersion = 2;

/// The parts of a run a checkpoint saves and restores.
struct TrainingParts {
    Problem& problem;
    Optimizer<float>& optimizer;
    BatchSampler& sampler;
    TrainingSchedule& schedule;
    LoopState& loop;
};

/// Writes the run's whole state to `path` atomically.
void save_checkpoint(const std::filesystem::path& path, const TrainConfig& config,
                     const TrainingParts& run);

/// Restores a run saved by save_checkpoint into parts built afresh from its config. Refuses,
/// naming the file and what differs, a checkpoint that does not fit them.
void load_checkpoint(const std::filesystem::path& path, const TrainingParts& run);

/// Only the model (the weights the run evaluates, and its buffers) into a problem built from
/// the checkpoint's config: what `optlab sample` needs.
void load_checkpoint_model(const std::filesystem::path& path, Problem& problem);

/// The settings stored in a checkpoint; refuses a file that is not an optlab checkpoint of
/// this format version.
TrainConfig checkpoint_config(const std::filesystem::path& checkpoint);

}  // namespace optlab
