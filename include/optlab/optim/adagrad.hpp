// SPDX-License-Identifier: MIT
// AdaGrad (Duchi et al. 2011): each parameter's step is divided by the root of the sum of its
// squared gradients, so steps shrink as that sum grows — the lecture's "big steps first, small
// steps later", and why AdaGrad eventually stops moving at all.
//
//   torch / book:  γ_t = γ/(1+(t−1)·lr_decay);  s ← s + g²;  θ ← θ − γ_t·g/(√s + ε)
//   keras:         s ← s + g²;  θ ← θ − γ·g/√(s + ε)   (ε inside the root, s starts at 0.1)
// See docs/optimizers.md#adagrad.
#pragma once

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct AdagradOptions {
    double lr = 1e-2;                         // γ
    double lr_decay = 0.0;                    // γ_t = γ/(1+(t−1)·lr_decay)
    double weight_decay = 0.0;                // λ
    double initial_accumulator_value = 0.0;   // s at the start (keras 0.1)
    double eps = 1e-10;                       // ε (keras, book 1e-7)
    bool maximize = false;
    Convention convention = Convention::torch;

    static AdagradOptions defaults(Convention c);
    static void fields(auto& self, auto&& f) {
        f("lr", self.lr);
        f("lr_decay", self.lr_decay);
        f("weight_decay", self.weight_decay);
        f("initial_accumulator_value", self.initial_accumulator_value);
        f("eps", self.eps);
        f("maximize", self.maximize);
    }
};

template <class T>
class Adagrad final : public BasicOptimizer<T, Adagrad<T>, AdagradOptions> {
    using Base = BasicOptimizer<T, Adagrad<T>, AdagradOptions>;

  public:
    static constexpr std::string_view kName = "adagrad";
    using typename Base::ParamGroup;
    using typename Base::ParamGroups;

    explicit Adagrad(ParamStore<T>& store, const AdagradOptions& options = {})
        : Base(store, options, {"sum"}) {
        fill_accumulators();
    }
    Adagrad(ParamStore<T>& store, ParamGroups groups)
        : Base(store, std::move(groups.groups), {"sum"}) {
        fill_accumulators();
    }

    static void validate(const AdagradOptions& o);

  private:
    // PyTorch fills `sum` eagerly, at construction, with each group's initial value.
    void fill_accumulators();
    void step_group(std::size_t g) override;
};

extern template class Adagrad<float>;
extern template class Adagrad<double>;

}  // namespace optlab
