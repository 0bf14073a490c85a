// SPDX-License-Identifier: MIT
// SOAP (Vyas et al. 2024, "SOAP: Improving and Stabilizing Shampoo using Adam") as the
// authors' reference computes it (github.com/nikhilvyas/SOAP, soap.py): Adam run in the
// eigenbasis of Shampoo's preconditioners. Per tensor G (its dimensions merged first when
// merge_dims), each dimension k of length ≤ max_precond_dim keeps a statistic L_k and a basis
// Q_k (a vector only with precondition_1d); the others are left as they are (Q_k = I):
//
//   first step:  L_k ← lerp(L_k, G_(k)·G_(k)ᵀ, 1 − β_s);  Q_k ← eigh(L_k + 1e-30·I), eigenvalues
//                descending;  θ is not moved (the step's gradient never enters its own projection)
//   step t ≥ 1:  G' = G ×_k Q_k            (project: Q_kᵀ along each dimension k)
//                m ← β1·m + (1−β1)·G';  v ← β2·v + (1−β2)·G'²      (in the eigenbasis)
//                N = (m / (√v + ε)) ×_k Q_kᵀ                           (project back)
//                N ← N / (1e-30 + RMS(N))                          if normalize_grads
//                θ ← θ − γ·(√(1−β2^t)/(1−β1^t))·N  (bias terms only if correct_bias);  θ ← θ − γλ·θ
//                L_k ← lerp(L_k, G_(k)·G_(k)ᵀ, 1 − β_s)
//                every precondition_frequency steps: per k, order Q_k's columns by diag(Q_kᵀL_kQ_k)
//                descending (v's index k with them), Q_k ← QR(L_k·Q_k).Q, and m moves to the new basis
//
// β_s = shampoo_beta, or β2 when it is negative. The eigendecompositions and QRs go through
// LAPACK in float64, the statistics and bases are kept in the parameters' dtype. Departures:
// maximize (optlab's), m moved between bases only when they change (the reference projects it
// back and forth every step: the same numbers up to rounding), only the channels_first layout.
// See docs/optimizers.md#soap.
#pragma once

#include <vector>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct SoapOptions {
    Field<"lr"> lr = 3e-3;                                // γ
    Field<"betas", Betas> betas = {0.95, 0.95};           // β1, β2 of Adam's moments
    Field<"shampoo_beta"> shampoo_beta = -1.0;            // β_s of L_k; negative: β2
    Field<"eps"> eps = 1e-8;                              // ε
    Field<"weight_decay"> weight_decay = 0.01;            // λ, decoupled, after the step
    Field<"precondition_frequency"> precondition_frequency = 10;  // steps between refreshes of Q_k
    Field<"max_precond_dim"> max_precond_dim = 10000;     // longer dimensions are not preconditioned
    Field<"merge_dims", bool> merge_dims = false;         // merge dimensions up to max_precond_dim
    Field<"precondition_1d", bool> precondition_1d = false;  // vectors get an n×n statistic too
    Field<"normalize_grads", bool> normalize_grads = false;  // N ← N / RMS(N)
    Field<"correct_bias", bool> correct_bias = true;      // Adam's bias correction
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static SoapOptions defaults(Convention c);
};

/// SOAP's saved state: the arena's moments (in the eigenbasis) and, per tensor, its statistics
/// GG and bases Q, each the dimensions' matrices back to back (the reference's lists). At
/// namespace scope for clang 14 (adafactor.hpp says why).
inline constexpr std::array<std::string_view, 4> kSoapSavedState = {"exp_avg", "exp_avg_sq", "GG", "Q"};

template <class T>
class Soap final : public BasicOptimizer<T, Soap<T>, SoapOptions> {
    using Base = BasicOptimizer<T, Soap<T>, SoapOptions>;

  public:
    static constexpr std::string_view kName = "soap";
    static constexpr std::array<std::string_view, 2> kBuffers = {"exp_avg", "exp_avg_sq"};
    static constexpr std::span<const std::string_view> saved_state_names() { return kSoapSavedState; }
    using Base::Base;  // (store, options = {}) and (store, ParamGroups)

    static void validate(const SoapOptions& o);

    /// The dimensions a tensor of `shape` is preconditioned as (merged when merge_dims), and
    /// which of them have a statistic: the reference's merge_dims and init_preconditioner.
    struct Layout {
        std::vector<std::size_t> dims;
        std::vector<bool> preconditioned;
        std::size_t matrix_elements() const;  // Σ d_k² over the preconditioned dimensions
    };
    static Layout layout(const std::vector<std::size_t>& shape, const SoapOptions& o);

    /// Per tensor: the statistics GG (L_k) and bases Q (Q_k), each d_k × d_k, row-major, back to
    /// back in dimension order; empty before the first step and for tensors without any.
    struct TensorState {
        std::vector<T> GG, Q;
        Layout layout;        // the tensor's, kept so a step allocates nothing
        bool laid_out = false;
    };
    const TensorState& tensor_state(std::size_t index) const;

    std::size_t state_bytes() const override;
    std::size_t workspace_bytes() const override;
    OptimizerState<T> state_dict() const override;
    void load_state_dict(const OptimizerState<T>& state) override;

  private:
    void step_group(std::size_t g) override;
    // x (the tensor, dims) ← x ×_k Q_k (project) or ×_k Q_kᵀ (back), dimension by dimension.
    void project(T* x, const Layout& layout, const std::vector<T>& Q, bool back);
    void update_statistics(const T* grad, const Layout& layout, TensorState& s, double weight);
    void eigenbases(const Layout& layout, TensorState& s);
    void refresh_bases(const Layout& layout, TensorState& s, T* exp_avg_sq);

    std::vector<TensorState> state_;  // by tensor index of the store
    // Workspaces, grown to the largest tensor or matrix and reused.
    std::vector<T> a_, b_, w_, g_, x_;
    std::vector<double> m64_, v64_, w64_, tau_, estimate_;
    std::vector<std::size_t> order_;
};

extern template class Soap<float>;
extern template class Soap<double>;

}  // namespace optlab
