// SPDX-License-Identifier: MIT
// ASGD, averaged stochastic gradient descent (Polyak & Juditsky 1992, "Acceleration of
// Stochastic Approximation by Averaging"), as torch.optim.ASGD computes it: SGD whose step size
// η decays as γ/(1 + λγt)^α, and beside it the running average ax of the parameters, begun at
// step t0 — the point where the model is evaluated (eval()), while training goes on from θ.
//
//   g ← ±g + wd·θ
//   θ ← θ·(1 − λη);   θ ← θ + (−η)·g
//   ax ← ax + (θ − ax)·μ   (μ ≠ 1);   ax ← θ   (μ = 1: every step up to t0 + 1)
//   η ← γ/(1 + λγt)^α;   μ ← 1/max(1, t − t0)      (η₁ = γ, μ₁ = 1)
// η and μ are kept per group in the parameters' dtype, as torch keeps them in tensors of its
// default dtype (1.13 and 2.9 alike), and saved with the state (`eta`, `mu`).
// torch's rule and defaults in every convention: Keras and the book have no ASGD.
// See docs/optimizers.md#asgd.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct AsgdOptions {
    Field<"lr"> lr = 1e-2;                     // γ
    Field<"lambd"> lambd = 1e-4;               // λ: the decay of η, and of θ by λη each step
    Field<"alpha"> alpha = 0.75;               // α: the power of η's decay
    Field<"t0"> t0 = 1e6;                      // the step after which the average begins
    Field<"weight_decay"> weight_decay = 0.0;  // wd, coupled (L2)
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static AsgdOptions defaults(Convention c);
};

template <class T>
class Asgd final : public BasicOptimizer<T, Asgd<T>, AsgdOptions> {
    using Base = BasicOptimizer<T, Asgd<T>, AsgdOptions>;

  public:
    static constexpr std::string_view kName = "asgd";
    /// State buffers: PyTorch's average ax, and the training point θ kept by eval().
    static constexpr std::array<std::string_view, 2> kBuffers = {"ax", "train_point"};
    using Base::Base;  // (store, options = {}) and (store, ParamGroups)

    static void validate(const AsgdOptions& o);
    /// Evaluated at the average ax.
    bool has_eval_point() const override { return true; }

  private:
    void step_group(std::size_t g) override;
    void to_eval_point(std::size_t g) override;
};

extern template class Asgd<float>;
extern template class Asgd<double>;

}  // namespace optlab
