// SPDX-License-Identifier: MIT
#include "optlab/schedule/lr_scheduler.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"

namespace optlab {

namespace {

class Constant final : public LrSchedule {
  public:
    double factor(std::int64_t) const override { return 1.0; }
    std::string describe() const override { return "constant"; }
};

class StepDecay final : public LrSchedule {
  public:
    StepDecay(std::int64_t size, double gamma) : size_(size), gamma_(gamma) {}
    double factor(std::int64_t t) const override {
        return std::pow(gamma_, double(t / size_));
    }
    std::string describe() const override {
        return "step(size=" + std::to_string(size_) + ", gamma=" + format_number(gamma_) + ")";
    }

  private:
    std::int64_t size_;
    double gamma_;
};

class Exponential final : public LrSchedule {
  public:
    explicit Exponential(double gamma) : gamma_(gamma) {}
    double factor(std::int64_t t) const override { return std::pow(gamma_, double(t)); }
    std::string describe() const override { return "exponential(gamma=" + format_number(gamma_) + ")"; }

  private:
    double gamma_;
};

class LinearWarmup final : public LrSchedule {
  public:
    LinearWarmup(std::int64_t n, double start) : n_(n), start_(start) {}
    double factor(std::int64_t t) const override {
        return start_ + (1.0 - start_) * double(std::min(t, n_)) / double(n_);
    }
    std::string describe() const override {
        return "linear-warmup(steps=" + std::to_string(n_) + ", start=" + format_number(start_) + ")";
    }

  private:
    std::int64_t n_;
    double start_;
};

class Cosine final : public LrSchedule {
  public:
    Cosine(std::int64_t total, std::int64_t warmup, double min)
        : total_(total), warmup_(warmup), min_(min) {}
    double factor(std::int64_t t) const override {
        if (t < warmup_) return double(t + 1) / double(warmup_);
        const double progress =
            std::min(1.0, double(t - warmup_) / double(std::max<std::int64_t>(1, total_ - warmup_)));
        return min_ + (1.0 - min_) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
    }
    std::string describe() const override {
        return "cosine(total=" + std::to_string(total_) + ", warmup=" + std::to_string(warmup_) +
               ", min=" + format_number(min_) + ")";
    }

