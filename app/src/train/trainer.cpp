// SPDX-License-Identifier: MIT
// `optlab train` (train/trainer.hpp): builds the run's parts from its config, hands them to the
// training loop, and records what the loop reports.
#include "optlab/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "optlab/core/error.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/core/text.hpp"
#include "optlab/io/safetensors.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/problems/catalogue.hpp"
#include "optlab/train/loop.hpp"

namespace optlab {

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// A resumed run keeps the checkpoint's settings but for what may change between sessions.
TrainConfig effective_config(TrainConfig config, const TrainPaths& paths) {
    config.validate();
    if (paths.resume.empty()) return config;
    TrainConfig saved = checkpoint_config(paths.resume);
    saved.epochs = config.epochs;
    saved.max_iterations = config.max_iterations;
    saved.max_evaluations = config.max_evaluations;
    saved.threads = config.threads;
    saved.eval_every = config.eval_every;
    return saved;
}

nn::NetSpec net_spec(const TrainConfig& c) {
    nn::NetSpec spec;
    spec.sizes = nn::parse_net_sizes(c.net);
    spec.activation = nn::parse_activation(c.activation);
    spec.loss = nn::parse_loss(c.loss);
    spec.batchnorm = c.batchnorm;
    spec.dropout = c.dropout;
    return spec;
}

// What a run on a given problem takes from it: everything that made the problem.
TrainConfig with_problem_settings(TrainConfig c, const TrainConfig& made) {
    c.problem = made.problem;
    c.dataset = made.dataset;
    c.data_dir = made.data_dir;
    c.net = made.net;
    c.activation = made.activation;
    c.init = made.init;
    c.loss = made.loss;
    c.hidden = made.hidden;
    c.features = made.features;
    c.points = made.points;
    c.noise = made.noise;
    c.train_ratio = made.train_ratio;
    c.l2 = made.l2;
    c.batchnorm = made.batchnorm;
    c.dropout = made.dropout;
    c.batch = made.batch;
    c.seed = made.seed;
    c.validation = made.validation;
    return c;
}

LoopOptions loop_options(const TrainConfig& c) {
    LoopOptions o;
    o.epochs = c.epochs;
    o.max_iterations = c.max_iterations;
    o.max_evaluations = c.max_evaluations;
    o.accumulate = c.accumulate;
    o.nonfinite = c.nonfinite == "skip" ? NonFinitePolicy::skip : NonFinitePolicy::error;
    o.max_consecutive = c.max_consecutive;
    o.clip = parse_clip(c.clip);
    o.divergence_factor = c.divergence_factor;
    return o;
}

// One run: its parts, built from the config (and restored from a checkpoint), and the hooks
// through which it records what the loop does.
class Run {
  public:
    Run(const TrainConfig& c, std::shared_ptr<RunProblem> problem, const TrainPaths& paths,
        const TrainObserver& observer, const OptimizerCatalogue& optimizers)
        : c_(c), paths_(paths), observer_(observer),
          holder_(std::move(problem)),
          problem_(holder_->problem()),
          optimizer_(optimizers.make(c, std::shared_ptr<ParamStore<float>>(holder_, &problem_.store()))),
          sampler_(holder_->sampler()),
          schedule_(*optimizer_, c.schedule, parse_schedule_unit(c.schedule_unit)),
          options_(loop_options(c)),
          every_step_(problem_info(c.problem).every_step) {
        if (!paths.resume.empty()) {
            load_checkpoint(paths.resume, parts());
            optimizer_->train();  // a checkpoint holds the evaluation point: train from y again
            info("resumed " + paths.resume.string() + " at epoch " + std::to_string(loop_.epoch) +
                 ", batch " + std::to_string(loop_.batch_in_epoch) + ", iteration " +
                 std::to_string(loop_.iteration));
        }
        const std::int64_t steps_per_epoch = (sampler_.batches_per_epoch() + c.accumulate - 1) / c.accumulate;
        const std::int64_t all = c.epochs * steps_per_epoch;
        const std::int64_t steps = c.max_iterations > 0 ? std::min(all, c.max_iterations) : all;
        if (parse_schedule_unit(c.schedule_unit) == ScheduleUnit::epoch) {
            schedule_.check_covers(c.epochs, std::to_string(c.epochs) + " epochs, stepped per epoch");
        } else {
            schedule_.check_covers(steps, std::to_string(steps) + " iterations: " + std::to_string(c.epochs) +
                                              " epochs of " + std::to_string(steps_per_epoch) + " steps" +
                                              (steps < all ? ", up to --max-iterations" : ""));
        }
        log_.open(paths.out_dir, !paths.resume.empty(), every_step_);
    }

