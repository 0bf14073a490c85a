// SPDX-License-Identifier: MIT
// Optimizers around an optimizer: each lets the inner one step, then does one more thing over
// the arena, and evaluates the model at weights of its own.
//
//   Lookahead (Zhang et al. 2019; optax.lookahead): slow weights φ beside the fast ones θ;
//     every k fast steps  φ ← φ + α(θ − φ),  θ ← φ.        Evaluated at φ.
//   Weight EMA (torch.optim.swa_utils' get_ema_multi_avg_fn; Keras' use_ema): after every step
//     e ← θ at the first,  e ← lerp(e, θ, 1 − decay) after.  Evaluated at e.
//
// Hyper-parameters, learning rates and schedules act on the inner optimizer. State: the
// inner optimizer's, plus φ or e and the wrapper's counters. An inner optimizer that evaluates
// elsewhere itself (Schedule-Free, ASGD) is refused: there would be two evaluation points.
// See docs/optimizers.md#lookahead-and-weight-ema.
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

/// What wraps an optimizer in a run: nothing, Lookahead or a weight EMA. Not both: each
/// evaluates the model at weights of its own.
struct Wrapping {
    std::optional<LookaheadOptions> lookahead;
    std::optional<double> ema;  // the decay
    /// Throws InvalidArgument naming the flags when both are set or a value is out of range.
    void validate() const;
};
/// From the flags' texts: `lookahead` "" or "K,ALPHA", `ema` none or a decay in [0, 1).
Wrapping parse_wrapping(std::string_view lookahead, std::optional<double> ema);

/// `inner` wrapped as `w` says (unchanged when w is empty).
template <class T>
std::unique_ptr<Optimizer<T>> wrap(std::unique_ptr<Optimizer<T>> inner, const Wrapping& w);

}  // namespace optlab
