// SPDX-License-Identifier: MIT
// The training loop: one for `optlab train`, the lecture's comparisons and every problem to
// come. For each batch the sampler names: zero_grad, forward and backward (the problem's),
// the non-finite check, clipping, the optimizer's step, the schedule — then the caller's hooks
// record what they want. An optimizer that evaluates the loss again within its step (L-BFGS)
// is given the same forward, backward and clipping on the same batch as its closure, and the
// loop counts every evaluation. The loop owns no output: the trainer writes CSV and checkpoints, a
// comparison keeps curves in memory, both from the same hooks.
//
// Everything the loop needs to continue exactly where it stopped is in LoopState (plus the
// optimizer's, the schedule's, the sampler's and the problem's own state): a checkpoint saves
// them all, and a resumed run is bit for bit the run that never stopped.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "optlab/data/sampler.hpp"
#include "optlab/optim/optimizer.hpp"
#include "optlab/problems/problem.hpp"
#include "optlab/train/schedule.hpp"
#include "optlab/transform/clip.hpp"

namespace optlab {

/// What to do with a NaN or infinite loss or gradient.
enum class NonFinitePolicy { error, skip };

/// Which loss an iteration reports: the batch's loss at the parameters it was computed at
/// (torch's and Keras' running loss), or the same batch's loss after the update (the book's
/// protocol, ch. 6: one more forward pass per iteration).
enum class LossTiming { before_update, after_update };

struct LoopOptions {
    std::int64_t epochs = 1;
    std::int64_t max_iterations = 0;  // stop after this many iterations in all (0: no limit)
    std::int64_t max_evaluations = 0;  // ... or once this many evaluations are done (0: no limit)
    /// Batches whose gradients one step averages (Keras' gradient_accumulation_steps): an
    /// iteration is one optimizer step; the last of an epoch takes the batches left. Must be
    /// 1 with LossTiming::after_update.
    std::int64_t accumulate = 1;
    NonFinitePolicy nonfinite = NonFinitePolicy::error;
    std::int64_t max_consecutive = 10;  // skip: give up after this many skips in a row (0: never)
    LossTiming loss_timing = LossTiming::before_update;
    std::optional<GradClip> clip;
    /// A finite loss above divergence_factor × the first iteration's loss counts as diverged
    /// (0: never); see LoopHooks::diverged.
    double divergence_factor = 0;
};

/// Where the loop is: saved in checkpoints, so every counter survives a resume.
struct LoopState {
    std::int64_t epoch = 0;           // epochs completed
    std::int64_t batch_in_epoch = 0;  // batches done in the current epoch
    std::int64_t iteration = 0;       // iterations attempted in all (skipped ones included)
    std::int64_t evaluations = 0;     // loss-and-gradient evaluations in all (L-BFGS: several an iteration)
    std::int64_t skipped = 0;         // non-finite steps skipped, in all
    std::int64_t consecutive = 0;     // ... and in a row, now
    double first_loss = 0;            // the first update's loss (the divergence reference)
    std::int64_t diverged_at = 0;     // the iteration the divergence check fired at (0: never)
    double diverged_loss = 0;         // ... and its loss
    // The current epoch's sums over its finished iterations.
    double epoch_loss_sum = 0;
    std::int64_t epoch_loss_count = 0;
    double epoch_metric_sum = 0;
    std::int64_t epoch_seen = 0;
};

/// One iteration as the loop saw it.
struct IterationRecord {
    std::int64_t iteration = 0;  // 1-based, in all
    std::int64_t epoch = 0;      // 1-based
    std::int64_t batch = 0;      // 1-based, within the epoch: the step's last batch
    std::int64_t batches = 0;    // in the epoch
    std::size_t rows = 0;        // of all the step's batches
    double loss = 0;             // as LossTiming says; for a skipped step, the non-finite loss
    double lr = 0;               // group 0's learning rate after this iteration's schedule step
    bool skipped = false;
    double seconds = 0;          // sampling, forward, backward, update
    std::int64_t evaluations = 1;  // of the loss and gradient on the step's batches (the closure's calls)
};

/// An epoch as it ends (partial: --max-iterations or a stop request ended it early).
struct EpochEnd {
    std::int64_t epoch = 0;  // 1-based
    bool partial = false;
    double train_loss = 0;    // mean of its finite iteration losses (NaN if none)
    double train_metric = 0;  // metric sum over examples seen (NaN if none)
};

struct LoopHooks {
    /// Polled before every iteration: true stops the loop (a signal arrived).
    std::function<bool()> stop_requested;
    /// After every iteration, skipped ones included.
    std::function<void(const IterationRecord&)> iteration;
    /// At every epoch's end; returns the metric a per-epoch schedule steps on (the validation
    /// loss, say). Partial epochs are reported too, but step nothing.
    std::function<double(const EpochEnd&)> epoch;
    /// After a whole epoch's bookkeeping and schedule step: the moment to checkpoint.
    std::function<void()> epoch_done;
    /// The first time a finite loss exceeds divergence_factor × the first loss.
    std::function<void(const IterationRecord&, double first_loss)> diverged;
};

/// How the loop ended.
enum class LoopEnd { finished, max_iterations, stopped };

/// Runs (or continues, from `state`) the loop until `options.epochs` epochs are done, the
/// iteration limit is reached or a stop is requested. Throws NonFiniteError under
/// NonFinitePolicy::error, and when skipping gives up.
LoopEnd run_training_loop(Problem& problem, Optimizer<float>& optimizer, BatchSampler& sampler,
                          TrainingSchedule* schedule, const LoopOptions& options,
                          LoopState& state, const LoopHooks& hooks);

}  // namespace optlab
