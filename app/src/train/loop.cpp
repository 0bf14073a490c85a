// SPDX-License-Identifier: MIT
// The training loop (train/loop.hpp).
#include "optlab/train/loop.hpp"

#include <bit>
#include <chrono>
#include <cmath>
#include <utility>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"

namespace optlab {

namespace {

using Clock = std::chrono::steady_clock;

// Whether no value is NaN or ±Inf: an exponent of all ones, tested on the bits so that the
// loop is an integer OR-reduction the compiler vectorises (a floating-point test is not).
bool all_finite(std::span<const float> values) {
    std::uint32_t all_ones_exponent = 0;
    for (float v : values) {
        const std::uint32_t bits = std::bit_cast<std::uint32_t>(v);
        all_ones_exponent |= std::uint32_t((bits & 0x7f800000u) == 0x7f800000u);
    }
    return all_ones_exponent == 0;
}

// "" when the loss and every gradient are finite; else what is not, naming the first tensor
// (names are looked up only on failure: the check itself is one pass over the arena).
std::string first_nonfinite(double loss, ParamStore<float>& store) {
    if (!std::isfinite(loss)) return "the loss (" + format_number(loss) + ")";
    if (all_finite(store.grads())) return "";
    for (std::size_t i = 0; i < store.num_tensors(); ++i) {
        for (float g : store.view(i).grad) {
            if (!std::isfinite(g)) {
                return "the gradient of " + store.info(i).name + " (" + format_number(g) + ")";
            }
        }
    }
    return "";
}

class Loop {
  public:
    Loop(Problem& problem, Optimizer<float>& optimizer, BatchSampler& sampler,
         TrainingSchedule* schedule, const LoopOptions& options, LoopState& state,
         const LoopHooks& hooks)
        : problem_(problem), optimizer_(optimizer), sampler_(sampler), schedule_(schedule),
          options_(options), s_(state), hooks_(hooks), batches_(sampler.batches_per_epoch()),
          buffers_(problem.buffers()) {}

    // ---- the loop ------------------------------------------------------------------------
    LoopEnd run() {
        while (s_.epoch < options_.epochs) {
            sampler_.start_epoch();
            while (s_.batch_in_epoch < batches_) {
                if ((options_.max_iterations > 0 && s_.iteration >= options_.max_iterations) ||
                    (options_.max_evaluations > 0 && s_.evaluations >= options_.max_evaluations)) {
                    end_partial_epoch();
                    return LoopEnd::max_iterations;
                }
                if (hooks_.stop_requested && hooks_.stop_requested()) return LoopEnd::stopped;
                iteration();
            }
            end_epoch();
        }
        return LoopEnd::finished;
    }

  private:
    // One optimizer step, from the next `accumulate` batches of the epoch (fewer at its end).
    void iteration() {
        const auto started = Clock::now();
        if (options_.nonfinite == NonFinitePolicy::skip) save_buffers();
        const std::int64_t first = s_.batch_in_epoch;
        const std::int64_t count = std::min(options_.accumulate, batches_ - first);
        s_.batch_in_epoch += count;
        std::size_t rows = 0;
        std::span<const std::uint32_t> batch;
        std::int64_t evaluations = 0;
        // The loss and gradient on the step's batches at the store's parameters: the closure.
        const auto evaluate = [&] {
            optimizer_.zero_grad();
            ++evaluations;
            return forward_backward(first, count, rows, batch);
        };
        const BatchResult r = evaluate();
        ++s_.iteration;
        IterationRecord rec{s_.iteration, s_.epoch + 1, s_.batch_in_epoch, batches_,
                            rows, r.loss, 0, false, 0};
        if (const std::string bad = first_nonfinite(r.loss, problem_.store()); !bad.empty()) {
            rec.evaluations = evaluations;
            s_.evaluations += evaluations;
            skip_step(bad, rec, started);
            return;
        }
        s_.consecutive = 0;
        if (options_.clip) options_.clip->apply(problem_.store());
        if (optimizer_.needs_closure()) {
            // Its first call is the evaluation just made (the gradient is in the store, clipped).
            bool evaluated = true;
            optimizer_.step([&]() -> double {
                if (std::exchange(evaluated, false)) return r.loss;
                const double loss = evaluate().loss;
                if (options_.clip) options_.clip->apply(problem_.store());
                return loss;
            });
        } else {
            optimizer_.step();
        }
        rec.evaluations = evaluations;
        s_.evaluations += evaluations;
        if (options_.loss_timing == LossTiming::after_update) {  // (one batch: see LoopOptions)
            rec.loss = problem_.train_batch(batch, /*backward=*/false).loss;
        }
        if (schedule_) schedule_->after_iteration(r.loss);
        rec.lr = optimizer_.lr(0);
        rec.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        s_.epoch_loss_sum += r.loss;
        ++s_.epoch_loss_count;
        s_.epoch_metric_sum += r.metric_sum;
        s_.epoch_seen += std::int64_t(rows);
        check_divergence(rec);
        if (hooks_.iteration) hooks_.iteration(rec);
    }

