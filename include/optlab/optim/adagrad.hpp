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
    Field<"lr"> lr = 1e-2;                     // γ
    Field<"lr_decay"> lr_decay = 0.0;          // γ_t = γ/(1+(t−1)·lr_decay)
    Field<"weight_decay"> weight_decay = 0.0;  // λ
    // s at the start (keras 0.1)
    Field<"initial_accumulator_value"> initial_accumulator_value = 0.0;
    Field<"eps"> eps = 1e-10;                  // ε (keras, book 1e-7)
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static AdagradOptions defaults(Convention c);
};

// Each element's update is its own (optimizer.hpp): groups alike step in one pass.
template <>
inline constexpr bool steps_elementwise<AdagradOptions> = true;

template <class T>
class Adagrad final : public BasicOptimizer<T, Adagrad<T>, AdagradOptions> {
    using Base = BasicOptimizer<T, Adagrad<T>, AdagradOptions>;

  public:
    static constexpr std::string_view kName = "adagrad";
    /// State buffers, by PyTorch's names.
    static constexpr std::array<std::string_view, 1> kBuffers = {"sum"};
    using typename Base::ParamGroups;

    explicit Adagrad(ParamStore<T>& store, const AdagradOptions& options = {})
        : Base(store, options) {
        fill_accumulators();
    }
    Adagrad(ParamStore<T>& store, ParamGroups groups) : Base(store, std::move(groups)) {
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
