// SPDX-License-Identifier: MIT
// ADOPT (Taniguchi et al. 2024, "ADOPT: Modified Adam Can Converge with Any β2 with the Optimal
// Rate"), as the authors' class ADOPT computes it (iShohei220/adopt, src/adopt/adopt.py,
// _single_tensor_adopt): the gradient is normalised by the second moment of the steps before
// it — not including itself — and only then enters the momentum; the first step only
// initialises that second moment.
//
//   g ← ±g;   g ← g + λθ   (coupled, decouple = false)
//   t = 1:  v ← v + g·g   (θ and m stay)
//   t > 1:  θ ← θ + (−γλ)·θ   (decoupled, decouple = true)
//           n = g / max(√v, ε);   n ← clamp(n, −c, c),  c = (t−1)^p   (clip_exponent p; none: no clip)
//           m ← lerp(m, n, 1−β1);   θ ← θ + (−γ)·m
//           v ← β2·v + (1−β2)·g·g
// The reference's clip_lambda is a function of its step count t − 1, step**0.25 by default;
// optlab takes the exponent p of step**p. The reference's rule and defaults in every convention
// (torch and Keras have no ADOPT). See docs/optimizers.md#adopt.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct AdoptOptions {
    Field<"lr"> lr = 1e-3;                          // γ
    Field<"betas", Betas> betas = {0.9, 0.9999};    // β1 (m), β2 (v)
    Field<"eps"> eps = 1e-6;                        // ε, a floor of √v
    Field<"clip_exponent"> clip_exponent = 0.25;    // p: n clipped to ±(t−1)^p; none: no clip
    Field<"weight_decay"> weight_decay = 0.0;       // λ
    Field<"decouple", bool> decouple = false;       // λ decoupled (AdamW's) instead of L2
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static AdoptOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<AdoptOptions> = true;

// The class: its registry name and state buffers, by the reference's names (optimizer.hpp).
OPTLAB_OPTIMIZER(Adopt, AdoptOptions, "adopt", "exp_avg", "exp_avg_sq");

}  // namespace optlab
