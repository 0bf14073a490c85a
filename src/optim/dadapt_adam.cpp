// SPDX-License-Identifier: MIT
// D-Adaptation's Adam; the formula is in dadapt_adam.hpp and
// docs/optimizers.md#d-adaptation-adamw.
#include "optlab/optim/dadapt_adam.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "optlab/core/text.hpp"
#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

DadaptAdamOptions DadaptAdamOptions::defaults(Convention c) {
    DadaptAdamOptions o;
    o.convention = c;
    return o;
}

DadaptAdamOptions DadaptAdamOptions::adamw_defaults(Convention c) {
    DadaptAdamOptions o = defaults(c);
    o.decouple = true;
    return o;
}

template <class T>
void DadaptAdam<T>::validate(const DadaptAdamOptions& o) {
    // The reference's checks: d0 > 0, eps > 0, betas in [0, 1), lr > 0 (optlab: >= 0).
    check_non_negative(kName, o.lr);
    check_betas(kName, o.betas);
    if (!(o.eps > 0.0) || !std::isfinite(double(o.eps))) throw_invalid(kName, "eps", o.eps, "a finite number > 0");
    check_non_negative(kName, o.weight_decay);
    if (!(o.d0 > 0.0) || !std::isfinite(double(o.d0))) throw_invalid(kName, "d0", o.d0, "a finite number > 0");
    if (!std::isnan(o.growth_rate) && !(o.growth_rate > 0.0)) {
        throw_invalid(kName, "growth_rate", o.growth_rate, "none (no limit) or a number > 0");
    }
    check_non_negative(kName, o.layer_scale);
}

namespace {

template <class T>
struct DadaptScalars {
    T sign, wd;                        // ±1; λ (coupled; 0 when decoupled)
    T eps;                             // ε
    T beta1, beta2, sqrt_beta2;        // β1, β2, √β2
    T m_rate, v_rate, s_rate;          // ρ·dlr·(1−β1), 1−β2, dlr·(1−√β2)
    T minus_lr_wd;                     // −λ·dlr (decoupled)
};

template <class T, bool kCoupled>
inline T decayed(T grad, T p, const DadaptScalars<T>& s) {
    T g = s.sign * grad;
    if constexpr (kCoupled) g = g + s.wd * p;
    return g;
}

// First pass over one chunk: sums[0] = Σ g·(s/(√v + ε)) with s and v as they were, then the
// moments and s, then sums[1] = Σ|s|.
template <class T, bool kCoupled>
void dadapt_moments(std::size_t begin, std::size_t end, const T* __restrict p, const T* __restrict grad,
                    T* __restrict m, T* __restrict v, T* __restrict sv, const DadaptScalars<T>& s, double* sums) {
    const std::size_t n = end - begin;
    sums[0] = lane_sum(n, [&](std::size_t j) {                          // Σ g·(s/(√v + ε))
        const std::size_t i = begin + j;
        const T denom = std::sqrt(v[i]) + s.eps;
        return double(decayed<T, kCoupled>(grad[i], p[i], s)) * double(sv[i] / denom);
    });
    for (std::size_t i = begin; i < end; ++i) {
        const T g = decayed<T, kCoupled>(grad[i], p[i], s);
        m[i] = m[i] * s.beta1 + s.m_rate * g;                            // m ← β1·m + ρ·dlr·(1−β1)·g
        v[i] = v[i] * s.beta2 + s.v_rate * g * g;                        // v ← β2·v + (1−β2)·g²
        sv[i] = sv[i] * s.sqrt_beta2 + s.s_rate * g;                     // s ← √β2·s + dlr·(1−√β2)·g
    }
    sums[1] = lane_sum(n, [&](std::size_t j) { return double(std::abs(sv[begin + j])); });  // Σ|s|
}

// Second pass: θ ← θ + (−λ·dlr)·θ (decoupled), θ ← θ + (−1·m)/(√v + ε).
template <class T, bool kDecoupled>
void dadapt_step(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict m,
                 const T* __restrict v, const DadaptScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T denom = std::sqrt(v[i]) + s.eps;                         // √v + ε
        if constexpr (kDecoupled) p[i] = p[i] + s.minus_lr_wd * p[i];    // θ ← θ + (−λ·dlr)·θ
        p[i] = p[i] + (T(-1) * m[i]) / denom;                            // θ ← θ + (−m)/denom
    }
}

}  // namespace

// The reference's name of r, kept as a string once: a key longer than the short-string buffer
// would be allocated at every lookup.
const std::string kNumeratorWeighted = "numerator_weighted";

template <class T>
void DadaptAdam<T>::step_group(std::size_t) {}  // every step goes through step_active

