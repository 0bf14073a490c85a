// SPDX-License-Identifier: MIT
// Prodigy; the formula is in prodigy.hpp and docs/optimizers.md#prodigy.
#include "optlab/optim/prodigy.hpp"

#include <algorithm>
#include <cmath>

#include "optlab/core/text.hpp"
#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

ProdigyOptions ProdigyOptions::defaults(Convention c) {
    ProdigyOptions o;
    o.convention = c;
    return o;
}

template <class T>
void Prodigy<T>::validate(const ProdigyOptions& o) {
    // The reference's checks: d0 > 0, eps > 0, betas in [0, 1), lr > 0 (optlab: >= 0, as a
    // schedule may bring it to 0; then nothing moves).
    check_non_negative(kName, o.lr);
    check_betas(kName, o.betas);
    if (!std::isnan(o.beta3)) check_unit_open(kName, o.beta3);
    if (!(o.eps > 0.0) || !std::isfinite(double(o.eps))) throw_invalid(kName, "eps", o.eps, "a finite number > 0");
    check_non_negative(kName, o.weight_decay);
    if (!(o.d0 > 0.0) || !std::isfinite(double(o.d0))) throw_invalid(kName, "d0", o.d0, "a finite number > 0");
    check_non_negative(kName, o.d_coef);
    if (!std::isnan(o.growth_rate) && !(o.growth_rate > 0.0)) {
        throw_invalid(kName, "growth_rate", o.growth_rate, "none (no limit) or a number > 0");
    }
}

namespace {

template <class T>
struct ProdigyScalars {
    T sign, wd;                        // ±1; λ (coupled: added to g; 0 when decoupled)
    T beta1, beta2, beta3;             // β1, β2, β3
    T m_rate, v_rate, s_rate;          // d(1−β1), d²(1−β2), (d/d0)·dlr or (d/d0)·d
    T d_eps;                           // d·ε, this step's new d
    T minus_lr_wd;                     // −λ·dlr (decoupled)
    T minus_dlr, minus_dlr_d;          // −dlr (with m), −dlr·d (β1 = 0: with g)
};

// g as the reference uses it: ±g, plus λθ (coupled decay, which it adds to p.grad in place).
template <class T, bool kCoupled>
inline T decayed(T grad, T p, const ProdigyScalars<T>& s) {
    T g = s.sign * grad;
    if constexpr (kCoupled) g = g + s.wd * p;
    return g;
}

// First pass over one chunk: the moments and s, then sums[0] = Σ g·(θ0 − θ), sums[1] = Σ|s|.
template <class T, bool kCoupled, bool kMomentum>
void prodigy_moments(std::size_t begin, std::size_t end, const T* __restrict p, const T* __restrict grad,
                     const T* __restrict p0, T* __restrict m, T* __restrict v, T* __restrict sv,
                     const ProdigyScalars<T>& s, double* sums) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = decayed<T, kCoupled>(grad[i], p[i], s);
        if constexpr (kMomentum) m[i] = m[i] * s.beta1 + s.m_rate * g;  // m ← β1·m + d(1−β1)·g
        v[i] = v[i] * s.beta2 + s.v_rate * g * g;                         // v ← β2·v + d²(1−β2)·g²
        sv[i] = sv[i] * s.beta3 + s.s_rate * g;                           // s ← β3·s + rate·g
    }
    const std::size_t n = end - begin;
    sums[0] = lane_sum(n, [&](std::size_t j) {                           // Σ g·(θ0 − θ)
        const std::size_t i = begin + j;
        return double(decayed<T, kCoupled>(grad[i], p[i], s)) * double(T(p0[i] - p[i]));
    });
    sums[1] = lane_sum(n, [&](std::size_t j) { return double(std::abs(sv[begin + j])); });  // Σ|s|
}

// Second pass: the step with the new d.
template <class T, bool kCoupled, bool kDecoupled, bool kMomentum>
void prodigy_step(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                  const T* __restrict m, const T* __restrict v, const ProdigyScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T denom = std::sqrt(v[i]) + s.d_eps;                        // √v + d·ε
        if constexpr (kMomentum) {
            if constexpr (kDecoupled) p[i] = p[i] + s.minus_lr_wd * p[i];  // θ ← θ + (−λ·dlr)·θ
            p[i] = p[i] + (s.minus_dlr * m[i]) / denom;                    // θ ← θ + (−dlr·m)/denom
        } else {
            const T g = decayed<T, kCoupled>(grad[i], p[i], s);            // (θ before the decay)
            if constexpr (kDecoupled) p[i] = p[i] + s.minus_lr_wd * p[i];
            p[i] = p[i] + (s.minus_dlr_d * g) / denom;                     // θ ← θ + (−dlr·d·g)/denom
        }
    }
}

}  // namespace

template <class T>
void Prodigy<T>::step_group(std::size_t) {}  // every step goes through step_active

