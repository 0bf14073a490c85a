// SPDX-License-Identifier: MIT
// ADOPT; the formula is in adopt.hpp and docs/optimizers.md#adopt.
#include "optlab/optim/adopt.hpp"

#include <algorithm>
#include <cmath>

namespace optlab {

AdoptOptions AdoptOptions::defaults(Convention c) {
    AdoptOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Adopt<T>::validate(const AdoptOptions& o) {
    check_adam_family(kName, o);  // the reference's checks: lr, eps, weight_decay >= 0, betas in [0, 1)
    const double p = o.clip_exponent;
    if (!std::isnan(p) && !(p >= 0.0 && std::isfinite(p))) {
        throw_invalid(kName, "clip_exponent", o.clip_exponent, "none or a finite number >= 0");
    }
}

namespace {

template <class T>
struct AdoptScalars {
    T sign;                // −1 with maximize
    T wd;                  // λ, coupled (0 when decoupled)
    T minus_lr_wd;         // −γλ, decoupled
    T eps;                 // ε
    T clip;                // c = (t−1)^p
    T w, one_minus_w;      // lerp's weight 1−β1, and 1 − that in T (torch's lerp)
    T minus_lr;            // −γ
    T beta2, one_minus_beta2;
};

// torch's lerp: a + w(b − a) for |w| < 0.5, else b − (b − a)(1 − w).
template <class T>
inline T lerp(T a, T b, T w, T one_minus_w) {
    return std::abs(w) < T(0.5) ? a + w * (b - a) : b - (b - a) * one_minus_w;
}

// The first step: v ← g·g, nothing else.
template <class T, bool kCoupled>
void adopt_first(std::size_t begin, std::size_t end, const T* __restrict p, const T* __restrict grad,
                 T* __restrict v, const AdoptScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        T g = s.sign * grad[i];                                          // ±g
        if constexpr (kCoupled) g = g + s.wd * p[i];                     // g ← g + λθ
        v[i] = v[i] + g * g;                                             // v ← v + g·g
    }
}

template <class T, bool kCoupled, bool kDecoupled, bool kClip>
void adopt(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
           T* __restrict m, T* __restrict v, const AdoptScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        T g = s.sign * grad[i];                                          // ±g
        if constexpr (kCoupled) g = g + s.wd * p[i];                     // g ← g + λθ
        if constexpr (kDecoupled) p[i] = p[i] + s.minus_lr_wd * p[i];    // θ ← θ + (−γλ)·θ
        T n = g / std::max(std::sqrt(v[i]), s.eps);                      // n = g / max(√v, ε)
        if constexpr (kClip) n = std::min(std::max(n, -s.clip), s.clip); // n ← clamp(n, −c, c)
        m[i] = lerp(m[i], n, s.w, s.one_minus_w);                        // m ← lerp(m, n, 1−β1)
        p[i] = p[i] + s.minus_lr * m[i];                                 // θ ← θ + (−γ)·m
        v[i] = v[i] * s.beta2 + s.one_minus_beta2 * g * g;               // v ← β2·v + (1−β2)·g²
    }
}

}  // namespace

template <class T>
void Adopt<T>::step_group(std::size_t g) {
    const AdoptOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* v = this->state("exp_avg_sq");
    const double step = double(this->groups_[g].step - 1);  // the reference's count before this step
    const bool clip = !std::isnan(o.clip_exponent);
    const T w = T(1.0 - o.betas[0]);
    const AdoptScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .wd = o.decouple ? T(0) : T(o.weight_decay),
        .minus_lr_wd = T(-o.lr * o.weight_decay),
        .eps = T(o.eps),
        .clip = clip ? T(std::pow(step, o.clip_exponent)) : T(0),
        .w = w,
        .one_minus_w = T(1) - w,
        .minus_lr = T(-o.lr),
        .beta2 = T(o.betas[1]),
        .one_minus_beta2 = T(1.0 - o.betas[1]),
    };
    const bool coupled = !o.decouple && o.weight_decay != 0.0;
    if (step == 0) {
        with_flags(
            [&]<bool kCoupled>() {
                this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                    adopt_first<T, kCoupled>(begin, end, p, grad, v, s);
                });
            },
            coupled);
        return;
    }
    with_flags(
        [&]<bool kCoupled, bool kDecoupled, bool kClip>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                adopt<T, kCoupled, kDecoupled, kClip>(begin, end, p, grad, m, v, s);
            });
        },
        coupled, o.decouple && o.weight_decay != 0.0, clip);
}

template class Adopt<float>;
template class Adopt<double>;

}  // namespace optlab
