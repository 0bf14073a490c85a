// SPDX-License-Identifier: MIT
// Shampoo (Gupta, Koren & Singer 2018) with the practical choices of Distributed Shampoo
// (Anil et al. 2020; Shi et al. 2023), as facebookresearch/optimizers' DistributedShampoo
// computes it on one process, for a documented subset of its options. Each matrix is cut into
// blocks of at most b × b (b = max_preconditioner_dim); per block G (r × c), at step t:
//
//   L ← β2·L + w·G·Gᵀ;  R ← β2·R + w·Gᵀ·G        (w = 1 and no decay when β2 = 1: AdaGrad's sums)
//   v ← β̃2·v + (1−β̃2)·g²                           (the grafted Adam, every element; AdaGrad: v ← v + g²)
//   at refresh steps (t % f = 0 and t > s, or t = s):
//     L⁻ = Q·diag(λ'^(−1/4))·Qᵀ,  (λ, Q) = eigh(L/(1−β2^t) + εI),  λ' = λ − λmin + ε if λmin < ε
//   m ← lerp(m, g, 1−β1);  ḡ = m/(1 − β1·β1^(t−1))   (ḡ = g when β1 = 0)
//   t < s:  P = ḡ / (√(v/(1−β̃2^t)) + ε̃)             (the grafted method alone)
//   t ≥ s:  P = L⁻·ḡ·R⁻ · ‖ḡ/(√(v/(1−β̃2^t)) + ε̃)‖ / (‖L⁻·ḡ·R⁻‖ + 1e-16)   (per block)
//   P ← P + λ·θ;   M ← μ·M + P,  P ← nesterov ? P + μ·M : M   (μ > 0);   θ ← θ − γ·P
//
// Tensors that are not matrices (biases, vectors) take the grafted method alone (the t < s
// line); a matrix's inverse roots are computed in float64 through LAPACK and kept in the
// parameters' dtype. Departures from DistributedShampoo: those non-matrices (it preconditions
// every order), no merging of small dimensions, decoupled weight decay only, grafting adam or
// adagrad only, beta3 = β1, and its bias corrections in float64 (its step counter makes them
// float32). See docs/optimizers.md#shampoo.
#pragma once

#include <string>
#include <vector>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct ShampooOptions {
    Field<"lr"> lr = 1e-2;                                    // γ
    Field<"betas", Betas> betas = {0.9, 1.0};                 // β1 (filtered gradient), β2 (L, R; 1: sums)
    Field<"eps"> eps = 1e-12;                                 // ε of the inverse roots (DistributedShampoo's epsilon)
    Field<"weight_decay"> weight_decay = 0.0;                 // λ, decoupled
    Field<"max_preconditioner_dim"> max_preconditioner_dim = 1024;  // b: blocks of at most b × b
    Field<"precondition_frequency"> precondition_frequency = 1;      // f: steps between inverse roots
    Field<"start_preconditioning_step"> start_preconditioning_step = -1;  // s; -1: f
    Field<"use_bias_correction", bool> use_bias_correction = true;
    Field<"grafting", std::string> grafting = std::string("adam");   // adam or adagrad
    Field<"grafting_beta2"> grafting_beta2 = 0.999;           // β̃2 of the grafted Adam
    Field<"grafting_eps"> grafting_eps = 1e-10;               // ε̃ of the grafted method (AdamPreconditionerConfig's)
    Field<"momentum"> momentum = 0.0;                         // μ; 0: none
    Field<"nesterov", bool> nesterov = false;
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static ShampooOptions defaults(Convention c);
};

/// Shampoo's saved state: the arena's buffers and, per matrix, its blocks' statistics L, R
/// (factor_matrices) and inverse roots L⁻, R⁻ (inv_factor_matrices), block by block, L before
/// R. At namespace scope for clang 14 (adafactor.hpp says why).
inline constexpr std::array<std::string_view, 5> kShampooSavedState = {
    "filtered_grad", "grafting_state", "momentum_buffer", "factor_matrices", "inv_factor_matrices"};

template <class T>
class Shampoo final : public BasicOptimizer<T, Shampoo<T>, ShampooOptions> {
    using Base = BasicOptimizer<T, Shampoo<T>, ShampooOptions>;

  public:
    static constexpr std::string_view kName = "shampoo";
    static constexpr std::array<std::string_view, 3> kBuffers = {"filtered_grad", "grafting_state", "momentum_buffer"};
    static constexpr std::span<const std::string_view> saved_state_names() { return kShampooSavedState; }
    using Base::Base;  // (store, options = {}) and (store, ParamGroups)

    static void validate(const ShampooOptions& o);

    /// A block of a matrix: rows [row, row + rows), columns [col, col + cols).
    struct Block {
        std::size_t row, rows, col, cols;
    };
    /// The blocks of a rows × cols matrix, row-block by row-block (DistributedShampoo's
    /// multi_dim_split: chunks of b along each dimension, the last one shorter).
    static std::vector<Block> blocks(std::size_t rows, std::size_t cols, std::size_t b);

    /// Per matrix: factor (L, R per block, back to back) and inverse (L⁻, R⁻ likewise).
    struct TensorState {
        std::vector<T> factor, inverse;
        std::vector<Block> blocks;  // kept so a step allocates nothing
        std::size_t block_size = 0; // the b they were cut with
    };

    std::size_t state_bytes() const override;
    std::size_t workspace_bytes() const override;
    OptimizerState<T> state_dict() const override;
    void load_state_dict(const OptimizerState<T>& state) override;

  private:
    void step_group(std::size_t g) override;
    void inverse_root(std::size_t n, const T* factor, double bias_correction2, double eps, T* inverse);

    std::vector<TensorState> state_;  // by tensor index of the store
    // Workspaces, grown to the largest tensor or block and reused.
    std::vector<T> g_, p_, x_, y_, z_;
    std::vector<double> a64_, b64_, w64_;
};

extern template class Shampoo<float>;
extern template class Shampoo<double>;

}  // namespace optlab
