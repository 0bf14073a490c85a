// SPDX-License-Identifier: MIT
// Yogi; the formula is in yogi.hpp and docs/optimizers.md#yogi.
#include "optlab/optim/yogi.hpp"

#include <algorithm>
#include <cmath>

#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

YogiOptions YogiOptions::defaults(Convention c) {
    YogiOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Yogi<T>::validate(const YogiOptions& o) {
    check_non_negative(kName, o.lr);
    check_betas(kName, o.betas);
    check_non_negative(kName, o.eps);
    // Optax: "Only positive values are allowed" (unchecked there); 0 is harmless with ε > 0.
    check_non_negative(kName, o.initial_accumulator_value);
}

namespace {

template <class T>
struct YogiScalars {
    T sign, neg_lr;                                       // ±1; −γ
    T beta1, one_minus_beta1, beta2, one_minus_beta2;
    T bias_correction1, bias_correction2;                 // 1−β1^t, 1−β2^t
    T eps;
};

template <class T>
void yogi(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
          T* __restrict m, T* __restrict v, const YogiScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i];
        m[i] = s.one_minus_beta1 * g + s.beta1 * m[i];               // m ← (1−β1)·g + β1·m
        const T g2 = g * g;                                          // g²
        const T d = v[i] - g2;
        const T sign_d = T(d > T(0)) - T(d < T(0));                  // sign(v − g²), 0 at 0
        v[i] = v[i] - s.one_minus_beta2 * sign_d * g2;               // v ← v − ((1−β2)·sign)·g²
        const T m_hat = m[i] / s.bias_correction1;                   // m̂ = m/(1−β1^t)
        const T v_hat = v[i] / s.bias_correction2;                   // v̂ = v/(1−β2^t)
        p[i] = p[i] + s.neg_lr * (m_hat / (std::sqrt(v_hat) + s.eps));  // θ ← θ + (−γ)·m̂/(√v̂ + ε)
    }
}

}  // namespace

template <class T>
void Yogi<T>::step_group(std::size_t g) {
    const YogiOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* v = this->state("exp_avg_sq");
    if (this->groups_[g].step == 1) {  // m and v start at the group's initial_accumulator_value
        const T init = T(o.initial_accumulator_value);
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
            std::fill(m + begin, m + end, init);
            std::fill(v + begin, v + end, init);
        });
    }
    const double t = double(this->groups_[g].step);
    const YogiScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .neg_lr = T(-o.lr),
        .beta1 = T(o.betas[0]),
        .one_minus_beta1 = T(1.0 - o.betas[0]),
        .beta2 = T(o.betas[1]),
        .one_minus_beta2 = T(1.0 - o.betas[1]),
        .bias_correction1 = T(1.0 - std::pow(o.betas[0], t)),
        .bias_correction2 = T(1.0 - std::pow(o.betas[1], t)),
        .eps = T(o.eps),
    };
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        yogi<T>(begin, end, p, grad, m, v, s);
    });
}

template class Yogi<float>;
template class Yogi<double>;

}  // namespace optlab
