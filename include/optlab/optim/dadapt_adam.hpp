// SPDX-License-Identifier: MIT
// D-Adaptation's Adam (Defazio & Mishchenko 2023, "Learning-Rate-Free Learning by
// D-Adaptation"), as the authors' DAdaptAdam computes it (facebookresearch/dadaptation,
// dadaptation/dadapt_adam.py); the registry's `dadapt-adamw` is it with decouple = true. The
// step size d is a lower bound on the distance to the solution, estimated from a weighted sum of
// the gradients s; lr only multiplies it (1). d and its sums are over every group together, so
// the groups step as one (step_active), like Prodigy's.
//
// One step, k the steps taken, with d and the weighted numerator r from the last:
//   dlr = d·γ·bc,  bc = √(1−β2^(k+1))/(1−β1^(k+1)) (use_bias_correction) or 1;  √β2 = β2^0.5
//   per group of lr > 0 (ρ its layer_scale), per element:  g ← ±g (+ λθ, coupled)
//     Σr += ρ·dlr · g·(s/(√v + ε))            (s and v before this step's update)
//     m ← m·β1 + (ρ·dlr·(1−β1))·g;   v ← v·β2 + (1−β2)·g·g;   s ← s·√β2 + (dlr·(1−√β2))·g
//     Σs += ρ·|s|
//   Σs = 0: nothing more this step.
//   r ← √β2·r + (1−√β2)·Σr;   d̂ = r/((1−√β2)·Σs);   d ← max(d, min(d̂, d·growth_rate))
//   per element:  θ ← θ + (−λ·dlr)·θ (decoupled);  θ ← θ + (−1·m)/(√v + ε)
// The sums in float64 in a fixed order (sum_chunks). See docs/optimizers.md#d-adaptation-adamw.
#pragma once

#include <limits>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct DadaptAdamOptions {
    static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();  // the reference's inf

    Field<"lr"> lr = 1.0;                                     // γ: d's multiplier
    Field<"betas", Betas> betas = {0.9, 0.999};               // β1 (m), β2 (v; √β2 for s and r)
    Field<"eps"> eps = 1e-8;                                  // ε
    Field<"weight_decay"> weight_decay = 0.0;                 // λ
    Field<"decouple", bool> decouple = false;                 // λ decoupled (AdamW's); dadapt-adamw: true
    Field<"use_bias_correction", bool> use_bias_correction = false;  // Adam's bias correction in dlr
    Field<"d0"> d0 = 1e-6;                                    // d's start
    Field<"growth_rate"> growth_rate = kNone;                 // d's largest factor a step; none: no limit
    Field<"layer_scale"> layer_scale = 1.0;                   // ρ: the group's share of d·γ
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static DadaptAdamOptions defaults(Convention c);
    static DadaptAdamOptions adamw_defaults(Convention c);  // decouple = true
};

template <class T>
class DadaptAdam final : public BasicOptimizer<T, DadaptAdam<T>, DadaptAdamOptions> {
    using Base = BasicOptimizer<T, DadaptAdam<T>, DadaptAdamOptions>;

  public:
    static constexpr std::string_view kName = "dadapt-adamw";
    /// State buffers by the reference's names: the moments and s.
    static constexpr std::array<std::string_view, 3> kBuffers = {"exp_avg", "exp_avg_sq", "s"};
    using Base::Base;  // (store, options = {}) and (store, ParamGroups)

    static void validate(const DadaptAdamOptions& o);

  private:
    void step_group(std::size_t g) override;
    void step_active(const std::vector<bool>* active) override;
};

extern template class DadaptAdam<float>;
extern template class DadaptAdam<double>;

}  // namespace optlab
