// SPDX-License-Identifier: MIT
// The schedules, each as PyTorch 1.13's torch/optim/lr_scheduler.py computes it: next() is the
// class's get_lr() (reading the group's lr where torch does), closed() its
// _get_closed_form_lr() (or get_lr() where that is closed). Expressions keep torch's order of
// operations, Python's floats being C doubles, so the lrs are the same bits.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"
#include "optlab/schedule/lr_scheduler.hpp"

namespace optlab {

namespace {

constexpr double kPi = std::numbers::pi;  // Python's math.pi: the same double

class Constant final : public LrSchedule {
  public:
    double next(double lr, double, std::int64_t) const override { return lr; }
    double closed(double base, std::int64_t) const override { return base; }
    std::string describe() const override { return "constant"; }
};

class StepDecay final : public LrSchedule {  // StepLR
  public:
    StepDecay(std::int64_t size, double gamma) : size_(size), gamma_(gamma) {}
    double next(double lr, double, std::int64_t t) const override {
        return t == 0 || t % size_ != 0 ? lr : lr * gamma_;
    }
    double closed(double base, std::int64_t t) const override {
        return base * std::pow(gamma_, double(t / size_));
    }
    std::string describe() const override {
        return "step(size=" + std::to_string(size_) + ", gamma=" + format_number(gamma_) + ")";
    }

  private:
    std::int64_t size_;
    double gamma_;
};

class MultiStep final : public LrSchedule {  // MultiStepLR: milestones counted with multiplicity
  public:
    MultiStep(std::vector<std::int64_t> milestones, double gamma)
        : milestones_(std::move(milestones)), gamma_(gamma) {
        std::sort(milestones_.begin(), milestones_.end());
    }
    double next(double lr, double, std::int64_t t) const override {
        const auto count = std::count(milestones_.begin(), milestones_.end(), t);
        return count == 0 ? lr : lr * std::pow(gamma_, double(count));
    }
    double closed(double base, std::int64_t t) const override {
        const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), t) - milestones_.begin();
        return base * std::pow(gamma_, double(passed));
    }
    std::string describe() const override {
        std::string m;
        for (auto v : milestones_) m += (m.empty() ? "" : ",") + std::to_string(v);
        return "multistep(milestones=" + m + ", gamma=" + format_number(gamma_) + ")";
    }

  private:
    std::vector<std::int64_t> milestones_;
    double gamma_;
};

class Exponential final : public LrSchedule {  // ExponentialLR
  public:
    explicit Exponential(double gamma) : gamma_(gamma) {}
    double next(double lr, double, std::int64_t t) const override { return t == 0 ? lr : lr * gamma_; }
    double closed(double base, std::int64_t t) const override { return base * std::pow(gamma_, double(t)); }
    std::string describe() const override { return "exponential(gamma=" + format_number(gamma_) + ")"; }

  private:
    double gamma_;
};

class LinearWarmup final : public LrSchedule {  // LinearLR with end_factor 1
  public:
    LinearWarmup(std::int64_t n, double start) : n_(n), start_(start) {}
    double next(double lr, double, std::int64_t t) const override {
        if (t == 0) return lr * start_;
        if (t > n_) return lr;
        return lr * (1.0 + (1.0 - start_) / (double(n_) * start_ + double(t - 1) * (1.0 - start_)));
    }
    double closed(double base, std::int64_t t) const override {
        return base * (start_ + (1.0 - start_) * double(std::min(n_, t)) / double(n_));
    }
    std::string describe() const override {
        return "linear-warmup(steps=" + std::to_string(n_) + ", start=" + format_number(start_) + ")";
    }

  private:
    std::int64_t n_;
    double start_;
};

class Polynomial final : public LrSchedule {  // PolynomialLR
  public:
    Polynomial(std::int64_t total, double power) : total_(total), power_(power) {}
    double next(double lr, double, std::int64_t t) const override {
        if (t == 0 || t > total_) return lr;
        const double T = double(total_);
        const double decay = std::pow((1.0 - double(t) / T) / (1.0 - double(t - 1) / T), power_);
        return lr * decay;
    }
    double closed(double base, std::int64_t t) const override {
        return base * std::pow(1.0 - double(std::min(total_, t)) / double(total_), power_);
    }
    std::string describe() const override {
        return "polynomial(total_iters=" + std::to_string(total_) + ", power=" + format_number(power_) + ")";
    }

