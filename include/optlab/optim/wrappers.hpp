// SPDX-License-Identifier: MIT
// Optimizers around an optimizer: each lets the inner one step, then does one more thing over
// the arena, and evaluates the model at weights of its own.
//
//   Lookahead (Zhang et al. 2019; optax.lookahead): slow weights φ beside the fast ones θ;
//     every k fast steps  φ ← φ + α(θ − φ),  θ ← φ.        Evaluated at φ.
//   Weight EMA (torch.optim.swa_utils' get_ema_multi_avg_fn; Keras' use_ema): after every step
//     e ← θ at the first,  e ← lerp(e, θ, 1 − decay) after.  Evaluated at e.
//   SWA (torch.optim.swa_utils' AveragedModel and SWALR, torch 1.13): after every step t past
//     swa_start, the equal average  a ← θ at the first (n = 0),  a ← a + (θ − a)/(n + 1) after,
//     n ← n + 1; then SWALR anneals the inner optimizer's lr towards swa_lr (cos or linear over
//     anneal_epochs of its steps, one per average update). Evaluated at a.
//
// Hyper-parameters, learning rates and schedules act on the inner optimizer. State: the
// inner optimizer's, plus φ or e and the wrapper's counters. An inner optimizer that evaluates
// elsewhere itself (Schedule-Free, ASGD) is refused: there would be two evaluation points.
// See docs/optimizers.md#lookahead-and-weight-ema and #stochastic-weight-averaging-swa.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct LookaheadOptions {
    std::int64_t k = 5;  // fast steps between synchronisations (Optax's sync_period), >= 1
    double alpha = 0.5;  // α, the slow weights' step towards the fast ones, in [0, 1]
};
/// "K,ALPHA", e.g. "5,0.5"; throws InvalidArgument naming `what` otherwise.
LookaheadOptions parse_lookahead(std::string_view text, std::string_view what = "--lookahead");

/// The inner optimizer inside Lookahead; its name becomes "<inner>+lookahead".
template <class T>
std::unique_ptr<Optimizer<T>> with_lookahead(std::unique_ptr<Optimizer<T>> inner, const LookaheadOptions& o);

/// The inner optimizer with an exponential moving average of the weights, decay in [0, 1);
/// its name becomes "<inner>+ema".
template <class T>
std::unique_ptr<Optimizer<T>> with_ema(std::unique_ptr<Optimizer<T>> inner, double decay);

/// Stochastic weight averaging as torch's SWA loop runs it, counted in optimizer steps:
///
///     for step in range(N):                     # step = the optimizer's step count − 1
///         optimizer.step()
///         if step >= swa_start:
///             swa_model.update_parameters(model); swa_scheduler.step()   # SWALR
///         else:
///             scheduler.step()                  # optlab: the run's schedule, if any
///
/// Fields by torch's names (SWALR's arguments; swa_start is the loop's).
struct SwaOptions {
    std::int64_t swa_start = 0;           // steps before the average starts, >= 0
    double swa_lr = 0.0;                  // the lr SWALR anneals to, finite > 0 (no default in torch)
    std::int64_t anneal_epochs = 10;      // SWALR steps (one per optimizer step here) of the anneal, >= 0
    std::string anneal_strategy = "cos";  // cos or linear
};
/// SWA from the values of its flags, each empty when not given: none when no flag is given;
/// throws InvalidArgument naming the flag when swa_start or swa_lr comes without the other, or
/// an anneal flag without both.
std::optional<SwaOptions> swa_from_flags(std::optional<std::int64_t> swa_start, std::optional<double> swa_lr,
                                         std::optional<std::int64_t> anneal_epochs,
                                         std::optional<std::string> anneal_strategy);

/// The inner optimizer with stochastic weight averaging and SWALR's learning rate; its name
/// becomes "<inner>+swa". Throws InvalidArgument for options out of range.
template <class T>
std::unique_ptr<Optimizer<T>> with_swa(std::unique_ptr<Optimizer<T>> inner, const SwaOptions& o);

/// What wraps an optimizer in a run: nothing, Lookahead, a weight EMA or SWA. One at most: each
/// evaluates the model at weights of its own.
struct Wrapping {
    std::optional<LookaheadOptions> lookahead;
    std::optional<double> ema;  // the decay
    std::optional<SwaOptions> swa;
    /// Throws InvalidArgument naming the flags when two are set or a value is out of range.
    void validate() const;
};
/// From the flags' texts: `lookahead` "" or "K,ALPHA", `ema` none or a decay in [0, 1), `swa`
/// none or SWA's options (swa_from_flags).
Wrapping parse_wrapping(std::string_view lookahead, std::optional<double> ema,
                        std::optional<SwaOptions> swa = std::nullopt);

/// `inner` wrapped as `w` says (unchanged when w is empty).
template <class T>
std::unique_ptr<Optimizer<T>> wrap(std::unique_ptr<Optimizer<T>> inner, const Wrapping& w);

}  // namespace optlab