    TrainResult run() {
        info(problem_.describe() + "; optimizer " + std::string(optimizer_->name()) + " (" +
             std::string(to_string(c_.convention)) + ", lr " + format_number(optimizer_->lr(0)) +
             "); " + std::to_string(problem_.train_examples()) + " training samples, batch " +
             std::to_string(c_.batch) + ", " + std::to_string(num_threads()) + " threads");
        const StopSignals signals;
        LoopHooks hooks;
        hooks.stop_requested = [] { return StopSignals::requested() != 0; };
        hooks.iteration = [this](const IterationRecord& r) { on_iteration(r); };
        hooks.epoch = [this](const EpochEnd& e) { return on_epoch(e); };
        hooks.epoch_done = [this] { checkpoint(); };
        hooks.diverged = [this](const IterationRecord& r, double first) { on_diverged(r, first); };
        epoch_started_ = Clock::now();
        const LoopEnd end = run_training_loop(problem_, *optimizer_, sampler_, &schedule_, options_, loop_, hooks);
        log_.flush();
        if (end == LoopEnd::stopped) {
            result_.interrupted = true;
            result_.signal = StopSignals::requested();
            if (!paths_.checkpoint.empty()) {
                checkpoint();
                info("stopped by signal " + std::to_string(result_.signal) + " at iteration " +
                     std::to_string(loop_.iteration) + "; checkpoint written to " + paths_.checkpoint.string());
            }
        } else if (end == LoopEnd::max_iterations && !paths_.checkpoint.empty()) {
            checkpoint();  // mid-epoch: a later --resume with a larger --max-iterations goes on from here
        }
        return finish();
    }

    void write_json() { log_.write_json(); }

  private:
    TrainingParts parts() { return {problem_, *optimizer_, sampler_, schedule_, loop_}; }
    void info(const std::string& s) const {
        if (observer_.info) observer_.info(s);
    }

    void on_iteration(const IterationRecord& r) {
        IterationRow row{r.iteration, r.epoch, r.loss, r.lr, r.skipped, r.evaluations};
        // The 2-D problems' test loss after every step: the curve the explorable draws.
        if (every_step_) row.test_loss = evaluate(Split::test).loss;
        log_.add(row);
        if (r.skipped) return;
        samples_ += std::int64_t(r.rows);
        train_seconds_ += r.seconds;
        if (observer_.iteration) observer_.iteration(r.epoch, r.batch, r.batches, r.loss, r.lr);
        // The validation points: every eval_every evaluations of the loss and gradient — the
        // iterations, but for L-BFGS — so a time to target counts what every method pays for.
        const std::int64_t evaluations = loop_.evaluations, before = evaluations - r.evaluations;
        if (c_.eval_every > 0 && observer_.validated) {
            if (before / c_.eval_every < evaluations / c_.eval_every) {
                observer_.validated(evaluations, train_seconds_, evaluate(Split::validation));
            }
        } else if (c_.eval_every > 0 && r.iteration % c_.eval_every == 0) {
            const Evaluation e = evaluate(Split::test);
            info("iteration " + std::to_string(r.iteration) + ": test loss " + format_number(e.loss) +
                 ", test accuracy " + format_number(e.metric));
        }
    }

