// SPDX-License-Identifier: MIT
// Learning-rate schedules. A schedule only writes each group's lr (and, for the cyclic ones,
// its momentum) between steps (PyTorch's scheduler.step(), Optax's ScalarOrSchedule, ggml's
// callback), so any schedule combines with any optimizer and clipping.
//
// Each schedule computes the lr at its step t = 0, 1, 2, ... (epochs or iterations, as the
// caller steps it) as PyTorch 1.13's lr_scheduler does when stepped once per call: from the lr
// the group holds (the "chainable" get_lr of StepLR, MultiStepLR, ExponentialLR, LinearLR,
// PolynomialLR, CosineAnnealingLR), or from the base lr alone (CyclicLR, OneCycleLR,
// CosineAnnealingWarmRestarts) — so the lrs are torch's to the last bit, not a closed form
// that differs from them by rounding. The formulas: docs/optimizers.md#learning-rate-schedules.
// Reduce-on-plateau is stateful and takes the metric explicitly (torch ReduceLROnPlateau).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

class LrSchedule {
  public:
    virtual ~LrSchedule() = default;
    /// The lr at step t, from the lr the group holds (the one step t − 1 set; at t = 0 its base
    /// lr) and its base lr: torch's get_lr().
    virtual double next(double lr, double base, std::int64_t t) const = 0;
    /// The lr at step t from the base lr alone: torch's _get_closed_form_lr where it has one,
    /// else get_lr(). Where a sequence switches to this schedule it starts here (SequentialLR's
    /// step(0)).
    virtual double closed(double base, std::int64_t t) const = 0;
    /// The momentum (β1 for optimizers with betas) step t sets, for schedules that cycle it.
    virtual std::optional<double> momentum(std::int64_t /*t*/) const { return std::nullopt; }
    /// Whether momentum() sets a value at some step.
    virtual bool cycles_momentum() const { return false; }
    /// The last step the schedule is defined at (one-cycle's total_steps).
    virtual std::int64_t last_step() const { return std::numeric_limits<std::int64_t>::max(); }
    /// e.g. "step(size=10, gamma=0.5)".
    virtual std::string describe() const = 0;
    /// closed(1, t): the shape, for a base lr of 1.
    double factor(std::int64_t t) const { return closed(1.0, t); }
};

// ---- the schedules (torch's class and arguments in brackets) ------------------------------

std::unique_ptr<LrSchedule> constant_schedule();
/// γ every `step_size` steps (StepLR).
std::unique_ptr<LrSchedule> step_schedule(std::int64_t step_size, double gamma);
/// γ at each milestone, twice at a milestone given twice (MultiStepLR).
std::unique_ptr<LrSchedule> multistep_schedule(std::vector<std::int64_t> milestones, double gamma = 0.1);
/// γ every step (ExponentialLR).
std::unique_ptr<LrSchedule> exponential_schedule(double gamma);
/// From start_factor·base to base over `warmup_steps` (LinearLR, end_factor 1); start in (0, 1].
std::unique_ptr<LrSchedule> linear_warmup_schedule(std::int64_t warmup_steps,
                                                   double start_factor = 1.0 / 3.0);
/// To 0 at `total_iters` as (1 − t/T)^power (PolynomialLR).
std::unique_ptr<LrSchedule> polynomial_schedule(std::int64_t total_iters, double power = 1.0);
/// Half a cosine from base to eta_min over t_max steps, then back up (CosineAnnealingLR).
std::unique_ptr<LrSchedule> cosine_annealing_schedule(std::int64_t t_max, double eta_min = 0.0);
/// SGDR: cosine from base to eta_min over t_0 steps, restarting, each period t_mult times the
/// last (CosineAnnealingWarmRestarts).
std::unique_ptr<LrSchedule> cosine_restarts_schedule(std::int64_t t_0, std::int64_t t_mult = 1,
                                                     double eta_min = 0.0);
/// optlab's warm-up then cosine (closed form; not a torch class):
/// t < n: (t+1)/n;  then min + (1−min)·½(1 + cos(π·min(1, (t−n)/(total−n)))).
std::unique_ptr<LrSchedule> cosine_schedule(std::int64_t total_steps,
                                            std::int64_t warmup_steps = 0,
                                            double min_factor = 0.0);

