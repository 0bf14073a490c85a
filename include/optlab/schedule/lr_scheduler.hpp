// SPDX-License-Identifier: MIT
// Learning-rate schedules. A schedule only writes each group's lr between steps (PyTorch's
// scheduler.step(), Optax's ScalarOrSchedule, ggml's callback), so any schedule combines with
// any optimizer and clipping.
//
// A closed-form schedule is a factor of the group's base lr as a function of the scheduler's
// step count t = 0, 1, 2, ... (epochs or iterations, as the caller steps it):
//   constant                 1
//   step(size, γ)            γ^⌊t/size⌋                                   (torch StepLR)
//   exponential(γ)           γ^t                                          (torch ExponentialLR)
//   linear_warmup(n, s)      s + (1−s)·min(t, n)/n                        (torch LinearLR)
//   cosine(total, n, min)    t < n: (t+1)/n;  then min + (1−min)·½(1 + cos(π·min(1, (t−n)/(total−n))))
// Reduce-on-plateau is stateful and takes the metric explicitly (torch ReduceLROnPlateau).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

/// A closed-form schedule: the factor applied to each group's base lr at step t.
class LrSchedule {
  public:
    virtual ~LrSchedule() = default;
    virtual double factor(std::int64_t t) const = 0;
    /// e.g. "step(size=10, gamma=0.5)".
    virtual std::string describe() const = 0;
};

std::unique_ptr<LrSchedule> constant_schedule();
std::unique_ptr<LrSchedule> step_schedule(std::int64_t step_size, double gamma);
std::unique_ptr<LrSchedule> exponential_schedule(double gamma);
std::unique_ptr<LrSchedule> linear_warmup_schedule(std::int64_t warmup_steps,
                                                   double start_factor = 1.0 / 3.0);
std::unique_ptr<LrSchedule> cosine_schedule(std::int64_t total_steps,
                                            std::int64_t warmup_steps = 0,
                                            double min_factor = 0.0);
/// Parses "constant", "step:SIZE,GAMMA", "exponential:GAMMA", "linear-warmup:N[,START]",
/// "cosine:TOTAL[,WARMUP[,MIN_FACTOR]]"; throws InvalidArgument naming what is wrong.
std::unique_ptr<LrSchedule> parse_schedule(std::string_view spec);


/// Binds a closed-form schedule to an optimizer: remembers each group's lr at construction as
/// its base lr and sets lr = base·factor(t) now and after every step().
template <class T>
class LrScheduler {
  public:
    LrScheduler(Optimizer<T>& optimizer, std::shared_ptr<const LrSchedule> schedule);
    /// t ← t + 1, then every group's lr ← base·factor(t).
    void step();
    std::int64_t last_step() const { return t_; }
    /// For resuming: jump to step t (sets the lrs as step() would have).
    void set_last_step(std::int64_t t);
    const std::vector<double>& base_lrs() const { return base_lrs_; }

  private:
    void apply();
    Optimizer<T>& optimizer_;
    std::shared_ptr<const LrSchedule> schedule_;
    std::vector<double> base_lrs_;
    std::int64_t t_ = 0;
};

struct PlateauOptions {
    bool mode_max = false;      // false: lower metric is better (a loss)
    double factor = 0.1;        // lr ← max(lr·factor, min_lr) on a plateau; 0 <= factor < 1
    std::int64_t patience = 10; // bad steps tolerated before reducing
    double threshold = 1e-4;    // relative improvement that counts (torch threshold_mode 'rel')
    std::int64_t cooldown = 0;  // steps after a reduction during which bad steps are not counted
    double min_lr = 0.0;
};
/// Throws InvalidArgument naming the first field out of range.
void validate(const PlateauOptions& options);
/// "plateau", "plateau:FACTOR" or "plateau:FACTOR,PATIENCE" as PlateauOptions; nullopt for any
/// other kind (a closed-form schedule: parse_schedule); throws InvalidArgument for a malformed
/// or out-of-range plateau.
std::optional<PlateauOptions> parse_plateau(std::string_view spec);

/// What reduce-on-plateau remembers between steps (torch's state_dict: best, num_bad_epochs,
/// cooldown_counter): a resumed run needs it to reduce at the same step as one never stopped.
struct PlateauState {
    double best = 0;
    std::int64_t num_bad_steps = 0;
    std::int64_t cooldown_left = 0;
};

/// Reduce-on-plateau (PyTorch's semantics, rel threshold): step(metric) after each evaluation.
template <class T>
class ReduceLrOnPlateau {
  public:
    ReduceLrOnPlateau(Optimizer<T>& optimizer, const PlateauOptions& options = {});
    /// Returns true when the lrs were reduced at this step. A NaN metric throws.
    bool step(double metric);
    double best() const { return best_; }
    std::int64_t num_bad_steps() const { return num_bad_; }
    PlateauState state() const { return {best_, num_bad_, cooldown_left_}; }
    /// Continues from a saved state (refuses a NaN best or negative counts).
    void load_state(const PlateauState& state);

  private:
    Optimizer<T>& optimizer_;
    PlateauOptions options_;
    double best_;
    std::int64_t num_bad_ = 0;
    std::int64_t cooldown_left_ = 0;
};

extern template class LrScheduler<float>;
extern template class LrScheduler<double>;
extern template class ReduceLrOnPlateau<float>;
extern template class ReduceLrOnPlateau<double>;

}  // namespace optlab