  private:
    std::int64_t total_;
    double power_;
};

class CosineAnnealing final : public LrSchedule {  // CosineAnnealingLR
  public:
    CosineAnnealing(std::int64_t t_max, double eta_min) : t_max_(t_max), eta_min_(eta_min) {}
    double next(double lr, double base, std::int64_t t) const override {
        const double T = double(t_max_);
        if (t == 0) return lr;
        if ((t - 1 - t_max_) % (2 * t_max_) == 0) {  // at the bottom: the recursion's ratio is 0/0
            return lr + (base - eta_min_) * (1.0 - std::cos(kPi / T)) / 2.0;
        }
        return (1.0 + std::cos(kPi * double(t) / T)) / (1.0 + std::cos(kPi * double(t - 1) / T)) *
                   (lr - eta_min_) +
               eta_min_;
    }
    double closed(double base, std::int64_t t) const override {
        return eta_min_ + (base - eta_min_) * (1.0 + std::cos(kPi * double(t) / double(t_max_))) / 2.0;
    }
    std::string describe() const override {
        return "cosine-annealing(T_max=" + std::to_string(t_max_) + ", eta_min=" + format_number(eta_min_) + ")";
    }

  private:
    std::int64_t t_max_;
    double eta_min_;
};

class CosineRestarts final : public LrSchedule {  // CosineAnnealingWarmRestarts (SGDR)
  public:
    CosineRestarts(std::int64_t t_0, std::int64_t t_mult, double eta_min)
        : t_0_(t_0), t_mult_(t_mult), eta_min_(eta_min) {}
    double next(double, double base, std::int64_t t) const override { return closed(base, t); }
    double closed(double base, std::int64_t t) const override {
        // torch steps T_cur by one and, on reaching T_i, subtracts it and multiplies T_i by
        // T_mult: the same integers as taking whole periods off t.
        std::int64_t t_cur = t, t_i = t_0_;
        while (t_cur >= t_i) {
            t_cur -= t_i;
            t_i *= t_mult_;
        }
        return eta_min_ + (base - eta_min_) * (1.0 + std::cos(kPi * double(t_cur) / double(t_i))) / 2.0;
    }
    std::string describe() const override {
        return "cosine-restarts(T_0=" + std::to_string(t_0_) + ", T_mult=" + std::to_string(t_mult_) +
               ", eta_min=" + format_number(eta_min_) + ")";
    }

  private:
    std::int64_t t_0_, t_mult_;
    double eta_min_;
};

class Cosine final : public LrSchedule {  // optlab's warm-up + cosine, a closed form
  public:
    Cosine(std::int64_t total, std::int64_t warmup, double min) : total_(total), warmup_(warmup), min_(min) {}
    double next(double, double base, std::int64_t t) const override { return closed(base, t); }
    double closed(double base, std::int64_t t) const override {
        if (t < warmup_) return base * (double(t + 1) / double(warmup_));
        const double progress =
            std::min(1.0, double(t - warmup_) / double(std::max<std::int64_t>(1, total_ - warmup_)));
        return base * (min_ + (1.0 - min_) * 0.5 * (1.0 + std::cos(kPi * progress)));
    }
    std::string describe() const override {
        return "cosine(total=" + std::to_string(total_) + ", warmup=" + std::to_string(warmup_) +
               ", min=" + format_number(min_) + ")";
    }

  private:
    std::int64_t total_, warmup_;
    double min_;
};

class Cyclic final : public LrSchedule {  // CyclicLR; base_lr and max_lr are absolute
  public:
    explicit Cyclic(const CyclicOptions& o)
        : o_(o),
          total_size_(double(o.step_size_up) + double(o.step_size_down.value_or(o.step_size_up))),
          step_ratio_(double(o.step_size_up) / total_size_) {}

