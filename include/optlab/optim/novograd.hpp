// SPDX-License-Identifier: MIT
// NovoGrad (Ginsburg et al. 2019, "Stochastic Gradient Methods with Layer-wise Adaptive
// Moments for Training of Deep Networks") as Optax's `novograd` computes it
// (optax/_src/alias.py: scale_by_novograd, scale_by_learning_rate): Adam whose second moment
// is one number per tensor, an average of ‖g‖², and whose first moment sums gradients already
// divided by its root (plus the weight decay), undamped.
//
//   g ← ±g;   per tensor: n = ‖g‖·‖g‖;   ν ← n at the first step, else (1−β2)·n + β2·ν
//   a = g/(√(ν + ε_root) + ε) + λθ;   m ← a at the first step, else β1·m + a
//   θ ← θ + (−γ)·m
// Two passes: the first sums g² per tensor (in float64, in blocks whose sums are added in
// order, so the same bits on any number of threads), the second steps. Optax's rule and
// defaults in every convention: PyTorch, Keras and the book have no NovoGrad.
// See docs/optimizers.md#novograd.
#pragma once

#include <vector>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct NovogradOptions {
    Field<"lr"> lr = 3e-3;                       // γ (Optax has none: its example's)
    Field<"betas", Betas> betas = {0.9, 0.25};   // β1 (m, undamped), β2 (ν)
    Field<"eps"> eps = 1e-6;                     // ε, outside the root
    Field<"eps_root"> eps_root = 0.0;            // ε_root, inside the root
    Field<"weight_decay"> weight_decay = 0.0;    // λ, added to a (Optax's)
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static NovogradOptions defaults(Convention c);
};

/// What a NovoGrad saves: m per element (exp_avg) and ν per tensor (exp_avg_sq, a 0-d tensor
/// as Optax's nu), by PyTorch's names for Optax's mu and nu.
inline constexpr std::array<std::string_view, 2> kNovogradSavedState = {"exp_avg", "exp_avg_sq"};

template <class T>
class Novograd final : public BasicOptimizer<T, Novograd<T>, NovogradOptions> {
    using Base = BasicOptimizer<T, Novograd<T>, NovogradOptions>;

  public:
    static constexpr std::string_view kName = "novograd";
    /// The arena-sized state buffer; ν, one number per tensor, is kept beside it.
    static constexpr std::array<std::string_view, 1> kBuffers = {"exp_avg"};
    /// Every state it saves, the per-tensor ν too (the registry lists these).
    static constexpr std::span<const std::string_view> saved_state_names() { return kNovogradSavedState; }
    using Base::Base;  // (store, options = {}) and (store, ParamGroups)

    static void validate(const NovogradOptions& o);

    std::size_t state_bytes() const override;
    OptimizerState<T> state_dict() const override;
    void load_state_dict(const OptimizerState<T>& state) override;

  private:
    void step_group(std::size_t g) override;
    struct Block {
        std::size_t tensor;      // index in the group
        std::size_t begin, end;  // arena elements
    };
    // Made at a group's first step and reused, so a step allocates nothing after the first.
    std::vector<std::vector<Block>> blocks_;  // per group
    std::vector<double> block_sums_;          // per block: Σg²
    std::vector<double> tensor_sums_;         // per tensor of the group: Σg²
    std::vector<T> denominators_;             // per tensor of the group: √(ν + ε_root) + ε
    std::vector<T> nu_;                       // ν by tensor index of the store (state)
};

extern template class Novograd<float>;
extern template class Novograd<double>;

}  // namespace optlab
