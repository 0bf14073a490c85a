// SPDX-License-Identifier: MIT
// FTRL-Proximal, "Follow The Regularized Leader" (McMahan et al. 2013, "Ad Click Prediction:
// a View from the Trenches"), as Keras 3's keras.optimizers.Ftrl computes it. The weights are
// not stepped but solved for at every step from two accumulators: n, the sum of squared
// gradients (AdaGrad's), and z, the gradients' sum corrected by each step's change of the
// per-coordinate learning rate. An L1 strength λ1 sets every |z| ≤ λ1 to exactly 0 (sparse
// models); L2 and the shrinkage L2 pull towards 0.
//
//   θ ← θ − θ·λ·γ                                  (Keras' decoupled weight decay, λ ≠ 0)
//   g ← ±g;   g_s ← g + (2·λs)·θ;   n' ← n + g·g;   q = −learning_rate_power
//   z ← z + (g_s − ((n'^q − n^q)/γ)·θ)
//   θ ← (clip(z, −λ1, λ1) − z) / (n'^q/γ + 2·(λ2 + β/(2γ)));   n ← n'
// n starts at initial_accumulator_value, z at 0. n^q is √n for the default q = 0.5 (as
// TensorFlow's graph optimizer, Grappler's ConvertPow, rewrites pow(n, 0.5)), the C library's
// pow otherwise.
// Keras' rule and defaults in every convention: PyTorch and the book have no FTRL.
// See docs/optimizers.md#ftrl.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct FtrlOptions {
    Field<"lr"> lr = 1e-3;                                    // γ
    Field<"learning_rate_power"> learning_rate_power = -0.5;  // −q, <= 0: γ_t = γ/n^q
    Field<"initial_accumulator_value"> initial_accumulator_value = 0.1;  // n's start
    Field<"l1_regularization_strength"> l1_regularization_strength = 0.0;  // λ1
    Field<"l2_regularization_strength"> l2_regularization_strength = 0.0;  // λ2 (stabilising)
    Field<"l2_shrinkage_regularization_strength"> l2_shrinkage_regularization_strength = 0.0;  // λs
    Field<"beta"> beta = 0.0;                                 // β, added to n^q: λ2 += β/(2γ)
    Field<"weight_decay"> weight_decay = 0.0;                 // λ, decoupled (Keras')
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static FtrlOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<FtrlOptions> = true;

// The class: its registry name and state buffers, by Keras' names (optimizer.hpp).
OPTLAB_OPTIMIZER(Ftrl, FtrlOptions, "ftrl", "accumulator", "linear");

}  // namespace optlab