    double next(double, double, std::int64_t t) const override { return closed(0, t); }
    double closed(double, std::int64_t t) const override {
        const Phase p = phase(t);
        return o_.base_lr + (o_.max_lr - o_.base_lr) * p.scale_factor * p.scale;
    }
    bool cycles_momentum() const override { return o_.cycle_momentum; }
    std::optional<double> momentum(std::int64_t t) const override {
        if (!o_.cycle_momentum) return std::nullopt;
        const Phase p = phase(t);
        return o_.max_momentum - (o_.max_momentum - o_.base_momentum) * p.scale_factor * p.scale;
    }
    std::string describe() const override {
        return "cyclic(base_lr=" + format_number(o_.base_lr) + ", max_lr=" + format_number(o_.max_lr) +
               ", step_size_up=" + std::to_string(o_.step_size_up) +
               ", step_size_down=" + std::to_string(o_.step_size_down.value_or(o_.step_size_up)) +
               ", mode=" + o_.mode + (o_.mode == "exp_range" ? ", gamma=" + format_number(o_.gamma) : "") +
               (o_.cycle_momentum ? ", momentum " + format_number(o_.base_momentum) + ".." +
                                        format_number(o_.max_momentum)
                                  : "") +
               ")";
    }

  private:
    struct Phase {
        double scale_factor;  // where in the cycle: 0 at its ends, 1 at the top
        double scale;         // the mode's amplitude
    };
    Phase phase(std::int64_t t) const {
        const double cycle = std::floor(1.0 + double(t) / total_size_);
        const double x = 1.0 + double(t) / total_size_ - cycle;
        const double sf = x <= step_ratio_ ? x / step_ratio_ : (x - 1.0) / (step_ratio_ - 1.0);
        double scale = 1.0;                                                           // triangular
        if (o_.mode == "triangular2") scale = 1.0 / std::pow(2.0, cycle - 1.0);       // per cycle
        if (o_.mode == "exp_range") scale = std::pow(o_.gamma, double(t));            // per step
        return {sf, scale};
    }

    CyclicOptions o_;
    double total_size_, step_ratio_;
};

class OneCycle final : public LrSchedule {  // OneCycleLR; max_lr is absolute
  public:
    explicit OneCycle(const OneCycleOptions& o) : o_(o) {
        initial_lr_ = o.max_lr / o.div_factor;
        min_lr_ = initial_lr_ / o.final_div_factor;
        const double T = double(o.total_steps), p = o.pct_start;
        if (o.three_phase) {
            phases_ = {{p * T - 1.0, initial_lr_, o.max_lr, o.max_momentum, o.base_momentum},
                       {2.0 * p * T - 2.0, o.max_lr, initial_lr_, o.base_momentum, o.max_momentum},
                       {T - 1.0, initial_lr_, min_lr_, o.max_momentum, o.max_momentum}};
        } else {
            phases_ = {{p * T - 1.0, initial_lr_, o.max_lr, o.max_momentum, o.base_momentum},
                       {T - 1.0, o.max_lr, min_lr_, o.base_momentum, o.max_momentum}};
        }
        double start = 0;
        for (std::size_t i = 0; i < phases_.size(); ++i) {
            // torch divides by the phase's length: a phase of none is its ZeroDivisionError
            if (!(phases_[i].end_step > start)) {
                throw InvalidArgument("one-cycle schedule: pct_start " + format_number(p) + " of total_steps " +
                                      std::to_string(o.total_steps) + " leaves phase " + std::to_string(i + 1) +
                                      " no steps (it ends at step " + format_number(phases_[i].end_step) +
                                      ", expected after " + format_number(start) + ")");
            }
            start = phases_[i].end_step;
        }
    }

