// SPDX-License-Identifier: MIT
// `optlab train --dataset fashion-mnist --net 784-100-100-100-100-10 --activation relu
//  --init he --optimizer adam --lr 1e-3 --batch 128 --epochs 5 --seed 1`
// A progress bar on a terminal (loss, samples/s, ETA), plain lines otherwise, a summary line
// at the end — and with --json the last line on stdout is one JSON object.
#include "cmd_train.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "optimizer_flags.hpp"
#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"
#include "optlab/problems/catalogue.hpp"
#include "optlab/train/trainer.hpp"

namespace optlab::cli {

namespace {

struct TrainFlags {
    TrainConfig config;
    OptimizerFlags optimizer;
    std::string out_dir, checkpoint, resume, progress = "auto";
    bool json = false;
    std::map<std::string, CLI::Option*> options;  // to tell given flags from defaults
};

std::string clock_time(double seconds) {
    const long s = long(seconds + 0.5);
    return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                     : fmt::format("{}:{:02}", s / 60, s % 60);
}

// A resumed run keeps the checkpoint's architecture, data and optimizer; a flag that says
// otherwise is a mistake worth stopping for.
void check_resume_flags(const TrainFlags& f, TrainConfig& c, TrainPaths& paths) {
    const TrainConfig saved = checkpoint_config(f.resume);
    auto differs = [&](const char* flag, const std::string& given, const std::string& stored) {
        if (f.options.at(flag)->count() > 0 && given != stored) {
            throw InvalidArgument(std::string(flag) + " " + given + " differs from the checkpoint's " +
                                  stored + " (" + f.resume +
                                  "); a resumed run keeps the settings it was started with");
        }
    };
    differs("--problem", c.problem, saved.problem);
    differs("--net", c.net, saved.net);
    differs("--activation", c.activation, saved.activation);
    differs("--init", c.init, saved.init);
    differs("--hidden", c.hidden, saved.hidden);
    differs("--features", c.features, saved.features);
    differs("--points", std::to_string(c.points), std::to_string(saved.points));
    differs("--noise", format_number(c.noise), format_number(saved.noise));
    differs("--train-ratio", format_number(c.train_ratio), format_number(saved.train_ratio));
    differs("--l2", format_number(c.l2), format_number(saved.l2));
    differs("--optimizer", c.optimizer, saved.optimizer);
    differs("--batch", std::to_string(c.batch), std::to_string(saved.batch));
    differs("--seed", std::to_string(c.seed), std::to_string(saved.seed));
    differs("--convention", std::string(to_string(c.convention)), std::string(to_string(saved.convention)));
    differs("--lookahead", c.lookahead, saved.lookahead);
    auto decay = [](const std::optional<double>& d) { return d ? format_number(*d) : std::string("none"); };
    differs("--ema", decay(c.ema), decay(saved.ema));
    auto swa = [](const std::optional<SwaOptions>& s, auto field) { return s ? field(*s) : std::string("none"); };
    differs("--swa-start", swa(c.swa, [](const SwaOptions& s) { return std::to_string(s.swa_start); }),
            swa(saved.swa, [](const SwaOptions& s) { return std::to_string(s.swa_start); }));
    differs("--swa-lr", swa(c.swa, [](const SwaOptions& s) { return format_number(s.swa_lr); }),
            swa(saved.swa, [](const SwaOptions& s) { return format_number(s.swa_lr); }));
    differs("--swa-anneal-epochs", swa(c.swa, [](const SwaOptions& s) { return std::to_string(s.anneal_epochs); }),
            swa(saved.swa, [](const SwaOptions& s) { return std::to_string(s.anneal_epochs); }));
    differs("--swa-anneal-strategy", swa(c.swa, [](const SwaOptions& s) { return s.anneal_strategy; }),
            swa(saved.swa, [](const SwaOptions& s) { return s.anneal_strategy; }));
    // The wrappers are part of the optimizer's state: a resumed run keeps them unasked (and
    // SWA's flags not given take the checkpoint's, not their defaults).
    if (f.options.at("--lookahead")->count() == 0) c.lookahead = saved.lookahead;
    if (f.options.at("--ema")->count() == 0) c.ema = saved.ema;
    c.swa = saved.swa;
    differs("--adamw-lr", format_number(c.adamw_lr), format_number(saved.adamw_lr));
    if (f.options.at("--adamw-lr")->count() == 0) c.adamw_lr = saved.adamw_lr;
    if (f.checkpoint.empty()) paths.checkpoint = f.resume;  // keep checkpointing in place
    if (f.options.at("--epochs")->count() == 0) c.epochs = saved.epochs;
}

// A problem's default budget where the flags do not set one; the MLP's flags only with the MLP.
void apply_problem_defaults(const TrainFlags& f, TrainConfig& c) {
    const ProblemInfo& info = problem_info(c.problem);
    if (f.options.at("--epochs")->count() == 0) c.epochs = info.epochs;
    if (f.options.at("--batch")->count() == 0) c.batch = info.batch;
    if (c.problem == "quadratic" && f.options.at("--init")->count() > 0) {
        throw InvalidArgument("--init: problem quadratic starts at θ = 1, as DeepOBS's; it draws no weights");
    }
    constexpr const char* kFlags2d[] = {"--hidden", "--features", "--points", "--noise", "--train-ratio", "--l2"};
    if (!c.is_2d()) {
        for (const char* flag : kFlags2d) {
            if (f.options.at(flag)->count() > 0) {
                throw InvalidArgument(std::string(flag) + " shapes the 2-D problems (2d-circle, 2d-xor, 2d-gauss, "
                                      "2d-spiral); problem " + c.problem + " does not take it");
            }
        }
    } else if (f.options.at("--activation")->count() == 0) {
        c.activation = "tanh";  // Playground's
    }
    if (c.problem == "fmnist-mlp") return;
    for (const char* flag : {"--net", "--activation", "--loss", "--batchnorm", "--dropout"}) {
        if (c.is_2d() && std::string_view(flag) == "--activation") continue;  // the 2-D network's too
        if (f.options.at(flag)->count() > 0) {
            throw InvalidArgument(std::string(flag) + " shapes the fmnist-mlp network; problem " + c.problem +
                                  " has a fixed model (optlab problems)");
        }
    }
    if (!info.images) {
        for (const char* flag : {"--data", "--dataset"}) {
            if (c.problem == "words-charlm" && std::string_view(flag) == "--data") continue;  // a word list
            if (f.options.at(flag)->count() > 0) {
                throw InvalidArgument(std::string(flag) + ": problem " + c.problem + " does not train on images");
            }
        }
    }
}

// Progress on stderr: a bar on a terminal (loss, samples/s, ETA), plain lines otherwise, nothing
// with --progress none but warnings.
class Progress {
  public:
    Progress(const std::string& mode, const TrainConfig& c)
        : tty_(mode == "bar" || (mode == "auto" && ::isatty(STDERR_FILENO))), quiet_(mode == "none"), c_(c) {}

