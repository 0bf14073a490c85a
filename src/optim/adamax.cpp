// SPDX-License-Identifier: MIT
// Adamax; the formulas are in adamax.hpp and docs/optimizers.md#adamax.
#include "optlab/optim/adamax.hpp"

#include <algorithm>
#include <cmath>

namespace optlab {

AdamaxOptions AdamaxOptions::defaults(Convention c) {
    AdamaxOptions o;
    o.convention = c;
    if (c == Convention::keras) {
        o.lr = 1e-3;
        o.eps = 1e-7;
    }
    return o;
}

template <class T>
void Adamax<T>::validate(const AdamaxOptions& o) {
    check_non_negative(kName, "lr", o.lr);
    check_betas(kName, o.betas);
    check_non_negative(kName, "eps", o.eps);
    check_non_negative(kName, "weight_decay", o.weight_decay);
}

template <class T>
void Adamax<T>::step_group(std::size_t g) {
    const AdamaxOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* u = this->state("exp_inf");
    const double t = double(this->groups_[g].step);
    const double bias_correction = 1.0 - std::pow(o.betas[0], t);
    const T sign = o.maximize ? T(-1) : T(1);
    const T beta1 = T(o.betas[0]), beta2 = T(o.betas[1]), one_minus_beta1 = T(1.0 - o.betas[0]);
    const T eps = T(o.eps);

    if (this->convention_ == Convention::keras) {
        const T lr = T(o.lr), decay = T(o.lr * o.weight_decay), bc = T(bias_correction);
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) {
                p[i] = p[i] - p[i] * decay;                            // θ ← θ − γλθ
                const T d = sign * grad[i];
                m[i] = m[i] + (d - m[i]) * one_minus_beta1;            // m ← m + (g−m)(1−β1)
                u[i] = std::max(beta2 * u[i], std::abs(d));            // u ← max(β2·u, |g|)
                p[i] = p[i] - (lr * m[i]) / (bc * (u[i] + eps));       // θ ← θ − γm/((1−β1^t)(u+ε))
            }
        });
        return;
    }
    const T clr = T(o.lr / bias_correction);
    const T wd = T(o.weight_decay);
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            const T d = sign * grad[i] + wd * p[i];                    // g ← ±g + λθ
            m[i] = m[i] * beta1 + one_minus_beta1 * d;                 // m ← β1·m + (1−β1)·g
            u[i] = std::max(u[i] * beta2, std::abs(d) + eps);          // u ← max(β2·u, |g|+ε)
            p[i] = p[i] + ((-clr) * m[i]) / u[i];                      // θ ← θ − γ/(1−β1^t)·m/u
        }
    });
}

template class Adamax<float>;
template class Adamax<double>;

}  // namespace optlab
