// SPDX-License-Identifier: MIT
// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2): the
// update is the sign of an interpolation between momentum and gradient, so every parameter
// moves by exactly ±γ (plus decay); the momentum is then updated with a second, slower β2.
//
//   c = β1·m + (1−β1)·g;  θ ← θ − γ·(sign(c) + λθ);  m ← β2·m + (1−β2)·g
// The same in every convention (Keras' Lion is this rule). PyTorch 1.13 has no Lion: its
// reference values come from an independent NumPy implementation of the paper's rule.
// See docs/optimizers.md#lion.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct LionOptions {
    Field<"lr"> lr = 1e-4;                      // γ; the paper: 3-10x smaller than AdamW's
    Field<"betas", Betas> betas = {0.9, 0.99};  // β1 (interpolation), β2 (momentum decay)
    Field<"weight_decay"> weight_decay = 0.0;   // λ, decoupled
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static LionOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<LionOptions> = true;

// The class: its registry name and state buffers, by PyTorch's names (optimizer.hpp).
OPTLAB_OPTIMIZER(Lion, LionOptions, "lion", "exp_avg");

}  // namespace optlab
