// SPDX-License-Identifier: MIT
#include "optlab/train/schedule.hpp"

#include <string>

#include "optlab/core/error.hpp"

namespace optlab {

ScheduleUnit parse_schedule_unit(std::string_view name) {
    if (name == "epoch") return ScheduleUnit::epoch;
    if (name == "iteration") return ScheduleUnit::iteration;
    throw InvalidArgument("train: schedule unit '" + std::string(name) +
                          "' (expected epoch or iteration)");
}

TrainingSchedule::TrainingSchedule(Optimizer<float>& optimizer, std::string_view spec,
                                   ScheduleUnit unit)
    : unit_(unit) {
    if (const std::optional<PlateauOptions> plateau = parse_plateau(spec)) {
        plateau_.emplace(optimizer, *plateau);
    } else {
        scheduler_.emplace(optimizer, std::shared_ptr<const LrSchedule>(parse_schedule(spec)));
    }
}

void TrainingSchedule::check_covers(std::int64_t steps, const std::string& what) const {
    if (!scheduler_) return;
    const LrSchedule& s = scheduler_->schedule();
    if (s.last_step() < steps) {
        throw InvalidArgument("--schedule " + s.describe() + " ends at step " + std::to_string(s.last_step()) +
                              ", but the run steps it " + std::to_string(steps) + " times (" + what + ")");
    }
}

void TrainingSchedule::after_iteration(double loss) {
    if (unit_ == ScheduleUnit::iteration) step(loss);
}

void TrainingSchedule::after_epoch(double metric) {
    if (unit_ == ScheduleUnit::epoch) step(metric);
}

void TrainingSchedule::step(double metric) {
    if (plateau_) {
        plateau_->step(metric);
    } else {
        scheduler_->step();
    }
}

TrainingSchedule::State TrainingSchedule::state() const {
    State s;
    if (scheduler_) s.step = scheduler_->last_step();
    if (plateau_) s.plateau = plateau_->state();
    return s;
}

void TrainingSchedule::load_state(const State& state) {
    if (scheduler_) scheduler_->set_last_step(state.step);
    if (plateau_) plateau_->load_state(state.plateau);
}

}  // namespace optlab
