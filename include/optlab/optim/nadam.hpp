// SPDX-License-Identifier: MIT
// NAdam (Dozat 2016): Adam with Nesterov momentum, using a momentum schedule
// μ_t = β1(1 − ½·0.96^(tψ)) and its running product Π_t = μ_1···μ_t.
//
//   torch:  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  d = √(v/(1−β2^t)) + ε
//           θ ← θ − γ(1−μ_t)/(1−Π_t)·g/d − γμ_{t+1}/(1−Π_t·μ_{t+1})·m/d
//   keras:  m ← m + (g−m)(1−β1);  v ← v + (g²−v)(1−β2)
//           m̂ = μ_{t+1}·m/(1−Π_t·μ_{t+1}) + (1−μ_t)·g/(1−Π_t);  v̂ = v/(1−β2^t)
//           θ ← θ − m̂γ/(√v̂ + ε);  Keras' schedule 0.96^t is ψ = 1 here.
// Note: PyTorch 1.13 computes Π_t·μ_t·μ_{t+1} for the second coefficient (μ_t twice); 2.0
// fixed it to Π_t·μ_{t+1}, which optlab follows. See docs/optimizers.md#nadam.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct NadamOptions {
    Field<"lr"> lr = 2e-3;                          // γ (keras 1e-3)
    Field<"betas", Betas> betas = {0.9, 0.999};     // β1, β2
    Field<"eps"> eps = 1e-8;                        // ε (keras 1e-7)
    Field<"weight_decay"> weight_decay = 0.0;       // λ
    Field<"momentum_decay"> momentum_decay = 4e-3;  // ψ (keras 1)
    // NAdamW: θ ← θ(1 − γλ)
    Field<"decoupled_weight_decay", bool> decoupled_weight_decay = false;
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static NadamOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<NadamOptions> = true;

// The class: its registry name and state buffers, by PyTorch's names (optimizer.hpp).
OPTLAB_OPTIMIZER(Nadam, NadamOptions, "nadam", "exp_avg", "exp_avg_sq");

}  // namespace optlab
