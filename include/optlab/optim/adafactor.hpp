// SPDX-License-Identifier: MIT
// Adafactor (Shazeer & Stern 2018, "Adafactor: Adaptive Learning Rates with Sublinear Memory
// Cost") as torch.optim.Adafactor (PyTorch ≥ 2.5, its single-tensor path) computes it. Per
// tensor, at step t:
//
//   β̂ = t^beta2_decay (the weight of the new statistics);  ρ = min(γ, 1/√t)
//   α = max(ε2, RMS(θ))·ρ;   θ ← θ·(1 − γλ)
//   matrix (…, R, C):  r ← lerp(r, ‖g‖²_row / C, β̂);  c ← lerp(c, ‖g‖²_col / R, β̂)
//                      v̂ = r·c / max(mean(r), ε1)         (outer product per matrix)
//   vector:            v ← lerp(v, g², β̂);  v̂ = v
//   u = g / √max(v̂, ε1²);   θ ← θ − (α / max(1, RMS(u)/d))·u
//
// Matrices keep R + C numbers per matrix, not R·C: the state is not arena-sized, so it lives
// here per tensor (row_var, col_var, variance, as torch names them) and is saved by overriding
// state_dict(). See docs/optimizers.md#adafactor.
#pragma once

#include <limits>
#include <vector>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct AdafactorOptions {
    /// eps[0] = ε1 unset (torch's None): the machine epsilon of the parameters' dtype.
    static constexpr double kEps1FromDtype = std::numeric_limits<double>::quiet_NaN();

    Field<"lr"> lr = 1e-2;                                 // γ, the cap of the relative step ρ
    Field<"beta2_decay"> beta2_decay = -0.8;               // β̂ = t^beta2_decay, <= 0
    Field<"eps", Betas> eps = {kEps1FromDtype, 1e-3};      // (ε1, ε2)
    Field<"d"> d = 1.0;                                    // clipping threshold of RMS(u), >= 1
    Field<"weight_decay"> weight_decay = 0.0;              // λ, decoupled: θ ← θ(1 − γλ)
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static AdafactorOptions defaults(Convention c);
};

/// Adafactor's per-tensor state names. At namespace scope, not a static member of the class
/// template: clang 14 (emscripten's) does not emit such a member when only a constant
/// expression (the registry's table) refers to it, and the WebAssembly engine fails to link.
inline constexpr std::array<std::string_view, 3> kAdafactorTensorState = {"row_var", "col_var", "variance"};

template <class T>
class Adafactor final : public BasicOptimizer<T, Adafactor<T>, AdafactorOptions> {
    using Base = BasicOptimizer<T, Adafactor<T>, AdafactorOptions>;

  public:
    static constexpr std::string_view kName = "adafactor";
    /// No arena-sized buffers: its state is per tensor (tensor_state).
    static constexpr std::array<std::string_view, 0> kBuffers = {};
    /// The names of that per-tensor state, as state_dict() saves it and the registry lists it.
    static constexpr std::span<const std::string_view> tensor_state_names() { return kAdafactorTensorState; }
    using Base::Base;  // (store, options = {}) and (store, ParamGroups)

    static void validate(const AdafactorOptions& o);

    /// One tensor's second-moment statistics: row_var (…, R, 1) and col_var (…, 1, C) for a
    /// tensor of 2 or more dimensions, variance (its shape) for a vector or a scalar.
    struct TensorState {
        std::vector<T> row_var, col_var, variance;
    };
    /// Tensor `index`'s state; empty before its first step.
    const TensorState& tensor_state(std::size_t index) const;

    std::size_t state_bytes() const override;
    OptimizerState<T> state_dict() const override;
    void load_state_dict(const OptimizerState<T>& state) override;

  private:
    void step_group(std::size_t g) override;
    void step_tensor(std::size_t index, const AdafactorOptions& o, double t);

    std::vector<TensorState> state_;  // by tensor index of the store
};

extern template class Adafactor<float>;
extern template class Adafactor<double>;

}  // namespace optlab
