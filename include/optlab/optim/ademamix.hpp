// SPDX-License-Identifier: MIT
// AdEMAMix (Pagliardini, Ablin & Grangier 2024, "The AdEMAMix Optimizer: Better, Faster,
// Older"), as the authors' PyTorch class AdEMAMix computes it (apple/ml-ademamix,
// pytorch/ademamix.py): Adam whose numerator mixes the usual fast EMA of the gradient with a
// slow one (β3 ≈ 0.9999, weighted by α), so gradients hundreds of steps old still count.
//
//   g ← ±g
//   m1 ← β1·m1 + (1−β1)·g   (β1 = 0: m1 = g, no buffer)
//   m2 ← β3ₜ·m2 + (1−β3ₜ)·g
//   v ← β2·v + (1−β2)·g·g
//   u ← (m1/(1−β1^t) + αₜ·m2) / (√v/√(1−β2^t) + ε);   u ← u + λ·θ   (λ ≠ 0)
//   θ ← θ + (−γ)·u
// The optional warm-ups (alpha_warmup, beta3_warmup: T_α, T_β3; none by default) while t < T:
//   αₜ = (1 − t/T_α)·0 + (t/T_α)·α
//   β3ₜ = f⁻¹((1 − t/T_β3)·f(β1) + (t/T_β3)·f(β3)),  f(β) = ln 0.5/ln(β + 1e−8) − 1,
//         f⁻¹(h) = 0.5^(1/(h + 1))   (the half-life of the EMA grows linearly)
// The reference's rule and defaults in every convention (torch and Keras have no AdEMAMix);
// maximize is optlab's. See docs/optimizers.md#ademamix.
#pragma once

#include <limits>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct AdemamixOptions {
    static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();  // the reference's None

    Field<"lr"> lr = 1e-3;                                            // γ
    Field<"betas", Triple> betas = Triple{0.9, 0.999, 0.9999};        // β1 (fast), β2 (v), β3 (slow)
    Field<"alpha"> alpha = 2.0;                                       // α: the slow EMA's weight
    Field<"beta3_warmup"> beta3_warmup = kNone;                       // T_β3, steps; none: β3 from the start
    Field<"alpha_warmup"> alpha_warmup = kNone;                       // T_α, steps; none: α from the start
    Field<"eps"> eps = 1e-8;                                          // ε
    Field<"weight_decay"> weight_decay = 0.0;                         // λ, added to the update (× γ)
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static AdemamixOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<AdemamixOptions> = true;

// The class: its registry name and state buffers, by the reference's names (optimizer.hpp).
OPTLAB_OPTIMIZER(Ademamix, AdemamixOptions, "ademamix", "exp_avg_fast", "exp_avg_slow", "exp_avg_sq");

}  // namespace optlab