struct CyclicOptions {  // CyclicLR's arguments and defaults; the lrs are absolute
    double base_lr = 0;
    double max_lr = 0;
    std::int64_t step_size_up = 2000;
    std::optional<std::int64_t> step_size_down;  // default: step_size_up
    std::string mode = "triangular";             // triangular, triangular2 or exp_range
    double gamma = 1.0;                          // exp_range's decay per step
    bool cycle_momentum = true;
    double base_momentum = 0.8;
    double max_momentum = 0.9;
};
std::unique_ptr<LrSchedule> cyclic_schedule(const CyclicOptions& options);

struct OneCycleOptions {  // OneCycleLR's arguments and defaults; max_lr is absolute
    double max_lr = 0;
    std::int64_t total_steps = 0;
    double pct_start = 0.3;
    std::string anneal_strategy = "cos";  // cos or linear
    bool cycle_momentum = true;
    double base_momentum = 0.85;
    double max_momentum = 0.95;
    double div_factor = 25.0;
    double final_div_factor = 1e4;
    bool three_phase = false;
};
std::unique_ptr<LrSchedule> one_cycle_schedule(const OneCycleOptions& options);

/// Each schedule until the next milestone, then the next from its start (SequentialLR):
/// milestones.size() == schedules.size() − 1, strictly increasing, > 0.
std::unique_ptr<LrSchedule> sequential_schedule(std::vector<std::unique_ptr<LrSchedule>> schedules,
                                                std::vector<std::int64_t> milestones);
/// Every schedule at every step, each on the lr the one before it wrote (ChainedScheduler).
std::unique_ptr<LrSchedule> chained_schedule(std::vector<std::unique_ptr<LrSchedule>> schedules);

/// Parses a --schedule spec (docs/training.md lists them): "constant", "step:SIZE,GAMMA",
/// "multistep:M1,M2,...[,gamma=G]", "exponential:GAMMA", "linear-warmup:N[,START]",
/// "polynomial:TOTAL[,power=P]", "cosine-annealing:T_MAX[,eta_min=E]",
/// "cosine-restarts:T_0[,T_mult=M][,eta_min=E]", "cyclic:BASE_LR,MAX_LR[,key=value...]",
/// "one-cycle:MAX_LR,TOTAL_STEPS[,key=value...]", "cosine:TOTAL[,WARMUP[,MIN]]",
/// "sequential:SPEC@M1|SPEC@M2|SPEC", "chained:SPEC|SPEC"; throws InvalidArgument naming what
/// is wrong.
std::unique_ptr<LrSchedule> parse_schedule(std::string_view spec);

/// Binds a schedule to an optimizer: remembers each group's lr at construction as its base lr
/// and sets the lrs (and momentum) of step 0 now, of step t after the t-th step().
template <class T>
class LrScheduler {
  public:
    /// Throws InvalidArgument when the schedule cycles momentum and the optimizer has neither
    /// momentum nor betas.
    LrScheduler(Optimizer<T>& optimizer, std::shared_ptr<const LrSchedule> schedule);
    /// t ← t + 1, then every group's lr ← next(its lr, its base, t). Past the schedule's last
    /// step it throws InvalidArgument (torch's OneCycleLR refuses the same). Nothing at all
    /// once the optimizer schedules its own lr (SWA's SWALR: Optimizer::schedules_own_lr).
    void step();
    std::int64_t last_step() const { return t_; }
    /// For resuming: the lrs and momentum of step t, replayed from the base lrs (what t calls
    /// of step() give, whatever the optimizer's state held) — unless the optimizer schedules
    /// its own lr by then, whose loaded state holds its lrs: then t alone is set.
    void set_last_step(std::int64_t t);
    const std::vector<double>& base_lrs() const { return base_lrs_; }
    const LrSchedule& schedule() const { return *schedule_; }

  private:
    void set_momentum(std::int64_t t);
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
    /// Returns true when the lrs were reduced at this step. A NaN metric throws. Nothing at
    /// all (false) once the optimizer schedules its own lr (Optimizer::schedules_own_lr).
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
