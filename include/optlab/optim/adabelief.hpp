// SPDX-License-Identifier: MIT
// AdaBelief (Zhuang et al. 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in
// Observed Gradients") as Optax's `adabelief` computes it (optax/_src/alias.py:
// scale_by_belief, add_decayed_weights, scale_by_learning_rate): Adam whose second moment is
// the average of (g − m)², the gradient's deviation from its prediction m, so the step is
// large where the gradient is as predicted and small where it is not.
//
//   g ← ±g;   m ← (1−β1)·g + β1·m;   s ← (1−β2)·(g − m)² + β2·s;   s ← s + ε_root
//   m̂ = m/(1−β1^t)     (nesterov: β1·(m/(1−β1^(t+1))) + (1−β1)·(g/(1−β1^t)))
//   u = m̂ / (√(s/(1−β2^t)) + ε) + λθ;   θ ← θ + (−γ)·u
// ε_root is added to s, kept in the state, at every step (Optax's placement, not inside the
// root only); ε outside the root. Optax's rule and defaults in every convention: PyTorch,
// Keras and the book have no AdaBelief. See docs/optimizers.md#adabelief.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct AdabeliefOptions {
    Field<"lr"> lr = 3e-3;                       // γ (Optax has none: its example's)
    Field<"betas", Betas> betas = {0.9, 0.999};  // β1, β2
    Field<"eps"> eps = 1e-16;                    // ε, outside the root
    Field<"eps_root"> eps_root = 1e-16;          // ε_root, added to s at every step
    Field<"weight_decay"> weight_decay = 0.0;    // λ, added to the direction (Optax's)
    Field<"nesterov", bool> nesterov = false;    // Nesterov momentum in m̂
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static AdabeliefOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<AdabeliefOptions> = true;

// The class: its registry name and state buffers, by the authors' PyTorch names (Optax's mu, nu).
OPTLAB_OPTIMIZER(Adabelief, AdabeliefOptions, "adabelief", "exp_avg", "exp_avg_var");

}  // namespace optlab
