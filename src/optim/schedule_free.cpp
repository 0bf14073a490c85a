// SPDX-License-Identifier: MIT
// Schedule-Free AdamW and SGD; the formulas are in schedule_free.hpp and
// docs/optimizers.md#schedule-free.
#include "optlab/optim/schedule_free.hpp"

#include <algorithm>
#include <cmath>

#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

ScheduleFreeAdamWOptions ScheduleFreeAdamWOptions::defaults(Convention c) {
    ScheduleFreeAdamWOptions o;
    o.convention = c;
    return o;
}

ScheduleFreeSgdOptions ScheduleFreeSgdOptions::defaults(Convention c) {
    ScheduleFreeSgdOptions o;
    o.convention = c;
    return o;
}

namespace {

// What both check: γ, λ and the weighting; warm-up a whole number of steps.
template <class Options>
void check_schedule_free(std::string_view name, const Options& o) {
    check_non_negative(name, o.lr);
    check_non_negative(name, o.weight_decay);
    check_non_negative(name, o.warmup_steps);
    if (o.warmup_steps != std::floor(o.warmup_steps)) {
        throw_invalid(name, "warmup_steps", o.warmup_steps, "a whole number of steps");
    }
    check_non_negative(name, o.r);
    check_non_negative(name, o.weight_lr_power);
}

// torch's lerp: a + w·(b − a) for |w| < 0.5, else b − (b − a)·(1 − w) (exact at w = 1).
template <class T>
inline T lerp(T a, T b, T w, T one_minus_w) {
    return std::abs(w) < T(0.5) ? a + w * (b - a) : b - (b - a) * one_minus_w;
}

// The step's scalars, in float64 as the reference's Python floats, then cast as torch casts them.
template <class T>
struct ScheduleFreeScalars {
    T sign, wd;
    T beta2, one_minus_beta2, bias_correction2, eps;  // AdamW's second moment
    T c, one_minus_c;                                  // c_t = w_t/Σw
    T y_step, lr;                                      // γ_t·(β(1 − c_t) − 1), γ_t
};

// γ_t, lr_max, the weight w_t and c_t for step t, keeping lr_max and Σw in the group's scalars.
template <class Options>
std::pair<double, double> weighted_lr(const Options& o, double t, std::map<std::string, double>& scalars) {
    const double warmup = o.warmup_steps;
    const double lr = o.lr * (t <= warmup ? t / warmup : 1.0);  // γ·min(1, t/warmup)
    const double lr_max = std::max(lr, scalars.count("lr_max") ? scalars["lr_max"] : -1.0);
    const double weight = std::pow(t, o.r) * std::pow(lr_max, o.weight_lr_power);
    const double weight_sum = (scalars.count("weight_sum") ? scalars["weight_sum"] : 0.0) + weight;
    scalars["lr_max"] = lr_max;
    scalars["weight_sum"] = weight_sum;
    return {lr, weight_sum == 0.0 ? 0.0 : weight / weight_sum};
}

template <class T, bool kAdam, bool kDecay>
void schedule_free(std::size_t begin, std::size_t end, T* __restrict y, const T* __restrict grad,
                   T* __restrict z, T* __restrict v, const ScheduleFreeScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        T g = s.sign * grad[i];
        if constexpr (kAdam) {
            v[i] = v[i] * s.beta2;                                   // v ← β2·v
            v[i] = v[i] + (s.one_minus_beta2 * g) * g;               // v ← v + ((1−β2)·g)·g
            g = g / (std::sqrt(v[i] / s.bias_correction2) + s.eps);  // ĝ = g/(√(v/(1−β2^t)) + ε)
        }
        if constexpr (kDecay) g = g + s.wd * y[i];                   // ĝ ← ĝ + λy
        y[i] = lerp(y[i], z[i], s.c, s.one_minus_c);                 // y ← lerp(y, z, c_t)
        y[i] = y[i] + s.y_step * g;                                  // y ← y + γ_t(β(1−c_t) − 1)·ĝ
        z[i] = z[i] - s.lr * g;                                      // z ← z − γ_t·ĝ
    }
}

