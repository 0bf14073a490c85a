// SPDX-License-Identifier: MIT
#include "optlab/schedule/lr_scheduler.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"

namespace optlab {

namespace {

void check_steps(std::string_view schedule, std::string_view field, std::int64_t v, std::int64_t least) {
    if (v < least) throw_invalid(schedule, field, double(v), "an integer >= " + std::to_string(least));
}

}  // namespace

std::optional<PlateauOptions> parse_plateau(std::string_view text) {
    if (text.substr(0, text.find(':')) != "plateau") return std::nullopt;
    const Spec spec = parse_spec(text, "schedule");
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
    if (schedule_->cycles_momentum()) {  // torch: "optimizer must support momentum with `cycle_momentum` option enabled"
        const HyperParams h = optimizer_.hyper(0);
        if (!h.count("momentum") && !h.count("betas")) {
            throw InvalidArgument("schedule " + schedule_->describe() + ": " + std::string(optimizer_.name()) +
                                  " has neither momentum nor betas to cycle (add cycle_momentum=false)");
        }
    }
    for (std::size_t g = 0; g < optimizer_.num_groups(); ++g) base_lrs_.push_back(optimizer_.lr(g));
    set_last_step(0);
}

template <class T>
void LrScheduler<T>::step() {
    if (optimizer_.schedules_own_lr()) return;  // SWA's SWALR has taken over: torch steps no scheduler then
    if (t_ >= schedule_->last_step()) {
        throw InvalidArgument("schedule " + schedule_->describe() + ": stepped past its last step " +
                              std::to_string(schedule_->last_step()));
    }
    ++t_;
    for (std::size_t g = 0; g < base_lrs_.size(); ++g) {
        optimizer_.set_lr(g, schedule_->next(optimizer_.lr(g), base_lrs_[g], t_));
    }
    set_momentum(t_);
}

template <class T>
void LrScheduler<T>::set_last_step(std::int64_t t) {
    if (t < 0) throw_invalid("LrScheduler", "last_step", double(t), "an integer >= 0");
    if (t > schedule_->last_step()) {
        throw_invalid("LrScheduler", "last_step", double(t), "at most the schedule's last step " +
                                                                 std::to_string(schedule_->last_step()));
    }
    if (optimizer_.schedules_own_lr()) {  // the lrs are SWALR's, loaded with the optimizer's state
        t_ = t;
        return;
    }
    for (std::size_t g = 0; g < base_lrs_.size(); ++g) {
        double lr = schedule_->next(base_lrs_[g], base_lrs_[g], 0);
        for (std::int64_t k = 1; k <= t; ++k) lr = schedule_->next(lr, base_lrs_[g], k);
        optimizer_.set_lr(g, lr);
    }
    t_ = t;
    set_momentum(t);
}

// torch writes group['momentum'], or β1 of group['betas'] where the optimizer has betas.
template <class T>
void LrScheduler<T>::set_momentum(std::int64_t t) {
    const std::optional<double> m = schedule_->momentum(t);
    if (!m) return;
    for (std::size_t g = 0; g < base_lrs_.size(); ++g) {
        const HyperParams h = optimizer_.hyper(g);
        if (auto it = h.find("betas"); it != h.end()) {
            optimizer_.set_hyper(g, {{"betas", Betas{*m, std::get<Betas>(it->second)[1]}}});
        } else {
            optimizer_.set_hyper(g, {{"momentum", *m}});
        }
    }
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
    if (optimizer_.schedules_own_lr()) return false;  // SWA's SWALR has taken over
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
