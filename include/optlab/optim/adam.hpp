// SPDX-License-Identifier: MIT
// Adam (Kingma & Ba 2015) — the lecture's "Momentum plus AdaGrad" — with its flags AMSGrad
// (Reddi et al. 2018) and decoupled weight decay, i.e. AdamW (Loshchilov & Hutter 2019).
//
//   torch:  θ ← θ(1 − γλ) if decoupled, else g ← ±g + λθ
//           m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  v̂max ← max(v̂max, v) (amsgrad)
//           θ ← θ − (γ/(1−β1^t))·m / (√v/√(1−β2^t) + ε)
//   keras / book ("epsilon hat", the bias correction folded into the step size):
//           m ← m + (g−m)(1−β1);  v ← v + (g²−v)(1−β2)
//           θ ← θ − (γ·√(1−β2^t)/(1−β1^t))·m / (√v + ε)
//   This equals torch's with ε_torch = ε/√(1−β2^t) (3.2e-6 at t=1 for ε = 1e-7).
// See docs/optimizers.md#adam.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct AdamOptions {
    Field<"lr"> lr = 1e-3;                       // γ
    Field<"betas", Betas> betas = {0.9, 0.999};  // β1 (first moment), β2 (second moment)
    Field<"eps"> eps = 1e-8;                     // ε (keras, book 1e-7)
    Field<"weight_decay"> weight_decay = 0.0;    // λ (AdamW: 1e-2, keras AdamW 0.004)
    Field<"amsgrad", bool> amsgrad = false;      // use the running maximum of v
    Field<"maximize", bool> maximize = false;
    // AdamW: θ ← θ(1 − γλ) instead of g ← g + λθ
    Field<"decoupled_weight_decay", bool> decoupled_weight_decay = false;
    Convention convention = Convention::torch;

    static AdamOptions defaults(Convention c);
    /// AdamW's defaults: decoupled weight decay of 1e-2 (keras 0.004).
    static AdamOptions adamw_defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<AdamOptions> = true;

// The class: its registry name and state buffers, by PyTorch's names (optimizer.hpp).
OPTLAB_OPTIMIZER(Adam, AdamOptions, "adam", "exp_avg", "exp_avg_sq", "max_exp_avg_sq");

}  // namespace optlab