    // Evaluates and records the epoch; returns what a per-epoch plateau watches: the
    // validation loss when there is a validation split, else the training loss.
    double on_epoch(const EpochEnd& e) {
        EpochRecord r;
        r.epoch = e.epoch;
        r.partial = e.partial;
        r.iterations = loop_.iteration;
        r.train_loss = e.train_loss;
        r.train_accuracy = e.train_metric;
        const Evaluation test = evaluate(Split::test);
        r.test_loss = test.loss;
        r.test_accuracy = test.metric;
        if (problem_.has_validation()) {
            const Evaluation v = evaluate(Split::validation);
            r.validation_loss = v.loss;
            r.validation_accuracy = v.metric;
        }
        r.lr = optimizer_->lr(0);
        r.seconds = seconds_since(epoch_started_);
        log_.add(r);
        log_.flush();
        result_.epochs.push_back(r);
        if (observer_.epoch) observer_.epoch(r);
        epoch_started_ = Clock::now();
        return r.validation_loss ? *r.validation_loss : r.train_loss;
    }

    void on_diverged(const IterationRecord& r, double first) {
        const std::string what = "diverged: the loss reached " + format_number(r.loss) + " at iteration " +
                                 std::to_string(r.iteration) + ", more than " +
                                 format_number(c_.divergence_factor) + " times the first loss " +
                                 format_number(first) + "; lower --lr or clip gradients (--clip)";
        if (c_.divergence == "error") throw DivergenceError(what + " (--divergence error)");
        if (observer_.warning) observer_.warning(what);
    }

    // The model is evaluated, and saved, where the optimizer says its answer is
    // (Schedule-Free's average x; the parameters themselves for the others), then training
    // goes on from the training point, restored bit for bit.
    Evaluation evaluate(Split split) {
        optimizer_->eval();
        const Evaluation e = problem_.evaluate(split);
        optimizer_->train();
        return e;
    }

    void checkpoint() {
        if (paths_.checkpoint.empty()) return;
        optimizer_->eval();
        save_checkpoint(paths_.checkpoint, c_, parts());
        optimizer_->train();
        result_.checkpoint = paths_.checkpoint.string();
    }

    TrainResult finish() {
        result_.iterations = loop_.iteration;
        result_.skipped_steps = loop_.skipped;
        result_.evaluations = loop_.evaluations;
        result_.samples_per_second = train_seconds_ > 0 ? double(samples_) / train_seconds_ : 0;
        result_.training_seconds = train_seconds_;
        result_.memory.dataset_bytes = problem_.data_bytes();
        result_.metric = std::string(problem_.metric_name());
        result_.memory.model_bytes = problem_.model_bytes() + optimizer_->state_bytes() + optimizer_->workspace_bytes();
        if (loop_.diverged_at > 0) {  // in this session or, before a resume, an earlier one
            result_.diverged = TrainResult::Divergence{loop_.diverged_at, loop_.diverged_loss, loop_.first_loss};
        }
        return result_;
    }

    const TrainConfig& c_;
    const TrainPaths& paths_;
    const TrainObserver& observer_;
    std::shared_ptr<RunProblem> holder_;  // the problem, shared with the optimizer
    Problem& problem_;
    std::unique_ptr<Optimizer<float>> optimizer_;
    ShuffledSampler sampler_;
    TrainingSchedule schedule_;
    LoopOptions options_;
    const bool every_step_;  // the test loss after every step, into the run log (the 2-D problems)
    LoopState loop_;
    RunLog log_;
    TrainResult result_;
    std::int64_t samples_ = 0;
    double train_seconds_ = 0;  // inside iterations only: no data loading, no evaluation
    Clock::time_point epoch_started_;
};

// Trains, then adds what the run measured of its process and writes its files.
TrainResult run_and_record(const TrainConfig& config, std::shared_ptr<RunProblem> problem, const TrainPaths& paths,
                           const TrainObserver& observer, const OptimizerCatalogue& optimizers, const Resident& baseline,
                           Clock::time_point started) {
    Run run(config, std::move(problem), paths, observer, optimizers);
    TrainResult result = run.run();
    result.memory.baseline_rss = baseline.total;
    result.memory.peak_rss = peak_resident_bytes();
    const Resident now = resident_bytes();
    result.memory.library_pages = now.file > baseline.file ? now.file - baseline.file : 0;
    result.seconds = seconds_since(started);
    if (!paths.out_dir.empty()) {
        const std::string text = result_json(config, result) + "\n";
        write_file_atomic(paths.out_dir / "summary.json",
                          std::as_bytes(std::span<const char>(text.data(), text.size())));
        run.write_json();
    }
    return result;
}

}  // namespace

