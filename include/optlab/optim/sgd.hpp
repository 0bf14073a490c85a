// SPDX-License-Identifier: MIT
// SGD, with heavy-ball momentum (the lecture's Momentum) and Nesterov momentum (NAG).
//
//   torch (PyTorch):  g ← ±g + λθ;  b ← g at the first step, else b ← μb + (1−τ)g;
//                     g ← g + μb (nesterov) or g ← b;  θ ← θ − γg
//   keras / book:     v ← μv − γg;  θ ← θ + v,  or for Nesterov θ ← θ + μv − γg (the new v)
// The two agree for a constant lr (v = −γb); they differ once a schedule changes γ, because
// the keras/book form bakes the lr into v. See docs/optimizers.md#sgd.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct SgdOptions {
    double lr = 1e-3;            // γ (torch's default; keras/book 0.01)
    double momentum = 0.0;       // μ; 0 is plain SGD
    double dampening = 0.0;      // τ, torch only
    double weight_decay = 0.0;   // λ: coupled L2 (torch, book), decoupled (keras)
    bool nesterov = false;       // Nesterov momentum; needs μ > 0 and τ = 0
    bool maximize = false;       // ascend instead of descend
    Convention convention = Convention::torch;

    static SgdOptions defaults(Convention c);
    static void fields(auto& self, auto&& f) {
        f("lr", self.lr);
        f("momentum", self.momentum);
        f("dampening", self.dampening);
        f("weight_decay", self.weight_decay);
        f("nesterov", self.nesterov);
        f("maximize", self.maximize);
    }
};

template <class T>
class Sgd final : public BasicOptimizer<T, Sgd<T>, SgdOptions> {
    using Base = BasicOptimizer<T, Sgd<T>, SgdOptions>;

  public:
    static constexpr std::string_view kName = "sgd";
    using typename Base::ParamGroup;
    using typename Base::ParamGroups;

    explicit Sgd(ParamStore<T>& store, const SgdOptions& options = {})
        : Base(store, options, {"momentum_buffer"}) {}
    Sgd(ParamStore<T>& store, ParamGroups groups)
        : Base(store, std::move(groups.groups), {"momentum_buffer"}) {}

    static void validate(const SgdOptions& o);

  private:
    void step_group(std::size_t g) override;
};

extern template class Sgd<float>;
extern template class Sgd<double>;

}  // namespace optlab