    // Forward and backward over the `count` batches of the epoch from `first`; their gradients
    // add up in the store and are averaged (Keras' gradient_accumulation_steps, Optax's
    // MultiSteps), their losses averaged by rows. `last` is the last batch.
    BatchResult forward_backward(std::int64_t first, std::int64_t count, std::size_t& rows,
                                 std::span<const std::uint32_t>& last) {
        BatchResult total;
        rows = 0;
        for (std::int64_t k = 0; k < count; ++k) {
            last = sampler_.batch(first + k);
            const BatchResult part = problem_.train_batch(last, /*backward=*/true);
            if (count == 1) {  // the usual case, its loss as it is
                rows = last.size();
                return part;
            }
            total.loss += part.loss * double(last.size());
            total.metric_sum += part.metric_sum;
            rows += last.size();
        }
        total.loss /= double(rows);
        const float n = float(count);
        for (float& g : problem_.store().grads()) g /= n;
        return total;
    }

    // ---- non-finite steps and divergence -------------------------------------------------
    // A skipped step leaves the parameters, the optimizer and the problem's buffers (BatchNorm
    // statistics, updated by the forward pass) as they were.
    void skip_step(const std::string& bad, IterationRecord& rec, Clock::time_point started) {
        const std::string where = "iteration " + std::to_string(rec.iteration) + " (epoch " +
                                  std::to_string(rec.epoch) + ", batch " + std::to_string(rec.batch) + ")";
        if (options_.nonfinite == NonFinitePolicy::error) {
            throw NonFiniteError("non-finite value at " + where + ": " + bad +
                                 "; lower --lr, clip gradients (--clip), or use --nonfinite skip");
        }
        ++s_.skipped;
        if (++s_.consecutive > options_.max_consecutive && options_.max_consecutive > 0) {
            throw NonFiniteError("gave up after " + std::to_string(s_.consecutive) +
                                 " non-finite steps in a row (--max-consecutive " +
                                 std::to_string(options_.max_consecutive) + "), the last at " +
                                 where + ": " + bad);
        }
        for (std::size_t k = 0; k < buffers_.size(); ++k) *buffers_[k].second = backup_[k];
        if (options_.loss_timing == LossTiming::after_update) rec.loss = NAN;  // no update, no "after"
        rec.skipped = true;
        rec.lr = optimizer_.lr(0);
        rec.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        if (hooks_.iteration) hooks_.iteration(rec);
    }

    // The first update's loss is the reference (0 until there has been one).
    void check_divergence(const IterationRecord& rec) {
        if (s_.first_loss == 0) s_.first_loss = rec.loss;
        if (options_.divergence_factor <= 0 || s_.diverged_at > 0 || !(s_.first_loss > 0)) return;
        if (rec.loss > options_.divergence_factor * s_.first_loss) {
            s_.diverged_at = rec.iteration;
            s_.diverged_loss = rec.loss;
            if (hooks_.diverged) hooks_.diverged(rec, s_.first_loss);
        }
    }

    // Copies into the same vectors every time: no allocation after the first iteration.
    void save_buffers() {
        backup_.resize(buffers_.size());
        for (std::size_t k = 0; k < buffers_.size(); ++k) backup_[k] = *buffers_[k].second;
    }

    // ---- epochs --------------------------------------------------------------------------
    EpochEnd summary(bool partial) const {
        return {s_.epoch + 1, partial,
                s_.epoch_loss_count ? s_.epoch_loss_sum / double(s_.epoch_loss_count) : NAN,
                s_.epoch_seen ? s_.epoch_metric_sum / double(s_.epoch_seen) : NAN};
    }

    void end_epoch() {
        const double metric = hooks_.epoch ? hooks_.epoch(summary(false)) : NAN;
        ++s_.epoch;
        s_.batch_in_epoch = 0;
        s_.epoch_loss_sum = s_.epoch_metric_sum = 0;
        s_.epoch_loss_count = s_.epoch_seen = 0;
        sampler_.end_epoch();
        if (schedule_) schedule_->after_epoch(metric);
        if (hooks_.epoch_done) hooks_.epoch_done();
    }

    void end_partial_epoch() {
        if (s_.batch_in_epoch > 0 && hooks_.epoch) hooks_.epoch(summary(true));
    }

    Problem& problem_;
    Optimizer<float>& optimizer_;
    BatchSampler& sampler_;
    TrainingSchedule* schedule_;
    const LoopOptions& options_;
    LoopState& s_;
    const LoopHooks& hooks_;
    const std::int64_t batches_;
    const std::vector<std::pair<std::string, std::vector<float>*>> buffers_;  // the problem's
    std::vector<std::vector<float>> backup_;
};

}  // namespace

LoopEnd run_training_loop(Problem& problem, Optimizer<float>& optimizer, BatchSampler& sampler,
                          TrainingSchedule* schedule, const LoopOptions& options,
                          LoopState& state, const LoopHooks& hooks) {
    return Loop(problem, optimizer, sampler, schedule, options, state, hooks).run();
}

}  // namespace optlab