    double next(double, double, std::int64_t t) const override { return closed(0, t); }
    double closed(double, std::int64_t t) const override {
        const At a = at(t);
        return anneal(a.phase->start_lr, a.phase->end_lr, a.pct);
    }
    bool cycles_momentum() const override { return o_.cycle_momentum; }
    std::optional<double> momentum(std::int64_t t) const override {
        if (!o_.cycle_momentum) return std::nullopt;
        const At a = at(t);
        return anneal(a.phase->start_momentum, a.phase->end_momentum, a.pct);
    }
    std::int64_t last_step() const override { return o_.total_steps; }
    std::string describe() const override {
        return "one-cycle(max_lr=" + format_number(o_.max_lr) + ", total_steps=" + std::to_string(o_.total_steps) +
               ", pct_start=" + format_number(o_.pct_start) + ", anneal_strategy=" + o_.anneal_strategy +
               ", div_factor=" + format_number(o_.div_factor) + ", final_div_factor=" +
               format_number(o_.final_div_factor) + (o_.three_phase ? ", three_phase" : "") +
               (o_.cycle_momentum ? ", momentum " + format_number(o_.base_momentum) + ".." +
                                        format_number(o_.max_momentum)
                                  : "") +
               ")";
    }

  private:
    struct Phase {
        double end_step, start_lr, end_lr, start_momentum, end_momentum;
    };
    struct At {
        const Phase* phase;
        double pct;
    };
    At at(std::int64_t t) const {
        // torch's last step (t = total_steps, after the last update it schedules) extrapolates
        // past the last phase's end: a cosine rises again, a linear anneal can go below 0.
        // optlab holds the end there (docs/optimizers.md#learning-rate-schedules).
        t = std::min(t, o_.total_steps - 1);
        double start = 0;
        for (std::size_t i = 0; i < phases_.size(); ++i) {
            const Phase& ph = phases_[i];
            if (double(t) <= ph.end_step || i + 1 == phases_.size()) {
                return {&ph, (double(t) - start) / (ph.end_step - start)};
            }
            start = ph.end_step;
        }
        return {&phases_.back(), 1.0};  // not reached
    }
    double anneal(double start, double end, double pct) const {
        if (o_.anneal_strategy == "linear") return (end - start) * pct + start;
        const double cos_out = std::cos(kPi * pct) + 1.0;
        return end + (start - end) / 2.0 * cos_out;
    }

    OneCycleOptions o_;
    double initial_lr_, min_lr_;
    std::vector<Phase> phases_;
};

void check_steps(std::string_view schedule, std::string_view field, std::int64_t v, std::int64_t least) {
    if (v < least) throw_invalid(schedule, field, double(v), "an integer >= " + std::to_string(least));
}

void check_finite_non_negative(std::string_view schedule, std::string_view field, double v) {
    if (!std::isfinite(v)) throw_invalid(schedule, field, v, "a finite number >= 0");
    check_non_negative(schedule, field, v);
}

void check_momenta(std::string_view schedule, bool cycle, double base, double max) {
    if (!cycle) return;
    check_unit_closed(schedule, "base_momentum", base);
    check_unit_closed(schedule, "max_momentum", max);
}

}  // namespace

std::unique_ptr<LrSchedule> constant_schedule() { return std::make_unique<Constant>(); }

std::unique_ptr<LrSchedule> step_schedule(std::int64_t step_size, double gamma) {
    check_steps("step schedule", "size", step_size, 1);
    check_finite_non_negative("step schedule", "gamma", gamma);
    return std::make_unique<StepDecay>(step_size, gamma);
}

std::unique_ptr<LrSchedule> multistep_schedule(std::vector<std::int64_t> milestones, double gamma) {
    if (milestones.empty()) throw InvalidArgument("multistep schedule: no milestones (expected at least one)");
    for (auto m : milestones) check_steps("multistep schedule", "milestone", m, 0);
    check_finite_non_negative("multistep schedule", "gamma", gamma);
    return std::make_unique<MultiStep>(std::move(milestones), gamma);
}

std::unique_ptr<LrSchedule> exponential_schedule(double gamma) {
    check_finite_non_negative("exponential schedule", "gamma", gamma);
    return std::make_unique<Exponential>(gamma);
}

