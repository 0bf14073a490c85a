// SPDX-License-Identifier: MIT
// RAdam; the formula is in radam.hpp and docs/optimizers.md#radam.
#include "optlab/optim/radam.hpp"

#include "optlab/optim/optimizer_impl.hpp"

#include <cmath>

namespace optlab {

RadamOptions RadamOptions::defaults(Convention c) {
    RadamOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Radam<T>::validate(const RadamOptions& o) {
    check_adam_family(kName, o);
}

namespace {

template <class T>
struct RadamScalars {
    T sign, wd, decay_keep;                                  // ±1; coupled λ; 1 − γλ
    T beta1, beta2, one_minus_beta1, one_minus_beta2, eps;
    T bias_correction1, bias_correction2_sqrt, lr, rect;     // 1−β1^t, √(1−β2^t), γ, r_t
};

template <class T, bool kRectify, bool kDecay>
void radam(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
           T* __restrict m, T* __restrict v, const RadamScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        if constexpr (kDecay) p[i] = p[i] * s.decay_keep;                // θ ← θ(1 − γλ)
        const T g = s.sign * grad[i] + s.wd * p[i];                      // g ← ±g + λθ
        m[i] = m[i] * s.beta1 + s.one_minus_beta1 * g;                   // m ← β1·m + (1−β1)·g
        v[i] = v[i] * s.beta2 + s.one_minus_beta2 * g * g;               // v ← β2·v + (1−β2)·g²
        const T m_hat = m[i] / s.bias_correction1;                       // m̂ = m/(1−β1^t)
        if constexpr (kRectify) {
            const T l = s.bias_correction2_sqrt / (std::sqrt(v[i]) + s.eps);  // √(1−β2^t)/(√v+ε)
            p[i] = p[i] + T(-1) * (m_hat * s.lr * l * s.rect);           // θ ← θ − m̂·γ·l·r
        } else {
            p[i] = p[i] + T(-1) * (m_hat * s.lr);                        // θ ← θ − m̂·γ
        }
    }
}

}  // namespace

template <class T>
void Radam<T>::step_group(std::size_t g) {
    const RadamOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* v = this->state("exp_avg_sq");

    const double t = double(this->groups_[g].step);
    const double b1 = o.betas[0], b2 = o.betas[1];
    const double bias_correction2 = 1.0 - std::pow(b2, t);
    const double rho_inf = 2.0 / (1.0 - b2) - 1.0;                       // ρ∞
    const double rho_t = rho_inf - 2.0 * t * std::pow(b2, t) / bias_correction2;
    const bool rectify = rho_t > 5.0;  // the variance of the adaptive step is tractable
    const double rect = rectify ? std::sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                                            ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                                : 0.0;
    const RadamScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .wd = o.decoupled_weight_decay ? T(0) : T(o.weight_decay),
        .decay_keep = T(1.0 - o.lr * o.weight_decay),
        .beta1 = T(b1),
        .beta2 = T(b2),
        .one_minus_beta1 = T(1.0 - b1),
        .one_minus_beta2 = T(1.0 - b2),
        .eps = T(o.eps),
        .bias_correction1 = T(1.0 - std::pow(b1, t)),
        .bias_correction2_sqrt = T(std::sqrt(bias_correction2)),
        .lr = T(o.lr),
        .rect = T(rect),
    };
    const bool decay = o.decoupled_weight_decay && o.weight_decay != 0.0;
    with_flags(
        [&]<bool kRectify, bool kDecay>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                radam<T, kRectify, kDecay>(begin, end, p, grad, m, v, s);
            });
        },
        rectify, decay);
}

template class Radam<float>;
template class Radam<double>;

}  // namespace optlab
