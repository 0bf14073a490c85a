// SPDX-License-Identifier: MIT
// SparseAdam; the formula is in sparse_adam.hpp and docs/optimizers.md#sparseadam.
#include "optlab/optim/sparse_adam.hpp"

#include <cmath>

namespace optlab {

SparseAdamOptions SparseAdamOptions::defaults(Convention c) {
    SparseAdamOptions o;
    o.convention = c;
    return o;
}

template <class T>
void SparseAdam<T>::validate(const SparseAdamOptions& o) {
    // torch asks lr > 0 of its constructor; here, as for every optimizer, lr >= 0 (a schedule
    // may bring it to 0, and optlab validates every change).
    check_non_negative(kName, o.lr);
    check_betas(kName, o.betas);
    if (!(o.eps > 0.0) || !std::isfinite(double(o.eps))) throw_invalid(kName, "eps", o.eps, "a finite number > 0");
}

namespace {

template <class T>
struct SparseAdamScalars {
    T sign;                              // −1 with maximize
    T one_minus_beta1, one_minus_beta2;  // 1−β1, 1−β2
    T eps;
    T minus_step_size;                   // −γ·√(1−β2^t)/(1−β1^t)
};

template <class T>
void sparse_adam(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                 T* __restrict m, T* __restrict v, const SparseAdamScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i];                             // ±g
        m[i] = m[i] + (g - m[i]) * s.one_minus_beta1;             // m ← m + (g − m)(1−β1)
        v[i] = v[i] + (g * g - v[i]) * s.one_minus_beta2;         // v ← v + (g² − v)(1−β2)
        const T denom = std::sqrt(v[i]) + s.eps;                  // √v + ε
        p[i] = p[i] + s.minus_step_size * (m[i] / denom);         // θ ← θ − α_t·m/(√v + ε)
    }
}

}  // namespace

template <class T>
void SparseAdam<T>::step_group(std::size_t g) {
    const SparseAdamOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* v = this->state("exp_avg_sq");
    const double t = double(this->groups_[g].step);
    const double bias_correction1 = 1.0 - std::pow(o.betas[0], t);
    const double bias_correction2 = 1.0 - std::pow(o.betas[1], t);
    const SparseAdamScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .one_minus_beta1 = T(1.0 - o.betas[0]),
        .one_minus_beta2 = T(1.0 - o.betas[1]),
        .eps = T(o.eps),
        .minus_step_size = T(-(o.lr * std::sqrt(bias_correction2) / bias_correction1)),
    };
    // The rows that received a gradient (every row of a tensor the store does not track).
    this->for_each_row_seen(g, [&](std::size_t begin, std::size_t end) {
        sparse_adam<T>(begin, end, p, grad, m, v, s);
    });
}

template class SparseAdam<float>;
template class SparseAdam<double>;

}  // namespace optlab
