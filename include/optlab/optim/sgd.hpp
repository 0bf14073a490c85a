// SPDX-License-Identifier: MIT
// SGD, with heavy-ball momentum (the lecture's Momentum) and Nesterov momentum (NAG).
//
//   torch (PyTorch):  g ← ±g + λθ;  b ← g at the first step, else b ← μb + (1−τ)g;
//                     g ← g + μb (nesterov) or g ← b;  θ ← θ − γg
//   keras / book:     v ← μv − γg;  θ ← θ + v,  or for Nesterov θ ← θ + μv − γg (the new v)
// The two agree for a constant lr (v = −γb); they differ once a schedule changes γ, because
// the keras/book form bakes the lr into v. See docs/optimizers.md#sgd.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct SgdOptions {
    Field<"lr"> lr = 1e-3;                     // γ (torch's default; keras/book 0.01)
    Field<"momentum"> momentum = 0.0;          // μ; 0 is plain SGD
    Field<"dampening"> dampening = 0.0;        // τ, torch only
    Field<"weight_decay"> weight_decay = 0.0;  // λ: coupled L2 (torch, book), decoupled (keras)
    Field<"nesterov", bool> nesterov = false;  // Nesterov momentum; needs μ > 0 and τ = 0
    Field<"maximize", bool> maximize = false;  // ascend instead of descend
    Convention convention = Convention::torch;

    static SgdOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<SgdOptions> = true;

// The class: its registry name and state buffers, by PyTorch's names (optimizer.hpp).
OPTLAB_OPTIMIZER(Sgd, SgdOptions, "sgd", "momentum_buffer");

}  // namespace optlab