template <class T>
void Prodigy<T>::step_active(const std::vector<bool>* active) {
    auto& groups = this->groups_;
    const auto is_active = [&](std::size_t g) { return active == nullptr || (*active)[g]; };
    // The reference's step-wide settings are its first group's; d and its sums are kept in
    // every group alike (and saved with the state), read from the first.
    const ProdigyOptions& first = this->options_[0];
    auto& shared = groups[0].scalars;
    if (!shared.contains("d")) {
        for (auto& group : groups) {
            group.scalars["d"] = group.scalars["d_max"] = double(first.d0);
            group.scalars["d_numerator"] = 0.0;
            group.scalars["k"] = 0.0;
        }
    }
    double d = shared.at("d"), d_max = shared.at("d_max");
    const double k = shared.at("k");
    const double beta1 = first.betas[0], beta2 = first.betas[1];
    const double beta3 = std::isnan(first.beta3) ? std::sqrt(beta2) : double(first.beta3);
    double lr = 0.0;
    for (const ProdigyOptions& o : this->options_) lr = std::max(lr, double(o.lr));
    for (const ProdigyOptions& o : this->options_) {
        if (o.lr != lr && o.lr != 0.0) {
            throw InvalidArgument(std::string(kName) + ": the groups' lr differ (" + format_number(o.lr) + " and " +
                                  format_number(lr) + "); Prodigy takes one lr, or 0 for a group whose d "
                                  "statistics it leaves out");
        }
    }
    const double bias_correction = first.use_bias_correction
                                       ? std::pow(1 - std::pow(beta2, k + 1), 0.5) / (1 - std::pow(beta1, k + 1))
                                       : 1.0;
    const double dlr = d * lr * bias_correction;
    const double d_numerator = shared.at("d_numerator") * beta3;
    const bool momentum = beta1 > 0;
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = momentum ? this->state("exp_avg") : nullptr;
    T* v = this->state("exp_avg_sq");
    T* sv = this->state("s");
    T* p0 = this->state("p0");
    auto scalars_of = [&](const ProdigyOptions& o, double d_new) {
        const bool decoupled = first.decouple;  // (the reference reads decouple from its first group)
        const double s_rate = o.safeguard_warmup ? (d / o.d0) * d : (d / o.d0) * dlr;
        return ProdigyScalars<T>{
            .sign = o.maximize ? T(-1) : T(1),
            .wd = decoupled ? T(0) : T(o.weight_decay),
            .beta1 = T(beta1),
            .beta2 = T(beta2),
            .beta3 = T(beta3),
            .m_rate = T(d * (1 - beta1)),
            .v_rate = T(d * d * (1 - beta2)),
            .s_rate = T(s_rate),
            .d_eps = T(d_new * o.eps),
            .minus_lr_wd = T(-o.weight_decay * dlr),
            .minus_dlr = T(-dlr),
            .minus_dlr_d = T(-dlr * d_new),
        };
    };
    // Pass 1: per group, the moments and s, and the sums for d̂.
    double delta_numerator = 0.0, d_denom = 0.0;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        if (!is_active(g)) continue;
        const ProdigyOptions& o = this->options_[g];
        if (groups[g].step == 1) {  // θ0: the group's parameters at its first step
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) { std::copy(p + begin, p + end, p0 + begin); });
        }
        if (!(o.lr > 0.0)) continue;
        const ProdigyScalars<T> s = scalars_of(o, d);
        const bool coupled = !first.decouple && o.weight_decay != 0.0;
        std::array<double, 2> sums{};
        with_flags(
            [&]<bool kCoupled, bool kMomentum>() {
                sums = this->template sum_chunks<2>(g, [&](std::size_t begin, std::size_t end, double* out) {
                    prodigy_moments<T, kCoupled, kMomentum>(begin, end, p, grad, p0, m, v, sv, s, out);
                });
            },
            coupled, momentum);
        delta_numerator += (d / o.d0) * dlr * sums[0];
        d_denom += sums[1];
    }
    if (d_denom == 0) return;  // no gradient yet: the reference returns before stepping
    const double global_d_numerator = d_numerator + delta_numerator;
    const double d_hat = first.d_coef * global_d_numerator / d_denom;
    // (the reference compares d with the d0 of its last group, the loop's variable left over)
    if (d == this->options_.back().d0) d = std::max(d, d_hat);
    d_max = std::max(d_max, d_hat);
    const double growth = first.growth_rate;
    d = std::isnan(growth) ? d_max : std::min(d_max, d * growth);
    for (auto& group : groups) {
        group.scalars["d_numerator"] = global_d_numerator;
        group.scalars["d"] = d;
        group.scalars["d_max"] = d_max;
        group.scalars["k"] = k + 1;
    }
    // Pass 2: the step, with dlr of the old d and ε scaled by the new.
    for (std::size_t g = 0; g < groups.size(); ++g) {
        if (!is_active(g)) continue;
        const ProdigyOptions& o = this->options_[g];
        const ProdigyScalars<T> s = scalars_of(o, d);
        with_flags(
            [&]<bool kCoupled, bool kDecoupled, bool kMomentum>() {
                this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                    prodigy_step<T, kCoupled, kDecoupled, kMomentum>(begin, end, p, grad, m, v, s);
                });
            },
            !first.decouple && o.weight_decay != 0.0, first.decouple && o.weight_decay != 0.0, momentum);
    }
}

template class Prodigy<float>;
template class Prodigy<double>;

}  // namespace optlab