template <class T>
void DadaptAdam<T>::step_active(const std::vector<bool>* active) {
    auto& groups = this->groups_;
    const auto is_active = [&](std::size_t g) { return active == nullptr || (*active)[g]; };
    // The reference's step-wide settings are its first group's; d and r are kept in every group
    // alike (and saved with the state), read from the first.
    const DadaptAdamOptions& first = this->options_[0];
    auto& shared = groups[0].scalars;
    if (!shared.contains("d")) {
        for (auto& group : groups) {
            group.scalars["d"] = double(first.d0);
            group.scalars[kNumeratorWeighted] = 0.0;
            group.scalars["k"] = 0.0;
        }
    }
    double d = shared.at("d");
    const double k = shared.at("k");
    const double beta1 = first.betas[0], beta2 = first.betas[1];
    double lr = 0.0;
    for (const DadaptAdamOptions& o : this->options_) lr = std::max(lr, double(o.lr));
    for (const DadaptAdamOptions& o : this->options_) {
        if (o.lr != lr && o.lr != 0.0) {
            throw InvalidArgument(std::string(kName) + ": the groups' lr differ (" + format_number(o.lr) + " and " +
                                  format_number(lr) + "); D-Adaptation takes one lr, or 0 for a group it leaves "
                                  "out of d's sums (layer_scale scales a group's step)");
        }
    }
    const double bias_correction = first.use_bias_correction
                                       ? std::pow(1 - std::pow(beta2, k + 1), 0.5) / (1 - std::pow(beta1, k + 1))
                                       : 1.0;
    const double dlr = d * lr * bias_correction;
    const double sqrt_beta2 = std::pow(beta2, 0.5);
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* v = this->state("exp_avg_sq");
    T* sv = this->state("s");
    auto scalars_of = [&](const DadaptAdamOptions& o) {
        return DadaptScalars<T>{
            .sign = o.maximize ? T(-1) : T(1),
            .wd = first.decouple ? T(0) : T(o.weight_decay),  // (decouple: the first group's)
            .eps = T(o.eps),
            .beta1 = T(beta1),
            .beta2 = T(beta2),
            .sqrt_beta2 = T(sqrt_beta2),
            .m_rate = T(o.layer_scale * dlr * (1 - beta1)),
            .v_rate = T(1 - beta2),
            .s_rate = T(dlr * (1 - sqrt_beta2)),
            .minus_lr_wd = T(-o.weight_decay * dlr),
        };
    };
    // Pass 1: per group, the sums for d̂, the moments and s.
    double numerator_acum = 0.0, sk_l1 = 0.0;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const DadaptAdamOptions& o = this->options_[g];
        if (!is_active(g) || !(o.lr > 0.0)) continue;
        const DadaptScalars<T> s = scalars_of(o);
        std::array<double, 2> sums{};
        with_flags(
            [&]<bool kCoupled>() {
                sums = this->template sum_chunks<2>(g, [&](std::size_t begin, std::size_t end, double* out) {
                    dadapt_moments<T, kCoupled>(begin, end, p, grad, m, v, sv, s, out);
                });
            },
            !first.decouple && o.weight_decay != 0.0);
        numerator_acum += o.layer_scale * dlr * sums[0];
        sk_l1 += o.layer_scale * sums[1];
    }
    if (sk_l1 == 0) return;  // no gradient yet: the reference returns before stepping
    const double numerator_weighted = sqrt_beta2 * shared.at(kNumeratorWeighted) + (1 - sqrt_beta2) * numerator_acum;
    if (lr > 0.0) {
        const double d_hat = numerator_weighted / ((1 - sqrt_beta2) * sk_l1);
        const double growth = first.growth_rate;
        d = std::max(d, std::isnan(growth) ? d_hat : std::min(d_hat, d * growth));
    }
    for (auto& group : groups) {
        group.scalars[kNumeratorWeighted] = numerator_weighted;
        group.scalars["d"] = d;
        group.scalars["k"] = k + 1;
    }
    // Pass 2: the step (m already carries dlr).
    for (std::size_t g = 0; g < groups.size(); ++g) {
        if (!is_active(g)) continue;
        const DadaptAdamOptions& o = this->options_[g];
        const DadaptScalars<T> s = scalars_of(o);
        with_flags(
            [&]<bool kDecoupled>() {
                this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                    dadapt_step<T, kDecoupled>(begin, end, p, m, v, s);
                });
            },
            first.decouple && o.weight_decay != 0.0);
    }
}

template class DadaptAdam<float>;
template class DadaptAdam<double>;

}  // namespace optlab
