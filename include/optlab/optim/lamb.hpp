// SPDX-License-Identifier: MIT
// LAMB (You et al. 2020, "Large Batch Optimization for Deep Learning: Training BERT in 76
// Minutes") as Optax's `lamb` computes it: Adam's bias-corrected direction plus weight decay,
// scaled per tensor by the trust ratio ‖θ‖/‖u‖ (1 where either norm is 0):
//
//   m ← (1−β1)·g + β1·m;   v ← (1−β2)·g² + β2·v
//   u ← (m/(1−β1^t)) / (√(v/(1−β2^t) + ε_root) + ε) + λθ
//   θ ← θ − γ·(r·u),   r = ‖θ‖/‖u‖ over each tensor
//
// Two passes over memory: the first updates m and v, writes u to a workspace and sums θ² and
// u² per tensor; the second steps. The same rule in every convention (Keras'
// Lamb decays θ before the step instead: docs/optimizers.md#lamb); maximize (g ← −g) is
// optlab's, as for every optimizer here. See docs/optimizers.md#lamb.
#pragma once

#include <vector>

#include "optlab/core/aligned.hpp"
#include "optlab/optim/optimizer.hpp"

namespace optlab {

/// A run of one tensor's elements whose norms LAMB sums as one piece (lamb.cpp).
struct LambBlock {
    std::size_t tensor;      // index in the group
    std::size_t begin, end;  // arena elements
};

struct LambOptions {
    Field<"lr"> lr = 1e-3;                       // γ (Optax has no default; Keras 1e-3)
    Field<"betas", Betas> betas = {0.9, 0.999};  // β1, β2
    Field<"eps"> eps = 1e-6;                     // ε, outside the root (keras 1e-7)
    Field<"eps_root"> eps_root = 0.0;            // ε_root, inside the root
    Field<"weight_decay"> weight_decay = 0.0;    // λ, added to the direction
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static LambOptions defaults(Convention c);
};

template <class T>
class Lamb final : public BasicOptimizer<T, Lamb<T>, LambOptions> {
    using Base = BasicOptimizer<T, Lamb<T>, LambOptions>;

  public:
    static constexpr std::string_view kName = "lamb";
    /// State buffers, by Optax's names (mu, nu) in PyTorch's vocabulary.
    static constexpr std::array<std::string_view, 2> kBuffers = {"exp_avg", "exp_avg_sq"};
    using Base::Base;  // (store, options = {}) and (store, ParamGroups)

    static void validate(const LambOptions& o);
    /// The workspace that carries u from the first pass to the second.
    std::size_t workspace_bytes() const override { return directions_.size() * sizeof(T); }

  private:
    void step_group(std::size_t g) override;
    // Made at a group's first step and reused, so a step allocates nothing after the first.
    std::vector<std::vector<LambBlock>> blocks_;  // per group
    std::vector<double> block_sums_;              // per block: Σθ², Σu²
    std::vector<double> tensor_sums_;             // per tensor of the group: Σθ², Σu²
    std::vector<double> ratios_;                  // per tensor of the group: ‖θ‖/‖u‖
    // u per arena element, from the first pass to the second: a workspace, not state (it is
    // not carried from one step to the next, so no checkpoint holds it). Computing u twice
    // instead — two divisions and a square root per element in each pass — made the step
    // compute-bound at 60–77% of its bandwidth.
    AlignedVector<T> directions_;
};

extern template class Lamb<float>;
extern template class Lamb<double>;

}  // namespace optlab
