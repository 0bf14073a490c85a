// SPDX-License-Identifier: MIT
// The trainer's --schedule: a schedule stepped by count (LrScheduler over parse_schedule's)
// or reduce-on-plateau, stepped after every epoch or every iteration. Per epoch, plateau
// watches the metric the trainer passes (the validation loss when there is one, else the
// epoch's training loss); per iteration, the batch's training loss.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "optlab/schedule/lr_scheduler.hpp"

namespace optlab {

enum class ScheduleUnit { epoch, iteration };
/// "epoch" or "iteration"; throws InvalidArgument otherwise.
ScheduleUnit parse_schedule_unit(std::string_view name);

class TrainingSchedule {
  public:
    /// Binds `spec` ("constant", "cosine:1000,50", "plateau:0.5,2", ...) to the optimizer and
    /// sets its learning rates for step 0; throws InvalidArgument for a malformed spec.
    TrainingSchedule(Optimizer<float>& optimizer, std::string_view spec, ScheduleUnit unit);

    /// Throws InvalidArgument when the schedule ends (one-cycle's total_steps) before the run's
    /// `steps` scheduler steps do; `what` says how the run counts them.
    void check_covers(std::int64_t steps, const std::string& what) const;

    /// After an iteration's update: steps when the unit is iteration.
    void after_iteration(double loss);
    /// After an epoch: steps when the unit is epoch.
    void after_epoch(double metric);

    /// Everything a checkpoint needs to continue the schedule exactly.
    struct State {
        std::int64_t step = 0;   // the schedule's step t
        PlateauState plateau{};  // plateau: its best and counters
    };
    State state() const;
    /// Continues from `state`; call after the optimizer's own state is loaded (a stepped
    /// schedule replays its lrs from the base lrs to t, plateau keeps the optimizer's saved lrs).
    void load_state(const State& state);

  private:
    void step(double metric);

    ScheduleUnit unit_;
    std::optional<LrScheduler<float>> scheduler_;
    std::optional<ReduceLrOnPlateau<float>> plateau_;
};

}  // namespace optlab