// ---- a run's problem ------------------------------------------------------------------------

RunProblem::RunProblem(const TrainConfig& config, const TrainTest* given) : config_(config) {
    const TrainConfig& c = config_;
    c.validate();
    if (problem_info(c.problem).images) {  // the others read or make their own data
        // (Not one ?: with *given: its result would be a const copy of the loaded images.)
        if (given) {
            data_ = *given;
        } else {
            data_ = c.data_dir.empty() ? load_named_dataset(c.dataset) : load_mnist_folder(c.data_dir);
        }
        if (c.validation > 0) {
            Rng split_rng(c.seed ^ 0x5EEDull);
            validation_ = data_.train.split_off(c.validation, split_rng);
        }
        if (c.batch > data_.train.count) {
            throw_invalid("train", "batch", double(c.batch),
                          "at most the " + std::to_string(data_.train.count) + " training samples");
        }
    }
    ProblemSettings s;
    s.name = c.problem;
    if (!c.is_2d()) s.mlp = net_spec(c);  // the 2-D problems build their own network
    s.init = c.init;
    s.max_batch = c.batch;
    s.seed = c.seed;
    if (c.is_2d()) s.classify2d = classify2d_spec(c);
    if (c.problem == "words-charlm" && !c.data_dir.empty()) s.words = c.data_dir;  // another word list
    const ClassificationData images{&data_.train, &data_.test, validation_ ? &*validation_ : nullptr, data_.classes};
    problem_ = make_problem(s, images);
}

ShuffledSampler RunProblem::sampler() const {
    return ShuffledSampler(problem_->train_examples(), config_.batch, config_.seed + 3);
}

std::span<const std::uint32_t> RunProblem::next_batch() {
    if (!order_) order_.emplace(sampler());
    if (order_batch_ == 0) order_->start_epoch();
    const std::span<const std::uint32_t> batch = order_->batch(order_batch_);
    if (++order_batch_ == order_->batches_per_epoch()) {  // the batch stays valid: the next epoch draws later
        order_->end_epoch();
        order_batch_ = 0;
    }
    return batch;
}

BatchResult RunProblem::train_batch(std::span<const std::uint32_t> batch, bool backward) {
    const std::string where = "problem " + config_.problem + ": a batch";
    if (batch.empty() || batch.size() > problem_->max_batch()) {
        throw InvalidArgument(where + " of " + std::to_string(batch.size()) + " examples (expected 1 to " +
                              std::to_string(problem_->max_batch()) + ", the batch it was made for)");
    }
    for (std::uint32_t example : batch) {
        if (example >= problem_->train_examples()) {
            throw InvalidArgument(where + " names example " + std::to_string(example) + " (it has " +
                                  std::to_string(problem_->train_examples()) + " training examples)");
        }
    }
    return problem_->train_batch(batch, backward);
}

Evaluation RunProblem::evaluate(Split split) {
    if (split == Split::validation && !problem_->has_validation()) {
        throw InvalidArgument("problem " + config_.problem + " has no validation split" +
                              (problem_info(config_.problem).images ? " (hold some training images out: validation > 0)" : ""));
    }
    return problem_->evaluate(split);
}

// ---- training -------------------------------------------------------------------------------