    TrainObserver observer() {
        TrainObserver o;
        o.info = [this](const std::string& s) {
            if (!quiet_) std::cerr << clear() << s << "\n";
        };
        o.warning = [this](const std::string& s) { std::cerr << clear() << "optlab train: warning: " << s << "\n"; };
        o.iteration = [this](std::int64_t epoch, std::int64_t batch, std::int64_t batches, double loss, double lr) {
            draw(epoch, batch, batches, loss, lr);
        };
        o.epoch = [this](const EpochRecord& r) { epoch(r); };
        return o;
    }

  private:
    const char* clear() const { return tty_ ? "\r\033[K" : ""; }

    void draw(std::int64_t epoch, std::int64_t batch, std::int64_t batches, double loss, double lr) {
        samples_seen_ += std::int64_t(c_.batch);
        if (!tty_ || quiet_) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_draw_ < std::chrono::milliseconds(100) && batch != batches) return;
        last_draw_ = now;
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        const double done = double((epoch - 1) * batches + batch);
        const double total = double(c_.epochs * batches);
        const double eta = done > 0 ? elapsed * (total - done) / done : 0;
        const int width = 24, filled = int(width * batch / std::max<std::int64_t>(1, batches));
        std::cerr << fmt::format("\r\033[Kepoch {}/{} [{}{}] {}/{}  loss {:.4f}  lr {:.3g}  {:.0f} samples/s  ETA {}",
                                 epoch, c_.epochs, std::string(filled, '='), std::string(width - filled, ' '),
                                 batch, batches, loss, lr, samples_seen_ / std::max(elapsed, 1e-9),
                                 clock_time(eta))
                  << std::flush;
    }

