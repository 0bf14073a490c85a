// SPDX-License-Identifier: MIT
// L-BFGS as torch.optim.LBFGS (PyTorch 1.13, torch/optim/lbfgs.py) computes it: a quasi-Newton
// method that keeps the last `history_size` pairs of steps s and gradient changes y, and turns
// the gradient into a direction with the two-loop recursion. One step() is up to `max_iter`
// iterations on the same batch, each of which evaluates the loss and gradient again through
// the closure (step(closure), optimizer.hpp) — once with a fixed step t = lr, or as often as
// the strong-Wolfe line search needs. Per iteration k (flat vectors over the group's tensors):
//
//   k = 1:  d ← −g;  H ← 1                              (and t ← min(1, 1/‖g‖₁)·lr)
//   k > 1:  y ← g − g_prev;  s ← t·d;  if yᵀs > 1e-10: push (y, s, ρ = 1/yᵀs), H ← yᵀs/yᵀy
//           q ← −g;  for i newest→oldest: αᵢ ← ρᵢ·sᵢᵀq;  q ← q − αᵢ·yᵢ
//           d ← H·q;  for i oldest→newest: βᵢ ← ρᵢ·yᵢᵀd;  d ← d + (αᵢ − βᵢ)·sᵢ      (t ← lr)
//   stop if gᵀd > −tolerance_change;  θ ← θ + t·d (t from the line search when it runs)
//   stop at max_iter iterations, max_eval evaluations, ‖g‖_∞ ≤ tolerance_grad,
//   ‖t·d‖_∞ ≤ tolerance_change or |f − f_prev| < tolerance_change.
//
// One group only, as torch's. The history, d, t, H and the counters are state, saved and
// resumed bit for bit. docs/optimizers.md#l-bfgs.
#pragma once

#include <string>
#include <vector>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct LbfgsOptions {
    Field<"lr"> lr = 1.0;                         // the fixed step, and the line search's first trial
    Field<"max_iter"> max_iter = 20;              // iterations per step (a whole number ≥ 1)
    Field<"max_eval"> max_eval = 0;               // evaluations per step; 0: ⌊max_iter·5/4⌋, torch's None
    Field<"tolerance_grad"> tolerance_grad = 1e-7;      // stop when ‖g‖_∞ ≤ this
    Field<"tolerance_change"> tolerance_change = 1e-9;  // stop when the step or the loss changes less
    Field<"history_size"> history_size = 100;     // pairs (s, y) kept (a whole number ≥ 1)
    Field<"line_search_fn", std::string> line_search_fn = std::string("fixed");  // torch's None (a fixed step lr), or strong_wolfe
    // The strong-Wolfe search's evaluations: torch 1.13 allows it 25 whatever max_eval says;
    // true caps them at max_eval less the step's evaluations so far (pytorch#161488, torch 2.10).
    Field<"cap_line_search", bool> cap_line_search = false;
    Convention convention = Convention::torch;

    static LbfgsOptions defaults(Convention c);
    /// max_eval as the step uses it.
    std::int64_t max_evaluations() const;
};

template <class T>
class Lbfgs final : public BasicOptimizer<T, Lbfgs<T>, LbfgsOptions> {
    using Base = BasicOptimizer<T, Lbfgs<T>, LbfgsOptions>;

  public:
    static constexpr std::string_view kName = "lbfgs";
    // Its state is written out by state_dict() itself: the history's length varies.
    static constexpr std::array<std::string_view, 0> kBuffers = {};
    static constexpr std::array<std::string_view, 4> kSavedState = {"d", "prev_flat_grad", "old_dirs", "old_stps"};
    static constexpr std::span<const std::string_view> saved_state_names() { return kSavedState; }

    /// Both refuse more than one group (torch: "LBFGS doesn't support per-parameter options").
    explicit Lbfgs(ParamStore<T>& store, const LbfgsOptions& options = {});
    Lbfgs(ParamStore<T>& store, typename Base::ParamGroups groups);
    static void validate(const LbfgsOptions& o);

    using Optimizer<T>::step;
    bool needs_closure() const override { return true; }
    bool steps_by_group() const override { return false; }

    /// Loss and gradient evaluations (closure calls) in all, and iterations in all: torch's
    /// state['func_evals'] and state['n_iter'].
    std::int64_t func_evals() const { return func_evals_; }
    std::int64_t n_iter() const { return n_iter_; }

    OptimizerState<T> state_dict() const override;
    void load_state_dict(const OptimizerState<T>& state) override;
    std::span<const T> buffer(std::string_view name) const override;
    std::size_t state_bytes() const override;
    std::size_t workspace_bytes() const override;

  private:
    void step_group(std::size_t g) override;
    double step_with_closure(const typename Optimizer<T>::Closure& closure) override;
    void check_one_group() const;

    // Flat vectors over the group's tensors, in group order (torch's _gather_flat_grad).
    std::size_t flat_size() const;
    void gather_grad(std::vector<T>& flat) const;
    void copy_params(std::vector<T>& flat) const;
    void set_params(const std::vector<T>& flat);
    void add_to_params(double t, const std::vector<T>& d);  // θ ← θ + t·d
    // The loss and gradient at θ + t·d, θ left as it was (torch's _directional_evaluate).
    double directional_evaluate(const typename Optimizer<T>::Closure& closure, const std::vector<T>& x, double t,
                                const std::vector<T>& d, std::vector<T>& grad);
    struct LineSearch {
        double loss;
        double t;
        std::int64_t evaluations;
    };
    LineSearch strong_wolfe(const typename Optimizer<T>::Closure& closure, double t, double loss, T gtd,
                            int max_ls);

    // ---- state (torch's names) -----------------------------------------------------------
    std::vector<T> d_, prev_flat_grad_;        // the last direction, the last iteration's gradient
    std::vector<std::vector<T>> old_dirs_;     // y, oldest first
    std::vector<std::vector<T>> old_stps_;     // s, oldest first
    std::vector<T> ro_;                        // 1 / yᵀs
    double t_ = 0;                             // the last step length
    T h_diag_ = T(1);                          // H, the initial inverse Hessian's scale
    double prev_loss_ = 0;
    std::int64_t func_evals_ = 0, n_iter_ = 0;
    bool has_direction_ = false;               // d, t and prev_flat_grad exist (torch: not None)
    // ---- workspaces ----------------------------------------------------------------------
    std::vector<T> flat_grad_, x_init_, al_, g_new_, g_prev_, bracket_g_[2];
};

extern template class Lbfgs<float>;
extern template class Lbfgs<double>;

}  // namespace optlab
