// SPDX-License-Identifier: MIT
// FTRL; the formula is in ftrl.hpp and docs/optimizers.md#ftrl.
#include "optlab/optim/ftrl.hpp"

#include <algorithm>
#include <cmath>

namespace optlab {

FtrlOptions FtrlOptions::defaults(Convention c) {
    FtrlOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Ftrl<T>::validate(const FtrlOptions& o) {
    check_non_negative(kName, o.lr);
    // Keras' checks: learning_rate_power <= 0, the accumulator and the strengths >= 0.
    if (!(o.learning_rate_power <= 0.0) || !std::isfinite(double(o.learning_rate_power))) {
        throw_invalid(kName, "learning_rate_power", o.learning_rate_power, "a finite number <= 0");
    }
    check_non_negative(kName, o.initial_accumulator_value);
    check_non_negative(kName, o.l1_regularization_strength);
    check_non_negative(kName, o.l2_regularization_strength);
    check_non_negative(kName, o.l2_shrinkage_regularization_strength);
    check_non_negative(kName, o.beta);  // (Keras checks nothing: a negative β has no meaning)
    check_non_negative(kName, o.weight_decay);
}

namespace {

template <class T>
struct FtrlScalars {
    T sign;            // −1 with maximize
    T decay_wd, lr;    // λ and γ (θ − θλγ), γ
    T shrinkage2;      // 2·λs
    T power;           // q = −learning_rate_power
    T l1, minus_l1;    // the clip's bounds
    T l2_reg2;         // 2·(λ2 + β/(2γ)), in T as Keras computes it
};

// n^q: √n for q = 0.5 (kSqrt), else pow.
template <class T, bool kSqrt>
T power_of(T n, T q) {
    if constexpr (kSqrt) {
        return std::sqrt(n);
    } else {
        return std::pow(n, q);
    }
}

template <class T, bool kSqrt, bool kDecay>
void ftrl(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
          T* __restrict n, T* __restrict z, const FtrlScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        if constexpr (kDecay) p[i] = p[i] - p[i] * s.decay_wd * s.lr;    // θ ← θ − θλγ
        const T g = s.sign * grad[i];                                    // ±g
        const T g_shrunk = g + s.shrinkage2 * p[i];                      // g_s = g + 2λs·θ
        const T n_new = n[i] + g * g;                                    // n' = n + g²
        const T n_new_q = power_of<T, kSqrt>(n_new, s.power);            // n'^q
        const T sigma = (n_new_q - power_of<T, kSqrt>(n[i], s.power)) / s.lr;  // σ = (n'^q − n^q)/γ
        z[i] = z[i] + (g_shrunk - sigma * p[i]);                         // z ← z + g_s − σθ
        const T quadratic = n_new_q / s.lr + s.l2_reg2;                  // n'^q/γ + 2(λ2 + β/2γ)
        T clipped = z[i] < s.minus_l1 ? s.minus_l1 : z[i];               // clip(z, −λ1, λ1)
        clipped = s.l1 < clipped ? s.l1 : clipped;
        p[i] = (clipped - z[i]) / quadratic;                             // θ ← (clip(z) − z)/quadratic
        n[i] = n_new;                                                    // n ← n'
    }
}

}  // namespace

template <class T>
void Ftrl<T>::step_group(std::size_t g) {
    const FtrlOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* n = this->state("accumulator");
    T* z = this->state("linear");
    if (this->groups_[g].step == 1) {  // n starts at the group's initial_accumulator_value
        const T init = T(o.initial_accumulator_value);
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) { std::fill(n + begin, n + end, init); });
    }
    const T lr = T(o.lr);
    // Keras: l2_reg = λ2 + β/(2.0·lr) and 2·l2_reg, with lr a tensor of the variable's dtype.
    const T l2_reg = T(o.l2_regularization_strength) + T(o.beta) / (T(2) * lr);
    const FtrlScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .decay_wd = T(o.weight_decay),
        .lr = lr,
        .shrinkage2 = T(2.0 * o.l2_shrinkage_regularization_strength),
        .power = T(-o.learning_rate_power),
        .l1 = T(o.l1_regularization_strength),
        .minus_l1 = T(-o.l1_regularization_strength),
        .l2_reg2 = T(2) * l2_reg,
    };
    with_flags(
        [&]<bool kSqrt, bool kDecay>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                ftrl<T, kSqrt, kDecay>(begin, end, p, grad, n, z, s);
            });
        },
        o.learning_rate_power == -0.5, o.weight_decay != 0.0);
}

template class Ftrl<float>;
template class Ftrl<double>;

}  // namespace optlab
