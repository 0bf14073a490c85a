// SPDX-License-Identifier: MIT
// Adamax (Kingma & Ba 2015, §7.1): Adam with the infinity norm in place of the root mean square.
//
//   torch:  m ← β1·m + (1−β1)·g;  u ← max(β2·u, |g| + ε);  θ ← θ − (γ/(1−β1^t))·m/u
//   keras:  m ← m + (g−m)(1−β1);  u ← max(β2·u, |g|);     θ ← θ − γm/((1−β1^t)(u + ε))
// The book has no Adamax: `book` uses torch's. See docs/optimizers.md#adamax.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct AdamaxOptions {
    Field<"lr"> lr = 2e-3;                       // γ (keras 1e-3)
    Field<"betas", Betas> betas = {0.9, 0.999};  // β1, β2
    Field<"eps"> eps = 1e-8;                     // ε (keras 1e-7)
    Field<"weight_decay"> weight_decay = 0.0;    // λ
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static AdamaxOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<AdamaxOptions> = true;

// The class: its registry name and state buffers, by PyTorch's names (optimizer.hpp).
OPTLAB_OPTIMIZER(Adamax, AdamaxOptions, "adamax", "exp_avg", "exp_inf");

}  // namespace optlab
