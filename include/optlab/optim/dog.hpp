// SPDX-License-Identifier: MIT
// DoG, "Distance over Gradients" (Ivgi, Hinder & Carmon 2023, "DoG is SGD's Best Friend: A
// Parameter-Free Dynamic Step Size Schedule"), as the authors' DoG computes it (formll/dog,
// src/dog/dog.py): SGD whose step size is the largest distance travelled from the start over
// the root of the summed squared gradient norms, the group's tensors taken as one vector; lr
// only multiplies it (1).
//
// Per group, with x0 its parameters at its first step:
//   g ← ±g;   g ← g + λ·θ   (λ > 0)
//   first step:  r̄ = reps_rel·(1 + ‖θ‖);   G = Σ‖g‖² + ε
//   later:       r̄ ← max(r̄, ‖θ − x0‖);     G ← G + Σ‖g‖²
//   η = γ·r̄/√G   (first step with init_eta: η = η·0 + init_eta, r̄ starting at 0)
//   θ ← θ + (−η)·g
// r̄, G and η in the parameters' dtype, as the reference's 0-dim tensors; the norms summed in
// float64 in a fixed order (sum_chunks). See docs/optimizers.md#dog.
#pragma once

#include <limits>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct DogOptions {
    static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();  // the reference's None

    Field<"lr"> lr = 1.0;                        // γ (the paper's c): η's multiplier
    Field<"reps_rel"> reps_rel = 1e-6;           // r_ε relative to 1 + ‖x0‖: the first step's distance
    Field<"weight_decay"> weight_decay = 0.0;    // λ, coupled (L2)
    Field<"eps"> eps = 1e-8;                     // ε, added to G at the first step
    Field<"init_eta"> init_eta = kNone;          // the first step size η, instead of reps_rel's
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static DogOptions defaults(Convention c);
};

// The class: its registry name and state buffer, by the reference's name (optimizer.hpp).
OPTLAB_OPTIMIZER(Dog, DogOptions, "dog", "init_buffer");

}  // namespace optlab
