// SPDX-License-Identifier: MIT
// LARS, layer-wise adaptive rate scaling (You et al. 2017, "Large Batch Training of
// Convolutional Networks"), as Optax's `lars` computes it (optax/_src/alias.py:
// add_decayed_weights, scale_by_trust_ratio under trust_ratio_mask, scale_by_learning_rate,
// trace): SGD with momentum whose update is rescaled per tensor by the trust ratio
// η·‖θ‖/(‖u‖ + ε), so every tensor moves by about the same fraction η·γ of its own size.
//
//   u = ±g + λθ
//   r = η·‖θ‖/(‖u‖ + ε) over each tensor (1 where either norm is 0, or with trust_ratio_mask off)
//   u ← (−γ)·(u·r);   b ← u + μ·b;   θ ← θ + b     (nesterov: θ ← θ + (u + μ·b))
// The momentum buffer b holds steps already scaled by γ (Optax's trace comes after the lr).
// Two passes: the first sums θ² and u² per tensor, the second steps. Optax's rule and
// defaults in every convention: PyTorch, Keras and the book have no LARS.
// See docs/optimizers.md#lars.
#pragma once

#include <vector>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct LarsOptions {
    Field<"lr"> lr = 1.0;                                   // γ (Optax has none: its test's)
    Field<"weight_decay"> weight_decay = 0.0;               // λ, added to the gradient
    Field<"trust_coefficient"> trust_coefficient = 0.001;   // η, the trust ratio's factor
    Field<"eps"> eps = 0.0;                                 // ε, added to ‖u‖
    Field<"trust_ratio_mask", bool> trust_ratio_mask = true;  // false: no trust ratio (r = 1)
    Field<"momentum"> momentum = 0.9;                       // μ, the trace's decay
    Field<"nesterov", bool> nesterov = false;               // Nesterov momentum
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static LarsOptions defaults(Convention c);
};

template <class T>
class Lars final : public BasicOptimizer<T, Lars<T>, LarsOptions> {
    using Base = BasicOptimizer<T, Lars<T>, LarsOptions>;

  public:
    static constexpr std::string_view kName = "lars";
    /// State buffer, by PyTorch's name (Optax's trace).
    static constexpr std::array<std::string_view, 1> kBuffers = {"momentum_buffer"};
    using Base::Base;  // (store, options = {}) and (store, ParamGroups)

    static void validate(const LarsOptions& o);

  private:
    void step_group(std::size_t g) override;
    // Made at a group's first step and reused, so a step allocates nothing after the first.
    struct Block {
        std::size_t tensor;      // index in the group
        std::size_t begin, end;  // arena elements
    };
    std::vector<std::vector<Block>> blocks_;  // per group
    std::vector<double> block_sums_;          // per block: Σθ², Σu²
    std::vector<double> tensor_sums_;         // per tensor of the group: Σθ², Σu²
    std::vector<T> ratios_;                   // per tensor of the group: r
};

extern template class Lars<float>;
extern template class Lars<double>;

}  // namespace optlab