// The step's scalars for step t of a group with interpolation β (and AdamW's β2, ε).
template <class T, class Options>
ScheduleFreeScalars<T> step_scalars(const Options& o, double beta, double beta2, double eps,
                                    std::int64_t step, std::map<std::string, double>& scalars) {
    const double t = double(step);
    const auto [lr, c] = weighted_lr(o, t, scalars);
    return {
        .sign = o.maximize ? T(-1) : T(1),
        .wd = T(o.weight_decay),
        .beta2 = T(beta2),
        .one_minus_beta2 = T(1.0 - beta2),
        .bias_correction2 = T(1.0 - std::pow(beta2, t)),
        .eps = T(eps),
        .c = T(c),
        .one_minus_c = T(1) - T(c),
        .y_step = T(lr * (beta * (1.0 - c) - 1.0)),
        .lr = T(lr),
    };
}

// x = lerp(y, z, 1 − 1/β) over [begin, end): the reference's eval().
template <class T>
void eval_point(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict z, double beta) {
    const T w = T(1.0 - 1.0 / beta), one_minus_w = T(1) - w;
    for (std::size_t i = begin; i < end; ++i) p[i] = lerp(p[i], z[i], w, one_minus_w);
}

}  // namespace

// ---- AdamW ----------------------------------------------------------------------------------

template <class T>
void ScheduleFreeAdamW<T>::validate(const ScheduleFreeAdamWOptions& o) {
    check_schedule_free(kName, o);
    check_betas(kName, o.betas);
    check_non_negative(kName, o.eps);
    if (o.betas[0] == 0.0) throw_invalid(kName, "betas[0]", 0.0, "0 < value < 1 (x = (y − (1−β)z)/β)");
}

template <class T>
void ScheduleFreeAdamW<T>::step_group(std::size_t g) {
    const ScheduleFreeAdamWOptions& o = this->options_[g];
    T* y = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* z = this->state("z");
    if (this->groups_[g].step == 1) {  // z₁ = y₁ at the group's own first step (step_groups may start it late)
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) { std::copy(y + begin, y + end, z + begin); });
    }
    T* v = this->state("exp_avg_sq");
    const auto s = step_scalars<T>(o, o.betas[0], o.betas[1], o.eps, this->groups_[g].step,
                                   this->groups_[g].scalars);
    with_flags(
        [&]<bool kDecay>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                schedule_free<T, true, kDecay>(begin, end, y, grad, z, v, s);
            });
        },
        o.weight_decay != 0.0);
}

template <class T>
void ScheduleFreeAdamW<T>::to_eval_point(std::size_t g) {
    if (this->groups_[g].step == 0) return;  // before the group's first step x = y = z
    T* p = this->store_.params().data();
    const T* z = this->state("z");
    const double beta = this->options_[g].betas[0];
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) { eval_point(begin, end, p, z, beta); });
}

// ---- SGD ------------------------------------------------------------------------------------

template <class T>
void ScheduleFreeSgd<T>::validate(const ScheduleFreeSgdOptions& o) {
    check_schedule_free(kName, o);
    if (!(o.momentum > 0.0 && o.momentum < 1.0)) {
        throw_invalid(kName, "momentum", o.momentum, "0 < value < 1");
    }
}

template <class T>
void ScheduleFreeSgd<T>::step_group(std::size_t g) {
    const ScheduleFreeSgdOptions& o = this->options_[g];
    T* y = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* z = this->state("z");
    if (this->groups_[g].step == 1) {  // z₁ = y₁ at the group's own first step (step_groups may start it late)
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) { std::copy(y + begin, y + end, z + begin); });
    }
    const auto s = step_scalars<T>(o, o.momentum, 0.0, 0.0, this->groups_[g].step, this->groups_[g].scalars);
    with_flags(
        [&]<bool kDecay>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                schedule_free<T, false, kDecay>(begin, end, y, grad, z, nullptr, s);
            });
        },
        o.weight_decay != 0.0);
}

template <class T>
void ScheduleFreeSgd<T>::to_eval_point(std::size_t g) {
    if (this->groups_[g].step == 0) return;
    T* p = this->store_.params().data();
    const T* z = this->state("z");
    const double beta = this->options_[g].momentum;
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) { eval_point(begin, end, p, z, beta); });
}

template class ScheduleFreeAdamW<float>;
template class ScheduleFreeAdamW<double>;
template class ScheduleFreeSgd<float>;
template class ScheduleFreeSgd<double>;

}  // namespace optlab
