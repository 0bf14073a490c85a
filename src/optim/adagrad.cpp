// SPDX-License-Identifier: MIT
// AdaGrad; the formulas are in adagrad.hpp and docs/optimizers.md#adagrad.
#include "optlab/optim/adagrad.hpp"

#include <cmath>

namespace optlab {

AdagradOptions AdagradOptions::defaults(Convention c) {
    AdagradOptions o;
    o.convention = c;
    if (c == Convention::keras) {
        o.lr = 1e-3;
        o.initial_accumulator_value = 0.1;
        o.eps = 1e-7;
    } else if (c == Convention::book) {
        o.eps = 1e-7;  // the book's AdaGrad(lr=0.01): h += g*g; W -= lr*g/(sqrt(h) + 1e-7)
    }
    return o;
}

template <class T>
void Adagrad<T>::validate(const AdagradOptions& o) {
    check_non_negative(kName, "lr", o.lr);
    check_non_negative(kName, "lr_decay", o.lr_decay);
    check_non_negative(kName, "weight_decay", o.weight_decay);
    check_non_negative(kName, "initial_accumulator_value", o.initial_accumulator_value);
    check_non_negative(kName, "eps", o.eps);
}

template <class T>
void Adagrad<T>::fill_accumulators() {
    T* sum = this->state("sum");
    for (std::size_t g = 0; g < this->num_groups(); ++g) {
        const T init = T(this->options_[g].initial_accumulator_value);
        for (const auto& r : this->group_ranges(g)) {
            std::fill(sum + r.offset, sum + r.offset + r.size, init);
        }
    }
}

template <class T>
void Adagrad<T>::step_group(std::size_t g) {
    const AdagradOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* sum = this->state("sum");
    const T sign = o.maximize ? T(-1) : T(1);
    const T eps = T(o.eps);

    if (this->convention_ == Convention::keras) {
        const T lr = T(o.lr), decay = T(o.lr * o.weight_decay);
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) {
                p[i] = p[i] - p[i] * decay;                  // θ ← θ − γλθ (decoupled)
                const T d = sign * grad[i];
                sum[i] = sum[i] + d * d;                     // s ← s + g²
                p[i] = p[i] - (lr * d) / std::sqrt(sum[i] + eps);  // θ ← θ − γg/√(s+ε)
            }
        });
        return;
    }
    const double step = double(this->groups_[g].step);
    const T clr = T(o.lr / (1.0 + (step - 1.0) * o.lr_decay));  // γ_t
    const T wd = T(o.weight_decay);
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            const T d = sign * grad[i] + wd * p[i];         // g ← ±g + λθ
            sum[i] = sum[i] + d * d;                        // s ← s + g²
            const T std_ = std::sqrt(sum[i]) + eps;         // √s + ε
            p[i] = p[i] + ((-clr) * d) / std_;              // θ ← θ − γ_t·g/(√s + ε)
        }
    });
}

template class Adagrad<float>;
template class Adagrad<double>;

}  // namespace optlab
