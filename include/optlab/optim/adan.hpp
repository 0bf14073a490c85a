// SPDX-License-Identifier: MIT
// Adan, the adaptive Nesterov momentum algorithm (Xie et al. 2022, "Adan: Adaptive Nesterov
// Momentum Algorithm for Faster Optimizing Deep Models"), as Optax's `adan` computes it
// (optax/_src/alias.py: scale_by_adan, add_decayed_weights, scale_by_learning_rate): Adam
// with a third average, of the gradient's change d = g − g_prev, added to the momentum and to
// the gradient whose square is averaged — Nesterov's look-ahead without a second gradient.
//
//   g ← ±g;   d = g − g_prev (0 at the group's first step)
//   m ← (1−β1)·g + β1·m;   v ← (1−β2)·d + β2·v;   n ← (1−β3)·(g + (1−β2)·d)² + β3·n
//   u = (m/(1−β1^t) + (1−β2)·(v/(1−β2^t))) / (√(n/(1−β3^t) + ε_root) + ε) + λθ
//   θ ← θ + (−γ)·u;   g_prev ← g
// Optax weights d by 1 − β2 (0.08 by default) where the paper's Algorithm 1 and the authors'
// PyTorch code weight it by β2 (0.92 in this parametrisation), and decays θ by adding λθ to u
// (its add_decayed_weights) rather than by the paper's proximal θ/(1 + γλ): optlab follows
// Optax. Optax's rule and defaults in every convention: PyTorch, Keras and the book have no
// Adan. See docs/optimizers.md#adan.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct AdanOptions {
    Field<"lr"> lr = 0.1;                                    // γ (Optax has none: its example's)
    Field<"betas", Triple> betas = Triple{0.98, 0.92, 0.99};  // β1 (m), β2 (v, of d), β3 (n)
    Field<"eps"> eps = 1e-8;                                 // ε, outside the root
    Field<"eps_root"> eps_root = 1e-8;                       // ε_root, inside the root
    Field<"weight_decay"> weight_decay = 0.0;                // λ, added to the direction (Optax's)
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static AdanOptions defaults(Convention c);
};

// The class: its registry name and state buffers, by the authors' PyTorch names (sail-sg/Adan;
// Optax's m, v, n, g).
// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<AdanOptions> = true;

OPTLAB_OPTIMIZER(Adan, AdanOptions, "adan", "exp_avg", "exp_avg_diff", "exp_avg_sq", "pre_grad");

}  // namespace optlab
