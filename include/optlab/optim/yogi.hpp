// SPDX-License-Identifier: MIT
// Yogi (Zaheer et al. 2018, "Adaptive Methods for Nonconvex Optimization") as Optax's `yogi`
// computes it (optax/_src/alias.py: scale_by_yogi, scale_by_learning_rate): Adam whose second
// moment moves by an additive (1−β2)·g², in the direction of g², instead of the multiplicative
// average — so the effective step cannot grow suddenly when g² drops.
//
//   g ← ±g;   m ← (1−β1)·g + β1·m
//   v ← v − ((1−β2)·sign(v − g²))·g²
//   θ ← θ + (−γ)·((m/(1−β1^t)) / (√(v/(1−β2^t)) + ε))
// Both m and v start at initial_accumulator_value (Optax's scale_by_yogi, 1e-6). Optax's rule
// and defaults in every convention: PyTorch, Keras and the book have no Yogi.
// See docs/optimizers.md#yogi.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct YogiOptions {
    Field<"lr"> lr = 2e-3;                                     // γ (Optax has none: its example's)
    Field<"betas", Betas> betas = {0.9, 0.999};                // β1, β2
    Field<"eps"> eps = 1e-3;                                   // ε, outside the root
    Field<"initial_accumulator_value"> initial_accumulator_value = 1e-6;  // m's and v's start
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static YogiOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<YogiOptions> = true;

// The class: its registry name and state buffers, Optax's mu and nu in PyTorch's vocabulary.
OPTLAB_OPTIMIZER(Yogi, YogiOptions, "yogi", "exp_avg", "exp_avg_sq");

}  // namespace optlab