    void epoch(const EpochRecord& r) const {
        if (quiet_) return;
        // The problem's metric by its name ("test perplexity (…)" → perplexity): EpochRecord's
        // *_accuracy fields hold whichever it is. Where the metric is the loss, once.
        std::string metric(problem_info(c_.problem).metric);
        if (metric.starts_with("test ")) metric.erase(0, 5);
        metric = metric.substr(0, metric.find(" ("));
        auto both = [&](const char* split, double loss, double value) {
            return metric == "loss" ? fmt::format("{} loss {:.4f}", split, loss)
                                    : fmt::format("{} loss {:.4f}, {} {} {:.4f}", split, loss, split, metric, value);
        };
        std::string line = fmt::format("epoch {}/{}{}: {}, {}", r.epoch, c_.epochs,
                                       r.partial ? " (partial, --max-iterations)" : "",
                                       both("train", r.train_loss, r.train_accuracy), both("test", r.test_loss, r.test_accuracy));
        if (r.validation_loss) line += ", " + both("validation", *r.validation_loss, *r.validation_accuracy);
        line += fmt::format(" ({:.1f} s)", r.seconds);
        std::cerr << clear() << line << "\n";
    }

    bool tty_, quiet_;
    const TrainConfig& c_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_draw_ = start_ - std::chrono::seconds(1);
    std::int64_t samples_seen_ = 0;
};

int run_train(TrainFlags& f) {
    TrainConfig& c = f.config;
    c.optimizer = f.optimizer.optimizer;
    c.hyper = f.optimizer.hyper();
    c.convention = f.optimizer.parsed_convention();
    c.lookahead = f.optimizer.lookahead;
    c.swa = f.optimizer.swa();
    TrainPaths paths{f.out_dir, f.checkpoint, f.resume};
    if (!f.resume.empty()) {
        check_resume_flags(f, c, paths);
    } else {
        apply_problem_defaults(f, c);
    }
    Progress progress(f.progress, c);
    const TrainObserver observer = progress.observer();
    const TrainResult r = train(c, paths, observer);
    const EpochRecord* last = r.epochs.empty() ? nullptr : &r.epochs.back();
    if (f.json) {
        std::cout << result_json(c, r) << std::endl;
    } else if (last) {
        std::cout << fmt::format("optlab train: {} epochs, {} iterations in {:.1f} s ({:.0f} samples/s): "
                                 "{}test loss {:.4f}, train loss {:.4f}{}\n",
                                 last->epoch, r.iterations, r.seconds, r.samples_per_second,
                                 r.metric == "loss" ? "" : fmt::format("test {} {:.4f}, ", r.metric, last->test_accuracy),
                                 last->test_loss, last->train_loss,
                                 r.skipped_steps ? fmt::format(" ({} non-finite steps skipped)", r.skipped_steps) : "");
        if (r.diverged) {
            std::cout << fmt::format("optlab train: the run diverged at iteration {} (loss {} against a first loss of {})\n",
                                     r.diverged->iteration, r.diverged->loss, r.diverged->first_loss);
        }
    }
    if (r.interrupted) {
        std::cerr << fmt::format("optlab train: interrupted by signal {}{}\n", r.signal,
                                 r.checkpoint.empty() ? " (no --checkpoint: progress not saved)"
                                                      : "; resume with --resume " + r.checkpoint);
        return 128 + r.signal;
    }
    return 0;
}

}  // namespace

