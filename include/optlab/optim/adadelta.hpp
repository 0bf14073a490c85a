// SPDX-License-Identifier: MIT
// AdaDelta (Zeiler 2012): RMSprop whose numerator is the RMS of past updates instead of a
// learning rate, so the step has the units of θ.
//
//   v ← ρv + (1−ρ)g²;  δ = √(u + ε)/√(v + ε)·g;  u ← ρu + (1−ρ)δ²;  θ ← θ − γδ
// The same in every convention (ε inside both roots); only defaults differ: torch lr 1.0,
// ρ 0.9, ε 1e-6; keras lr 1e-3, ρ 0.95, ε 1e-7. The book has no AdaDelta: `book` uses torch's.
// See docs/optimizers.md#adadelta.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct AdadeltaOptions {
    Field<"lr"> lr = 1.0;                      // γ, scales δ (Zeiler's paper has none, i.e. 1)
    Field<"rho"> rho = 0.9;                    // ρ, the EMA decay
    Field<"eps"> eps = 1e-6;                   // ε, inside both roots
    Field<"weight_decay"> weight_decay = 0.0;  // λ
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static AdadeltaOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<AdadeltaOptions> = true;

// The class: its registry name and state buffers, by PyTorch's names (optimizer.hpp).
OPTLAB_OPTIMIZER(Adadelta, AdadeltaOptions, "adadelta", "square_avg", "acc_delta");

}  // namespace optlab
