// SPDX-License-Identifier: MIT
// Signum (Bernstein et al. 2018, "signSGD: Compressed Optimisation for Non-Convex Problems")
// as Optax's `signum` computes it (optax/_src/alias.py: ema(β, debias=False), scale_by_sign,
// scale(−lr)): every parameter moves by exactly γ against the sign of an average of its
// gradients, which is not bias-corrected (only its sign is used). β = 0 is Optax's
// `sign_sgd`, the sign of the gradient itself.
//
//   g ← ±g;   m ← (1−β)·g + β·m;   θ ← θ + (−γ)·sign(m)      (sign(0) = 0)
// m starts at 0. Optax's rule and defaults in every convention: PyTorch, Keras and the book
// have no Signum. See docs/optimizers.md#signum.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct SignumOptions {
    Field<"lr"> lr = 3e-3;         // γ (Optax has no default: the lr of its sign_sgd example)
    Field<"beta"> beta = 0.9;      // β, the decay of the gradients' average m
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static SignumOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<SignumOptions> = true;

// The class: its registry name and state buffer, Optax's ema in PyTorch's vocabulary.
OPTLAB_OPTIMIZER(Signum, SignumOptions, "signum", "exp_avg");

}  // namespace optlab
