// SPDX-License-Identifier: MIT
// AdaBelief; the formula is in adabelief.hpp and docs/optimizers.md#adabelief.
#include "optlab/optim/adabelief.hpp"

#include <cmath>

#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

AdabeliefOptions AdabeliefOptions::defaults(Convention c) {
    AdabeliefOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Adabelief<T>::validate(const AdabeliefOptions& o) {
    check_adam_family(kName, o);
    check_non_negative(kName, o.eps_root);
}

namespace {

template <class T>
struct AdabeliefScalars {
    T sign, neg_lr, wd;                                   // ±1; −γ; λ
    T beta1, one_minus_beta1, beta2, one_minus_beta2;
    T bias_correction1, bias_correction2;                 // 1−β1^t, 1−β2^t
    T bias_correction1_next;                              // 1−β1^(t+1), for nesterov
    T eps, eps_root;
};

template <class T, bool kNesterov, bool kDecay>
void adabelief(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
               T* __restrict m, T* __restrict s_var, const AdabeliefScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i];
        m[i] = s.one_minus_beta1 * g + s.beta1 * m[i];               // m ← (1−β1)·g + β1·m
        const T e = g - m[i];                                        // e = g − m
        s_var[i] = s.one_minus_beta2 * (e * e) + s.beta2 * s_var[i];  // s ← (1−β2)·e² + β2·s
        s_var[i] = s_var[i] + s.eps_root;                            // s ← s + ε_root
        T m_hat;
        if constexpr (kNesterov) {                                   // β1·m/(1−β1^(t+1)) + (1−β1)·g/(1−β1^t)
            m_hat = s.beta1 * (m[i] / s.bias_correction1_next) + s.one_minus_beta1 * (g / s.bias_correction1);
        } else {
            m_hat = m[i] / s.bias_correction1;                       // m̂ = m/(1−β1^t)
        }
        const T s_hat = s_var[i] / s.bias_correction2;               // ŝ = s/(1−β2^t)
        T u = m_hat / (std::sqrt(s_hat) + s.eps);                    // u = m̂/(√ŝ + ε)
        if constexpr (kDecay) u = u + s.wd * p[i];                   // u ← u + λθ
        p[i] = p[i] + s.neg_lr * u;                                  // θ ← θ + (−γ)·u
    }
}

}  // namespace

template <class T>
void Adabelief<T>::step_group(std::size_t g) {
    const AdabeliefOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* s_var = this->state("exp_avg_var");
    const double t = double(this->groups_[g].step);
    const AdabeliefScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .neg_lr = T(-o.lr),
        .wd = T(o.weight_decay),
        .beta1 = T(o.betas[0]),
        .one_minus_beta1 = T(1.0 - o.betas[0]),
        .beta2 = T(o.betas[1]),
        .one_minus_beta2 = T(1.0 - o.betas[1]),
        .bias_correction1 = T(1.0 - std::pow(o.betas[0], t)),
        .bias_correction2 = T(1.0 - std::pow(o.betas[1], t)),
        .bias_correction1_next = T(1.0 - std::pow(o.betas[0], t + 1.0)),
        .eps = T(o.eps),
        .eps_root = T(o.eps_root),
    };
    with_flags(
        [&]<bool kNesterov, bool kDecay>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                adabelief<T, kNesterov, kDecay>(begin, end, p, grad, m, s_var, s);
            });
        },
        bool(o.nesterov), o.weight_decay != 0.0);
}

template class Adabelief<float>;
template class Adabelief<double>;

}  // namespace optlab
