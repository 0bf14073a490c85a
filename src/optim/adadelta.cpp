// SPDX-License-Identifier: MIT
// AdaDelta; the formula is in adadelta.hpp and docs/optimizers.md#adadelta.
#include "optlab/optim/adadelta.hpp"

#include <cmath>

namespace optlab {

AdadeltaOptions AdadeltaOptions::defaults(Convention c) {
    AdadeltaOptions o;
    o.convention = c;
    if (c == Convention::keras) {
        o.lr = 1e-3;
        o.rho = 0.95;
        o.eps = 1e-7;
    }
    return o;
}

template <class T>
void Adadelta<T>::validate(const AdadeltaOptions& o) {
    check_non_negative(kName, "lr", o.lr);
    check_unit_closed(kName, "rho", o.rho);
    check_non_negative(kName, "eps", o.eps);
    check_non_negative(kName, "weight_decay", o.weight_decay);
}

template <class T>
void Adadelta<T>::step_group(std::size_t g) {
    const AdadeltaOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* v = this->state("square_avg");
    T* u = this->state("acc_delta");
    const T sign = o.maximize ? T(-1) : T(1);
    const T lr = T(o.lr), rho = T(o.rho), one_minus_rho = T(1.0 - o.rho), eps = T(o.eps);

    if (this->convention_ == Convention::keras) {
        const T decay = T(o.lr * o.weight_decay);
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) {
                p[i] = p[i] - p[i] * decay;                               // θ ← θ − γλθ
                const T d = sign * grad[i];
                v[i] = rho * v[i] + one_minus_rho * d * d;                // v ← ρv + (1−ρ)g²
                const T delta = std::sqrt(u[i] + eps) * d / std::sqrt(v[i] + eps);
                u[i] = rho * u[i] + one_minus_rho * delta * delta;        // u ← ρu + (1−ρ)δ²
                p[i] = p[i] - lr * delta;                                 // θ ← θ − γδ
            }
        });
        return;
    }
    const T wd = T(o.weight_decay);
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            const T d = sign * grad[i] + wd * p[i];                       // g ← ±g + λθ
            v[i] = v[i] * rho + one_minus_rho * d * d;                    // v ← ρv + (1−ρ)g²
            const T std_ = std::sqrt(v[i] + eps);                         // √(v + ε)
            const T delta = std::sqrt(u[i] + eps) / std_ * d;             // δ = √(u+ε)/√(v+ε)·g
            u[i] = u[i] * rho + one_minus_rho * delta * delta;            // u ← ρu + (1−ρ)δ²
            p[i] = p[i] + (-lr) * delta;                                  // θ ← θ − γδ
        }
    });
}

template class Adadelta<float>;
template class Adadelta<double>;

}  // namespace optlab