  private:
    std::int64_t total_, warmup_;
    double min_;
};

void check_steps(std::string_view schedule, std::string_view field, std::int64_t v,
                 std::int64_t least) {
    if (v < least) throw_invalid(schedule, field, double(v), "an integer >= " + std::to_string(least));
}

}  // namespace

std::unique_ptr<LrSchedule> constant_schedule() { return std::make_unique<Constant>(); }

std::unique_ptr<LrSchedule> step_schedule(std::int64_t step_size, double gamma) {
    check_steps("step schedule", "size", step_size, 1);
    check_non_negative("step schedule", "gamma", gamma);
    return std::make_unique<StepDecay>(step_size, gamma);
}

std::unique_ptr<LrSchedule> exponential_schedule(double gamma) {
    check_non_negative("exponential schedule", "gamma", gamma);
    return std::make_unique<Exponential>(gamma);
}

std::unique_ptr<LrSchedule> linear_warmup_schedule(std::int64_t warmup_steps, double start_factor) {
    check_steps("linear-warmup schedule", "steps", warmup_steps, 1);
    check_unit_closed("linear-warmup schedule", "start", start_factor);
    return std::make_unique<LinearWarmup>(warmup_steps, start_factor);
}

std::unique_ptr<LrSchedule> cosine_schedule(std::int64_t total_steps, std::int64_t warmup_steps,
                                            double min_factor) {
    check_steps("cosine schedule", "total", total_steps, 1);
    check_steps("cosine schedule", "warmup", warmup_steps, 0);
    if (warmup_steps > total_steps) {
        throw InvalidArgument("cosine schedule: warmup (" + std::to_string(warmup_steps) +
                              ") exceeds total (" + std::to_string(total_steps) + ")");
    }
    check_unit_closed("cosine schedule", "min", min_factor);
    return std::make_unique<Cosine>(total_steps, warmup_steps, min_factor);
}

std::unique_ptr<LrSchedule> parse_schedule(std::string_view text) {
    const Spec spec = parse_spec(text, "schedule");
    const std::vector<double>& args = spec.args;
    auto need = [&](std::size_t lo, std::size_t hi, std::string_view form) {
        if (args.size() < lo || args.size() > hi) {
            throw InvalidArgument("schedule '" + std::string(text) + "': expected " +
                                  std::string(form));
        }
    };
    auto integer = [&](double v, std::string_view field) {
        if (v != std::floor(v) || std::abs(v) > 1e15) {
            throw_invalid("schedule " + spec.kind, field, v, "an integer");
        }
        return std::int64_t(v);
    };
    if (spec.kind == "constant") {
        need(0, 0, "constant");
        return constant_schedule();
    }
    if (spec.kind == "step") {
        need(2, 2, "step:SIZE,GAMMA");
        return step_schedule(integer(args[0], "size"), args[1]);
    }
    if (spec.kind == "exponential") {
        need(1, 1, "exponential:GAMMA");
        return exponential_schedule(args[0]);
    }
    if (spec.kind == "linear-warmup") {
        need(1, 2, "linear-warmup:STEPS[,START]");
        return linear_warmup_schedule(integer(args[0], "steps"),
                                      args.size() > 1 ? args[1] : 1.0 / 3.0);
    }
    if (spec.kind == "cosine") {
        need(1, 3, "cosine:TOTAL[,WARMUP[,MIN]]");
        return cosine_schedule(integer(args[0], "total"),
                               args.size() > 1 ? integer(args[1], "warmup") : 0,
                               args.size() > 2 ? args[2] : 0.0);
    }
    throw InvalidArgument("schedule: unknown kind '" + spec.kind +
                          "' (expected constant, step, exponential, linear-warmup, cosine or "
                          "plateau)");
}

std::optional<PlateauOptions> parse_plateau(std::string_view text) {
    const Spec spec = parse_spec(text, "schedule");
    if (spec.kind != "plateau") return std::nullopt;
    if (spec.args.size() > 2 || (spec.args.size() == 2 && spec.args[1] != std::floor(spec.args[1]))) {
        throw InvalidArgument("schedule '" + std::string(text) +
                              "': expected plateau[:FACTOR[,PATIENCE]]");
    }
    PlateauOptions options;
    if (!spec.args.empty()) options.factor = spec.args[0];
    if (spec.args.size() == 2) options.patience = std::int64_t(spec.args[1]);
    validate(options);
    return options;
}

void validate(const PlateauOptions& options) {
    check_unit_open("reduce-on-plateau", "factor", options.factor);
    check_steps("reduce-on-plateau", "patience", options.patience, 0);
    check_steps("reduce-on-plateau", "cooldown", options.cooldown, 0);
    check_non_negative("reduce-on-plateau", "threshold", options.threshold);
    check_non_negative("reduce-on-plateau", "min_lr", options.min_lr);
}

// ---- LrScheduler ----------------------------------------------------------------------------

template <class T>
LrScheduler<T>::LrScheduler(Optimizer<T>& optimizer, std::shared_ptr<const LrSchedule> schedule)
    : optimizer_(optimizer), schedule_(std::move(schedule)) {
    if (!schedule_) throw InvalidArgument("LrScheduler: schedule is null");
    for (std::size_t g = 0; g < optimizer_.num_groups(); ++g) base_lrs_.push_back(optimizer_.lr(g));
    apply();
}

template <class T>
void LrScheduler<T>::step() {
    ++t_;
    apply();
}

template <class T>
void LrScheduler<T>::set_last_step(std::int64_t t) {
    if (t < 0) throw_invalid("LrScheduler", "last_step", double(t), "an integer >= 0");
    t_ = t;
    apply();
}

template <class T>
void LrScheduler<T>::apply() {
    const double f = schedule_->factor(t_);
    for (std::size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(g, base_lrs_[g] * f);
}

// ---- ReduceLrOnPlateau ----------------------------------------------------------------------

template <class T>
ReduceLrOnPlateau<T>::ReduceLrOnPlateau(Optimizer<T>& optimizer, const PlateauOptions& options)
    : optimizer_(optimizer),
      options_(options),
      best_(options.mode_max ? -std::numeric_limits<double>::infinity()
                             : std::numeric_limits<double>::infinity()) {
    validate(options);
}

template <class T>
void ReduceLrOnPlateau<T>::load_state(const PlateauState& state) {
    if (std::isnan(state.best) || state.num_bad_steps < 0 || state.cooldown_left < 0) {
        throw StateMismatch("reduce-on-plateau: invalid state (best " + format_number(state.best) +
                            ", bad steps " + std::to_string(state.num_bad_steps) +
                            ", cooldown " + std::to_string(state.cooldown_left) + ")");
    }
    best_ = state.best;
    num_bad_ = state.num_bad_steps;
    cooldown_left_ = state.cooldown_left;
}

template <class T>
bool ReduceLrOnPlateau<T>::step(double metric) {
    if (std::isnan(metric)) throw NonFiniteError("reduce-on-plateau: the metric is NaN");
    const bool better = options_.mode_max ? metric > best_ * (1.0 + options_.threshold)
                                          : metric < best_ * (1.0 - options_.threshold);
    if (better) {
        best_ = metric;
        num_bad_ = 0;
    } else {
        ++num_bad_;
    }
    if (cooldown_left_ > 0) {
        --cooldown_left_;
        num_bad_ = 0;
    }
    if (num_bad_ > options_.patience) {
        for (std::size_t g = 0; g < optimizer_.num_groups(); ++g) {
            optimizer_.set_lr(g, std::max(optimizer_.lr(g) * options_.factor, options_.min_lr));
        }
        cooldown_left_ = options_.cooldown;
        num_bad_ = 0;
        return true;
    }
    return false;
}

template class LrScheduler<float>;
template class LrScheduler<double>;
template class ReduceLrOnPlateau<float>;
template class ReduceLrOnPlateau<double>;

}  // namespace optlab
