// SPDX-License-Identifier: MIT
// AdEMAMix; the formula is in ademamix.hpp and docs/optimizers.md#ademamix.
#include "optlab/optim/ademamix.hpp"

#include <cmath>

namespace optlab {

AdemamixOptions AdemamixOptions::defaults(Convention c) {
    AdemamixOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Ademamix<T>::validate(const AdemamixOptions& o) {
    // The reference's checks: lr, eps, weight_decay, alpha >= 0, each beta in [0, 1).
    check_non_negative(kName, o.lr);
    for (int i = 0; i < 3; ++i) check_unit_open(kName, "betas[" + std::to_string(i) + "]", o.betas[i]);
    check_non_negative(kName, o.alpha);
    check_non_negative(kName, o.eps);
    check_non_negative(kName, o.weight_decay);
    // (The reference checks nothing here; 0 and less warm up nothing, as none.)
    for (const auto& [name, steps] : {std::pair{"beta3_warmup", double(o.beta3_warmup)},
                                      std::pair{"alpha_warmup", double(o.alpha_warmup)}}) {
        if (!std::isnan(steps) && !(steps >= 0.0 && std::isfinite(steps))) {
            throw_invalid(kName, name, steps, "none or a finite number of steps >= 0");
        }
    }
}

namespace {

// The warm-ups as the reference's schedulers compute them, in Python floats.
// α: linear from 0 to α over T_α steps.
double alpha_at(double t, double alpha, double warmup) {
    if (std::isnan(warmup) || !(t < warmup)) return alpha;
    const double a = t / warmup;
    return (1.0 - a) * 0.0 + a * alpha;
}

// β3: the half-life of the EMA, f(β) = ln 0.5/ln(β + 1e−8) − 1 steps, linear from β1's to β3's.
double beta3_at(double t, double beta1, double beta3, double warmup) {
    if (std::isnan(warmup) || !(t < warmup)) return beta3;
    auto half_life = [](double beta) { return std::log(0.5) / std::log(beta + 1e-8) - 1; };
    const double a = t / warmup;
    const double h = (1.0 - a) * half_life(beta1) + a * half_life(beta3);
    return std::pow(0.5, 1 / (h + 1));
}

template <class T>
struct AdemamixScalars {
    T sign;                        // −1 with maximize
    T beta1, one_minus_beta1;      // the fast EMA's
    T beta3, one_minus_beta3;      // the slow EMA's, this step's β3ₜ
    T beta2, one_minus_beta2;      // v's
    T bias_correction1;            // 1 − β1^t
    T bias_correction2_sqrt;       // √(1 − β2^t)
    T alpha;                       // this step's αₜ
    T eps, wd;                     // ε, λ
    T minus_lr;                    // −γ
};

template <class T, bool kFast, bool kDecay>
void ademamix(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
              T* __restrict m1, T* __restrict m2, T* __restrict v, const AdemamixScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i];                                        // ±g
        T fast = g;                                                          // β1 = 0: m1 = g
        if constexpr (kFast) fast = m1[i] = m1[i] * s.beta1 + s.one_minus_beta1 * g;  // m1 ← β1·m1 + (1−β1)·g
        m2[i] = m2[i] * s.beta3 + s.one_minus_beta3 * g;                     // m2 ← β3·m2 + (1−β3)·g
        v[i] = v[i] * s.beta2 + s.one_minus_beta2 * g * g;                   // v ← β2·v + (1−β2)·g²
        const T denom = std::sqrt(v[i]) / s.bias_correction2_sqrt + s.eps;   // √v/√(1−β2^t) + ε
        T u = (fast / s.bias_correction1 + s.alpha * m2[i]) / denom;         // u = (m̂1 + α·m2)/denom
        if constexpr (kDecay) u = u + s.wd * p[i];                           // u ← u + λθ
        p[i] = p[i] + s.minus_lr * u;                                        // θ ← θ + (−γ)·u
    }
}

}  // namespace

template <class T>
void Ademamix<T>::step_group(std::size_t g) {
    const AdemamixOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    const double b1 = o.betas[0], b2 = o.betas[1];
    const bool fast = b1 != 0.0;  // the reference keeps no fast EMA for β1 = 0
    T* m1 = fast ? this->state("exp_avg_fast") : nullptr;
    T* m2 = this->state("exp_avg_slow");
    T* v = this->state("exp_avg_sq");
    const double t = double(this->groups_[g].step);
    const double b3 = beta3_at(t, b1, o.betas[2], o.beta3_warmup);
    const AdemamixScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .beta1 = T(b1),
        .one_minus_beta1 = T(1.0 - b1),
        .beta3 = T(b3),
        .one_minus_beta3 = T(1.0 - b3),
        .beta2 = T(b2),
        .one_minus_beta2 = T(1.0 - b2),
        .bias_correction1 = T(1.0 - std::pow(b1, t)),
        .bias_correction2_sqrt = T(std::sqrt(1.0 - std::pow(b2, t))),
        .alpha = T(alpha_at(t, o.alpha, o.alpha_warmup)),
        .eps = T(o.eps),
        .wd = T(o.weight_decay),
        .minus_lr = T(-o.lr),
    };
    with_flags(
        [&]<bool kFast, bool kDecay>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                ademamix<T, kFast, kDecay>(begin, end, p, grad, m1, m2, v, s);
            });
        },
        fast, o.weight_decay != 0.0);
}

template class Ademamix<float>;
template class Ademamix<double>;

}  // namespace optlab
