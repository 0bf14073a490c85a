// SPDX-License-Identifier: MIT
// RMSprop (Hinton, Coursera lecture 6e): AdaGrad with an exponential moving average of g² in
// place of the sum, so the distant past is forgotten and the step does not die out.
//
//   torch / book: v ← αv + (1−α)g²;  centered: ḡ ← αḡ + (1−α)g, a = √(v − ḡ²), else a = √v;
//                 a ← a + ε;  with momentum: b ← μb + g/a, θ ← θ − γb;  else θ ← θ − γg/a
//   keras:        the same averages with ε inside the root: Δ = γg/√(v (− ḡ²) + ε);
//                 with momentum m ← μm + Δ, θ ← θ − m (the lr sits inside the buffer)
// See docs/optimizers.md#rmsprop.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct RmspropOptions {
    Field<"lr"> lr = 1e-2;                     // γ (keras 1e-3, book 0.01)
    Field<"alpha"> alpha = 0.99;               // α, the EMA decay (Keras calls it rho; keras 0.9)
    Field<"eps"> eps = 1e-8;                   // ε (keras, book 1e-7)
    Field<"weight_decay"> weight_decay = 0.0;  // λ
    Field<"momentum"> momentum = 0.0;          // μ
    Field<"centered", bool> centered = false;  // normalise by the variance estimate v − ḡ²
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static RmspropOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<RmspropOptions> = true;

// The class: its registry name and state buffers, by PyTorch's names (optimizer.hpp).
OPTLAB_OPTIMIZER(Rmsprop, RmspropOptions, "rmsprop", "square_avg", "grad_avg", "momentum_buffer");

}  // namespace optlab
