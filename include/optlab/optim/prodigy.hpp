// SPDX-License-Identifier: MIT
// Prodigy (Mishchenko & Defazio 2024, "Prodigy: An Expeditiously Adaptive Parameter-Free
// Learner"), as the authors' prodigyopt.Prodigy computes it (konstmish/prodigy,
// prodigyopt/prodigy.py): Adam whose step size is estimated as it goes, d, the distance to the
// solution, from how far the parameters moved along the gradients; lr only multiplies it (1).
// d and its sums are over every group together, so the groups step as one (step_active).
//
// One step, k the steps taken, with d, d_max, r (d_numerator) from the last:
//   dlr = d·γ·bc,  bc = √(1−β2^(k+1))/(1−β1^(k+1)) (use_bias_correction) or 1;  r ← r·β3
//   per group of lr > 0, per element:  g ← ±g (+ λθ, coupled)
//     Σr += (d/d0)·dlr · g·(θ0 − θ)                      (θ0: the parameters at the first step)
//     m ← m·β1 + d(1−β1)·g;   v ← v·β2 + d²(1−β2)·g·g
//     s ← s·β3 + (d/d0)·dlr·g   ((d/d0)·d with safeguard_warmup);   Σs += |s|
//   Σs = 0: nothing more this step.
//   d̂ = d_coef·(r + Σr)/Σs;  r ← r + Σr;  d ← max(d, d̂) while d = d0;  d_max ← max(d_max, d̂);
//   d ← min(d_max, d·growth_rate)
//   per element:  θ ← θ + (−λ·dlr)·θ (decoupled);  θ ← θ + (−dlr·m)/(√v + d·ε)
//                 (β1 = 0: θ ← θ + (−dlr·d·g)/(√v + d·ε))
// The sums in float64 in a fixed order (sum_chunks), the same bits on any thread count.
// See docs/optimizers.md#prodigy.
#pragma once

#include <limits>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct ProdigyOptions {
    static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();  // the reference's None

    Field<"lr"> lr = 1.0;                                     // γ: d's multiplier
    Field<"betas", Betas> betas = {0.9, 0.999};               // β1 (m), β2 (v)
    Field<"beta3"> beta3 = kNone;                             // β3 of r and s; none: √β2
    Field<"eps"> eps = 1e-8;                                  // ε, times d in the denominator
    Field<"weight_decay"> weight_decay = 0.0;                 // λ
    Field<"decouple", bool> decouple = true;                  // λ decoupled (AdamW's) instead of L2
    Field<"use_bias_correction", bool> use_bias_correction = false;  // Adam's bias correction in dlr
    Field<"safeguard_warmup", bool> safeguard_warmup = false;        // s grows by (d/d0)·d, not ·dlr
    Field<"d0"> d0 = 1e-6;                                    // d's start
    Field<"d_coef"> d_coef = 1.0;                             // d̂'s multiplier
    Field<"growth_rate"> growth_rate = kNone;                 // d's largest factor a step; none: no limit
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static ProdigyOptions defaults(Convention c);
};

template <class T>
class Prodigy final : public BasicOptimizer<T, Prodigy<T>, ProdigyOptions> {
    using Base = BasicOptimizer<T, Prodigy<T>, ProdigyOptions>;

  public:
    static constexpr std::string_view kName = "prodigy";
    /// State buffers by the reference's names: the moments, s, and the start θ0.
    static constexpr std::array<std::string_view, 4> kBuffers = {"exp_avg", "exp_avg_sq", "s", "p0"};
    using Base::Base;  // (store, options = {}) and (store, ParamGroups)

    static void validate(const ProdigyOptions& o);

  private:
    void step_group(std::size_t g) override;
    void step_active(const std::vector<bool>* active) override;
};

extern template class Prodigy<float>;
extern template class Prodigy<double>;

}  // namespace optlab
