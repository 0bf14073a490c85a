// SPDX-License-Identifier: MIT
// Rprop (Riedmiller & Braun 1993, "A Direct Adaptive Method for Faster Backpropagation
// Learning: The RPROP Algorithm"), as torch.optim.Rprop computes it: only the gradient's sign
// is used. Each parameter has a step size Δ of its own, grown by η+ while the gradient keeps
// its sign and shrunk by η− when it flips — the step after a flip is skipped. A method for
// full batches: a mini-batch's noise flips the signs.
//
//   s = sign(±g · g_prev);   η = η+ where s > 0, η− where s < 0, 1 where s = 0
//   Δ ← clamp(Δ·η, Δmin, Δmax)          (Δ starts at γ, the lr, at the first step)
//   g ← 0 where η = η−
//   θ ← θ − sign(g)·Δ;   g_prev ← g
// torch's rule and defaults in every convention: Keras and the book have no Rprop.
// See docs/optimizers.md#rprop.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct RpropOptions {
    Field<"lr"> lr = 1e-2;                                 // γ: every step size Δ at the first step
    Field<"etas", Betas> etas = {0.5, 1.2};                // η−, η+: Δ's factors on a flip, on the same sign
    Field<"step_sizes", Betas> step_sizes = {1e-6, 50.0};  // Δmin, Δmax
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static RpropOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<RpropOptions> = true;

// The class: its registry name and state buffers, by PyTorch's names (optimizer.hpp).
OPTLAB_OPTIMIZER(Rprop, RpropOptions, "rprop", "prev", "step_size");

}  // namespace optlab
