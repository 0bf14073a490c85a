// SPDX-License-Identifier: MIT
// Adan; the formula is in adan.hpp and docs/optimizers.md#adan.
#include "optlab/optim/adan.hpp"

#include <cmath>

#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

AdanOptions AdanOptions::defaults(Convention c) {
    AdanOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Adan<T>::validate(const AdanOptions& o) {
    check_non_negative(kName, o.lr);
    for (std::size_t k = 0; k < 3; ++k) {  // Optax's docs: each β in [0, 1]; 1 would divide by 0
        check_unit_open(kName, "betas[" + std::to_string(k) + "]", o.betas[k]);
    }
    check_non_negative(kName, o.eps);
    check_non_negative(kName, o.eps_root);
    check_non_negative(kName, o.weight_decay);
}

namespace {

template <class T>
struct AdanScalars {
    T sign, neg_lr, wd;                                   // ±1; −γ; λ
    T beta1, one_minus_beta1, beta2, one_minus_beta2, beta3, one_minus_beta3;
    T bias_correction1, bias_correction2, bias_correction3;  // 1−β^t
    T eps, eps_root;
};

template <class T, bool kFirst, bool kDecay>
void adan(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
          T* __restrict m, T* __restrict v, T* __restrict n, T* __restrict prev,
          const AdanScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i];
        const T d = kFirst ? T(0) : g - prev[i];                     // d = g − g_prev (0 at first)
        m[i] = s.one_minus_beta1 * g + s.beta1 * m[i];               // m ← (1−β1)·g + β1·m
        v[i] = s.one_minus_beta2 * d + s.beta2 * v[i];               // v ← (1−β2)·d + β2·v
        const T q = g + s.one_minus_beta2 * d;                       // g + (1−β2)·d
        n[i] = s.one_minus_beta3 * (q * q) + s.beta3 * n[i];         // n ← (1−β3)·q² + β3·n
        const T m_hat = m[i] / s.bias_correction1;                   // m̂ = m/(1−β1^t)
        const T v_hat = v[i] / s.bias_correction2;                   // v̂ = v/(1−β2^t)
        const T n_hat = n[i] / s.bias_correction3;                   // n̂ = n/(1−β3^t)
        T u = m_hat + s.one_minus_beta2 * v_hat;                     // m̂ + (1−β2)·v̂
        u = u / (std::sqrt(n_hat + s.eps_root) + s.eps);             //   / (√(n̂ + ε_root) + ε)
        if constexpr (kDecay) u = u + s.wd * p[i];                   // u ← u + λθ
        p[i] = p[i] + s.neg_lr * u;                                  // θ ← θ + (−γ)·u
        prev[i] = g;                                                 // g_prev ← g
    }
}

}  // namespace

template <class T>
void Adan<T>::step_group(std::size_t g) {
    const AdanOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* v = this->state("exp_avg_diff");
    T* n = this->state("exp_avg_sq");
    T* prev = this->state("pre_grad");
    const double t = double(this->groups_[g].step);
    const AdanScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .neg_lr = T(-o.lr),
        .wd = T(o.weight_decay),
        .beta1 = T(o.betas[0]),
        .one_minus_beta1 = T(1.0 - o.betas[0]),
        .beta2 = T(o.betas[1]),
        .one_minus_beta2 = T(1.0 - o.betas[1]),
        .beta3 = T(o.betas[2]),
        .one_minus_beta3 = T(1.0 - o.betas[2]),
        .bias_correction1 = T(1.0 - std::pow(o.betas[0], t)),
        .bias_correction2 = T(1.0 - std::pow(o.betas[1], t)),
        .bias_correction3 = T(1.0 - std::pow(o.betas[2], t)),
        .eps = T(o.eps),
        .eps_root = T(o.eps_root),
    };
    with_flags(
        [&]<bool kFirst, bool kDecay>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                adan<T, kFirst, kDecay>(begin, end, p, grad, m, v, n, prev, s);
            });
        },
        this->groups_[g].step == 1, o.weight_decay != 0.0);
}

template class Adan<float>;
template class Adan<double>;

}  // namespace optlab