TrainResult train(TrainConfig config, const TrainPaths& paths, const TrainObserver& observer,
                  const TrainTest* given_data, const OptimizerCatalogue& optimizers) {
    const Resident baseline = resident_bytes();
    const auto started = Clock::now();
    config = effective_config(config, paths);
    set_num_threads(config.threads > 0 ? config.threads : num_threads());
    if (!paths.checkpoint.empty()) {
        remove_stale_temporaries(paths.checkpoint);
        check_can_write_atomic(paths.checkpoint);  // fail now, not after an epoch
    }
    auto problem = std::make_shared<RunProblem>(config, given_data);
    return run_and_record(config, std::move(problem), paths, observer, optimizers, baseline, started);
}

TrainResult train(TrainConfig config, std::shared_ptr<RunProblem> problem, const TrainObserver& observer,
                  const OptimizerCatalogue& optimizers) {
    const Resident baseline = resident_bytes();
    const auto started = Clock::now();
    config = with_problem_settings(config, problem->config());
    config.validate();
    set_num_threads(config.threads > 0 ? config.threads : num_threads());
    return run_and_record(config, std::move(problem), TrainPaths{}, observer, optimizers, baseline, started);
}

std::string result_json(const TrainConfig& config, const TrainResult& r) {
    auto finite = [](double v) { return std::isfinite(v) ? json(v) : json(); };
    json j;
    const EpochRecord* last = r.epochs.empty() ? nullptr : &r.epochs.back();
    j["problem"] = config.problem;
    j["metric"] = r.metric;  // what the *_accuracy fields hold: accuracy, perplexity, ...
    j["test_metric"] = last ? finite(last->test_accuracy) : json();
    j["test_accuracy"] = last ? finite(last->test_accuracy) : json();
    j["test_loss"] = last ? finite(last->test_loss) : json();
    j["train_loss"] = last ? finite(last->train_loss) : json();
    j["train_accuracy"] = last ? finite(last->train_accuracy) : json();
    if (last && last->validation_loss) {
        j["validation_loss"] = finite(*last->validation_loss);
        j["validation_accuracy"] = finite(*last->validation_accuracy);
    }
    // Completed epochs; a partial last one (--max-iterations) counts as begun, not done.
    j["epochs"] = last ? (last->partial ? last->epoch - 1 : last->epoch) : 0;
    j["iterations"] = r.iterations;
    j["skipped_steps"] = r.skipped_steps;
    j["evaluations"] = r.evaluations;
    j["seconds"] = r.seconds;
    j["samples_per_second"] = r.samples_per_second;
    j["optimizer"] = config.optimizer;
    if (!config.lookahead.empty()) j["lookahead"] = config.lookahead;
    if (config.ema) j["ema"] = *config.ema;
    if (config.swa) j["swa"] = json::parse(swa_to_json(config.swa));
    if (config.accumulate > 1) j["accumulate"] = config.accumulate;
    j["convention"] = std::string(to_string(config.convention));
    // The model: --net's sizes for the MLP (the one problem whose layers are flags), the
    // catalogue's description for the others, whose models are fixed.
    j["model"] = config.problem == "fmnist-mlp" ? config.net + " " + config.activation
                 : config.is_2d() ? "hidden " + config.hidden + " " + config.activation + ", features " + config.features
                                  : std::string(problem_info(config.problem).model);
    if (config.problem == "fmnist-mlp") j["net"] = config.net;
    j["batch"] = config.batch;
    j["seed"] = config.seed;
    if (r.interrupted) j["interrupted_by_signal"] = r.signal;
    if (r.diverged) {
        j["diverged"] = {{"iteration", r.diverged->iteration}, {"loss", finite(r.diverged->loss)},
                         {"first_loss", finite(r.diverged->first_loss)}};
    }
    j["memory"] = {{"baseline_rss_bytes", r.memory.baseline_rss},
                   {"peak_rss_bytes", r.memory.peak_rss},
                   {"library_pages_bytes", r.memory.library_pages},
                   {"dataset_bytes", r.memory.dataset_bytes},
                   {"model_bytes", r.memory.model_bytes}};
    if (!r.checkpoint.empty()) j["checkpoint"] = r.checkpoint;
    return j.dump();
}

}  // namespace optlab
