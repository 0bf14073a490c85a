// SPDX-License-Identifier: MIT
// SparseAdam, torch.optim.SparseAdam: the "lazy" Adam for embeddings, whose gradient reaches
// only the rows of the ids a batch holds. Only the rows that received a gradient move — their
// parameters and both moments; the others keep theirs, as if the step had not happened for
// them (the step count t is the group's all the same). Which rows those are the store records
// (ParamStore::track_rows, marked by nn::Embedding); a tensor whose rows it does not record
// has a dense gradient, and every row gets the same arithmetic.
//
//   g ← ±g;   Δm = (g − m)·(1−β1);   m ← m + Δm;   Δv = (g·g − v)·(1−β2);   v ← v + Δv
//   θ ← θ + (−γ·√(1−β2^t)/(1−β1^t))·(m / (√v + ε))
// torch's rule and defaults in every convention: Keras and the book have no SparseAdam.
// See docs/optimizers.md#sparseadam.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct SparseAdamOptions {
    Field<"lr"> lr = 1e-3;                       // γ
    Field<"betas", Betas> betas = {0.9, 0.999};  // β1 (first moment), β2 (second moment)
    Field<"eps"> eps = 1e-8;                     // ε, > 0
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static SparseAdamOptions defaults(Convention c);
};

// The class: its registry name and state buffers, by PyTorch's names (optimizer.hpp).
OPTLAB_OPTIMIZER(SparseAdam, SparseAdamOptions, "sparse-adam", "exp_avg", "exp_avg_sq");

}  // namespace optlab
