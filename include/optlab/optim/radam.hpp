// SPDX-License-Identifier: MIT
// RAdam (Liu et al. 2020): Adam whose adaptive step is switched on only once the variance of
// the second-moment estimate is tractable, and then rectified by r_t.
//
//   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  m̂ = m/(1−β1^t)
//   ρ∞ = 2/(1−β2) − 1;  ρ_t = ρ∞ − 2tβ2^t/(1−β2^t)
//   ρ_t > 5:  r = √((ρ_t−4)(ρ_t−2)ρ∞/((ρ∞−4)(ρ∞−2)ρ_t)),  l = √(1−β2^t)/(√v + ε),  θ ← θ − m̂·γ·l·r
//   else:     θ ← θ − m̂·γ
// Keras and the book have none: every convention uses torch's. See docs/optimizers.md#radam.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct RadamOptions {
    Field<"lr"> lr = 1e-3;                       // γ
    Field<"betas", Betas> betas = {0.9, 0.999};  // β1, β2
    Field<"eps"> eps = 1e-8;                     // ε
    Field<"weight_decay"> weight_decay = 0.0;    // λ
    // θ ← θ(1 − γλ) instead of g ← g + λθ
    Field<"decoupled_weight_decay", bool> decoupled_weight_decay = false;
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static RadamOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<RadamOptions> = true;

// The class: its registry name and state buffers, by PyTorch's names (optimizer.hpp).
OPTLAB_OPTIMIZER(Radam, RadamOptions, "radam", "exp_avg", "exp_avg_sq");

}  // namespace optlab