std::unique_ptr<LrSchedule> linear_warmup_schedule(std::int64_t warmup_steps, double start_factor) {
    check_steps("linear-warmup schedule", "steps", warmup_steps, 1);
    // torch's chainable form divides by start·steps: from 0 the lr would stay 0
    if (!(start_factor > 0.0 && start_factor <= 1.0)) {
        throw_invalid("linear-warmup schedule", "start", start_factor, "0 < value <= 1");
    }
    return std::make_unique<LinearWarmup>(warmup_steps, start_factor);
}

std::unique_ptr<LrSchedule> polynomial_schedule(std::int64_t total_iters, double power) {
    check_steps("polynomial schedule", "total_iters", total_iters, 1);
    check_finite_non_negative("polynomial schedule", "power", power);
    return std::make_unique<Polynomial>(total_iters, power);
}

std::unique_ptr<LrSchedule> cosine_annealing_schedule(std::int64_t t_max, double eta_min) {
    check_steps("cosine-annealing schedule", "T_max", t_max, 1);
    check_finite_non_negative("cosine-annealing schedule", "eta_min", eta_min);
    return std::make_unique<CosineAnnealing>(t_max, eta_min);
}

std::unique_ptr<LrSchedule> cosine_restarts_schedule(std::int64_t t_0, std::int64_t t_mult, double eta_min) {
    check_steps("cosine-restarts schedule", "T_0", t_0, 1);
    check_steps("cosine-restarts schedule", "T_mult", t_mult, 1);
    check_finite_non_negative("cosine-restarts schedule", "eta_min", eta_min);
    return std::make_unique<CosineRestarts>(t_0, t_mult, eta_min);
}

std::unique_ptr<LrSchedule> cosine_schedule(std::int64_t total_steps, std::int64_t warmup_steps, double min_factor) {
    check_steps("cosine schedule", "total", total_steps, 1);
    check_steps("cosine schedule", "warmup", warmup_steps, 0);
    if (warmup_steps > total_steps) {
        throw InvalidArgument("cosine schedule: warmup (" + std::to_string(warmup_steps) + ") exceeds total (" +
                              std::to_string(total_steps) + ")");
    }
    check_unit_closed("cosine schedule", "min", min_factor);
    return std::make_unique<Cosine>(total_steps, warmup_steps, min_factor);
}

std::unique_ptr<LrSchedule> cyclic_schedule(const CyclicOptions& o) {
    const std::string_view what = "cyclic schedule";
    check_finite_non_negative(what, "base_lr", o.base_lr);
    check_finite_non_negative(what, "max_lr", o.max_lr);
    check_steps(what, "step_size_up", o.step_size_up, 1);
    if (o.step_size_down) check_steps(what, "step_size_down", *o.step_size_down, 1);
    if (o.mode != "triangular" && o.mode != "triangular2" && o.mode != "exp_range") {
        throw InvalidArgument("cyclic schedule: mode '" + o.mode + "' (expected triangular, triangular2 or exp_range)");
    }
    check_finite_non_negative(what, "gamma", o.gamma);
    check_momenta(what, o.cycle_momentum, o.base_momentum, o.max_momentum);
    return std::make_unique<Cyclic>(o);
}

std::unique_ptr<LrSchedule> one_cycle_schedule(const OneCycleOptions& o) {
    const std::string_view what = "one-cycle schedule";
    check_finite_non_negative(what, "max_lr", o.max_lr);
    check_steps(what, "total_steps", o.total_steps, 1);
    check_unit_closed(what, "pct_start", o.pct_start);
    if (o.anneal_strategy != "cos" && o.anneal_strategy != "linear") {
        throw InvalidArgument("one-cycle schedule: anneal_strategy '" + o.anneal_strategy + "' (expected cos or linear)");
    }
    if (!(o.div_factor > 0.0) || !std::isfinite(o.div_factor)) throw_invalid(what, "div_factor", o.div_factor, "a finite number > 0");
    if (!(o.final_div_factor > 0.0) || !std::isfinite(o.final_div_factor)) {
        throw_invalid(what, "final_div_factor", o.final_div_factor, "a finite number > 0");
    }
    check_momenta(what, o.cycle_momentum, o.base_momentum, o.max_momentum);
    return std::make_unique<OneCycle>(o);
}

}  // namespace optlab
