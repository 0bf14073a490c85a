// SPDX-License-Identifier: MIT
// RAdam; the formula is in radam.hpp and docs/optimizers.md#radam.
#include "optlab/optim/radam.hpp"

#include <cmath>

namespace optlab {

RadamOptions RadamOptions::defaults(Convention c) {
    RadamOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Radam<T>::validate(const RadamOptions& o) {
    check_non_negative(kName, "lr", o.lr);
    check_betas(kName, o.betas);
    check_non_negative(kName, "eps", o.eps);
    check_non_negative(kName, "weight_decay", o.weight_decay);
}

template <class T>
void Radam<T>::step_group(std::size_t g) {
    const RadamOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* v = this->state("exp_avg_sq");

    const double t = double(this->groups_[g].step);
    const double b1 = o.betas[0], b2 = o.betas[1];
    const double bias_correction1 = 1.0 - std::pow(b1, t);
    const double bias_correction2 = 1.0 - std::pow(b2, t);
    const double rho_inf = 2.0 / (1.0 - b2) - 1.0;
    const double rho_t = rho_inf - 2.0 * t * std::pow(b2, t) / bias_correction2;
    const bool rectify = rho_t > 5.0;
    const double rect = rectify ? std::sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                                            ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                                : 0.0;

    const T sign = o.maximize ? T(-1) : T(1);
    const T beta1 = T(b1), beta2 = T(b2), one_minus_beta1 = T(1.0 - b1),
            one_minus_beta2 = T(1.0 - b2), eps = T(o.eps);
    const T bc1 = T(bias_correction1), bc2_sqrt = T(std::sqrt(bias_correction2));
    const T lr = T(o.lr), r = T(rect);
    const bool apply_decay = o.decoupled_weight_decay && o.weight_decay != 0.0;
    const T decay_keep = T(1.0 - o.lr * o.weight_decay);
    const T wd = o.decoupled_weight_decay ? T(0) : T(o.weight_decay);

    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            if (apply_decay) p[i] = p[i] * decay_keep;                 // θ ← θ(1 − γλ)
            const T d = sign * grad[i] + wd * p[i];                    // g ← ±g + λθ
            m[i] = m[i] * beta1 + one_minus_beta1 * d;                 // m ← β1·m + (1−β1)·g
            v[i] = v[i] * beta2 + one_minus_beta2 * d * d;             // v ← β2·v + (1−β2)·g²
            const T m_hat = m[i] / bc1;                                // m̂ = m/(1−β1^t)
            if (rectify) {
                const T l = bc2_sqrt / (std::sqrt(v[i]) + eps);        // l = √(1−β2^t)/(√v + ε)
                p[i] = p[i] + T(-1) * (m_hat * lr * l * r);            // θ ← θ − m̂·γ·l·r
            } else {
                p[i] = p[i] + T(-1) * (m_hat * lr);                    // θ ← θ − m̂·γ
            }
        }
    });
}

template class Radam<float>;
template class Radam<double>;

}  // namespace optlab