void setup_train(CLI::App& app, int& exit_code) {
    auto f = std::make_shared<TrainFlags>();
    f->optimizer.optimizer = "adam";
    TrainConfig& c = f->config;
    CLI::App* sub = app.add_subcommand("train", "Train a problem's model: the MLP on Fashion-MNIST by default (optlab problems)");
    auto& o = f->options;
    o["--problem"] = sub->add_option("--problem", c.problem,
                                     "What to train: quadratic, fmnist-logreg, fmnist-mlp, fmnist-cnn, "
                                     "fmnist-autoencoder, words-charlm, 2d-circle, 2d-xor, 2d-gauss or 2d-spiral "
                                     "(optlab problems); its default budget "
                                     "sets --epochs and --batch unless given")
                         ->capture_default_str();
    o["--dataset"] = sub->add_option("--dataset", c.dataset, "Named dataset: fashion-mnist (Debian's dataset-fashion-mnist)")->capture_default_str();
    o["--data"] = sub->add_option("--data", c.data_dir, "A folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each plain or .gz); for words-charlm, a word list (one word per line)");
    o["--net"] = sub->add_option("--net", c.net, "Layer sizes, input to classes")->capture_default_str();
    o["--activation"] = sub->add_option("--activation", c.activation, "relu, leaky-relu, sigmoid or tanh (2-D problems: relu, tanh, sigmoid or linear; default tanh)")->capture_default_str();
    o["--init"] = sub->add_option("--init", c.init, "Weights: he, he-uniform, he-fan-out, xavier, xavier-uniform, lecun, std=S, normal:M,S, uniform:A,B, truncated-normal:M,S, constant:C, zeros (default: the problem's; he for the MLP)");
    o["--hidden"] = sub->add_option("--hidden", c.hidden, "2-D problems: hidden layer sizes, 1 to 6 layers of 1 to 8 units")->capture_default_str();
    o["--features"] = sub->add_option("--features", c.features, "2-D problems: the network's inputs, some of x1, x2, x1sq, x2sq, x1x2, sinx1, sinx2")->capture_default_str();
    o["--points"] = sub->add_option("--points", c.points, "2-D problems: how many points to draw")->capture_default_str();
    o["--noise"] = sub->add_option("--noise", c.noise, "2-D problems: the points' noise, 0 to 0.5 (Playground's 0 to 50)")->capture_default_str();
    o["--train-ratio"] = sub->add_option("--train-ratio", c.train_ratio, "2-D problems: the share of the points trained on, 0.1 to 0.9")->capture_default_str();
    o["--l2"] = sub->add_option("--l2", c.l2, "2-D problems: L2 penalty λ, adding λ·w to every weight's gradient")->capture_default_str();
    o["--loss"] = sub->add_option("--loss", c.loss, "cross-entropy or mse")->capture_default_str();
    o["--batchnorm"] = sub->add_flag("--batchnorm", c.batchnorm, "BatchNorm after every hidden layer");
    o["--dropout"] = sub->add_option("--dropout", c.dropout, "Dropout probability after every hidden activation")->capture_default_str();
    o["--batch"] = sub->add_option("--batch", c.batch, "Mini-batch size")->capture_default_str();
    o["--accumulate"] = sub->add_option("--accumulate", c.accumulate,
                                        "Average the gradients of K batches before each step (an effective batch of K × --batch)")
                            ->capture_default_str();
    o["--epochs"] = sub->add_option("--epochs", c.epochs, "Epochs in total (with --resume: up to this many)")->capture_default_str();
    sub->add_option("--max-iterations", c.max_iterations, "Stop after this many updates (0: no limit)")->capture_default_str();
    sub->add_option("--max-evaluations", c.max_evaluations,
                    "Stop after this many loss-and-gradient evaluations (0: no limit); L-BFGS makes up to "
                    "max_eval of them an update, every other optimizer one")->capture_default_str();
    o["--seed"] = sub->add_option("--seed", c.seed, "Seed of initialisation, shuffling and dropout")->capture_default_str();
    sub->add_option("--validation", c.validation, "Training samples held out for validation")->capture_default_str();
    sub->add_option("--schedule", c.schedule, "As torch.optim.lr_scheduler computes it: constant, step:SIZE,GAMMA, multistep:M1,M2[,gamma=G], "
                    "exponential:GAMMA, linear-warmup:N[,START], polynomial:TOTAL[,power=P], cosine-annealing:T_MAX[,eta_min=E], "
                    "cosine-restarts:T_0[,T_mult=M][,eta_min=E], cyclic:BASE_LR,MAX_LR[,step_size_up=N,mode=...], "
                    "one-cycle:MAX_LR,TOTAL_STEPS[,pct_start=P,...], sequential:SPEC@M|SPEC, chained:SPEC|SPEC; "
                    "optlab's cosine:TOTAL[,WARMUP[,MIN]]; plateau[:FACTOR[,PATIENCE]] (docs/training.md)")->capture_default_str();
    sub->add_option("--schedule-unit", c.schedule_unit, "When the schedule steps: epoch or iteration")->check(CLI::IsMember({"epoch", "iteration"}))->capture_default_str();
    sub->add_option("--clip", c.clip, "Gradient clipping KIND:THRESHOLD, KIND value, norm or global-norm");
    sub->add_option("--nonfinite", c.nonfinite, "On a NaN/Inf loss or gradient: error (stop) or skip the step")->check(CLI::IsMember({"error", "skip"}))->capture_default_str();
    sub->add_option("--max-consecutive", c.max_consecutive, "With --nonfinite skip: give up after this many in a row")->capture_default_str();
    sub->add_option("--divergence", c.divergence,
                    "When a finite loss grows past --divergence-factor times the first loss: warn (and go on) "
                    "or error (stop, exit code 4, no checkpoint)")
        ->check(CLI::IsMember({"warn", "error"}))
        ->capture_default_str();
    sub->add_option("--divergence-factor", c.divergence_factor, "How many times the first loss counts as diverged")
        ->check(finite_number())
        ->capture_default_str();
    sub->add_option("--threads", c.threads, "Threads (default: all cores)");
    sub->add_option("--eval-every", c.eval_every, "Also evaluate the test set every N iterations");
    sub->add_option("--out", f->out_dir, "Write iterations.csv, epochs.csv, epochs.json, summary.json here");
    sub->add_option("--checkpoint", f->checkpoint, "Write a checkpoint here after every epoch and on SIGINT/SIGTERM");
    sub->add_option("--resume", f->resume, "Continue the run saved in this checkpoint");
    sub->add_flag("--json", f->json, "Print the result as one JSON object, the last line on stdout");
    sub->add_option("--progress", f->progress, "auto (a bar on a terminal), bar, lines or none")->check(CLI::IsMember({"auto", "bar", "lines", "none"}))->capture_default_str();
    add_optimizer_flags(*sub, f->optimizer);
    o["--ema"] = sub->add_option("--ema", c.ema,
                                 "DECAY: keep an exponential moving average of the weights (e <- decay*e + "
                                 "(1-decay)*w after every step); evaluate and checkpoint at it")
                     ->check(finite_number());
    o["--adamw-lr"] = sub->add_option("--adamw-lr", c.adamw_lr,
                    "With --optimizer muon: the lr of AdamW, which trains the tensors that are not matrices "
                    "(biases, BatchNorm)")
        ->check(finite_number())
        ->capture_default_str();
    o["--optimizer"] = sub->get_option("--optimizer");
    o["--lookahead"] = sub->get_option("--lookahead");
    for (const char* flag : {"--swa-start", "--swa-lr", "--swa-anneal-epochs", "--swa-anneal-strategy"}) {
        o[flag] = sub->get_option(flag);
    }
    o["--convention"] = sub->get_option("--convention");
    sub->footer("Example: optlab train --optimizer adam --lr 1e-3 --epochs 5 --out runs/adam --checkpoint runs/adam.safetensors");
    sub->callback([f, &exit_code] { exit_code = run_train(*f); });
}

}  // namespace optlab::cli
