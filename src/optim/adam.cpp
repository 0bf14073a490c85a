// SPDX-License-Identifier: MIT
// Adam / AMSGrad / AdamW; the formulas are in adam.hpp and docs/optimizers.md#adam.
#include "optlab/optim/adam.hpp"

#include <algorithm>
#include <cmath>

namespace optlab {

AdamOptions AdamOptions::defaults(Convention c) {
    AdamOptions o;
    o.convention = c;
    if (c != Convention::torch) o.eps = 1e-7;  // Keras' epsilon, and the book's 1e-7
    if (c == Convention::keras) o.decoupled_weight_decay = true;  // Keras decays decoupled
    return o;
}

AdamOptions AdamOptions::adamw_defaults(Convention c) {
    AdamOptions o = defaults(c);
    o.decoupled_weight_decay = true;
    o.weight_decay = c == Convention::keras ? 0.004 : 1e-2;
    return o;
}

template <class T>
void Adam<T>::validate(const AdamOptions& o) {
    check_adam_family(kName, o);
    if (o.convention == Convention::keras && !o.decoupled_weight_decay) {
        throw InvalidArgument(std::string(kName) + ": decoupled_weight_decay = false under the keras "
                              "convention, which always decays decoupled (θ ← θ − θλγ)");
    }
}

namespace {

// Per-step scalars, computed once per group per step (ggml) and cast to T as PyTorch casts
// its Python scalars.
template <class T>
struct AdamScalars {
    T sign;                   // −1 with maximize
    T wd;                     // coupled L2 λ (0 when decoupled)
    T decay_keep;             // 1 − γλ (torch's decoupled decay)
    T decay_wd, decay_lr;     // λ and γ (Keras' decoupled decay θ − θλγ)
    T beta1, beta2, one_minus_beta1, one_minus_beta2, eps;
    T step_size;              // torch: γ/(1−β1^t)
    T bias_correction2_sqrt;  // torch: √(1−β2^t)
    T alpha;                  // keras/book: γ√(1−β2^t)/(1−β1^t)
};

// torch: PyTorch's single-tensor Adam, operation for operation.
template <class T, bool kAmsgrad, bool kDecay>
void adam_torch(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                T* __restrict m, T* __restrict v, T* __restrict vmax, const AdamScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        if constexpr (kDecay) p[i] = p[i] * s.decay_keep;                // θ ← θ(1 − γλ)
        const T g = s.sign * grad[i] + s.wd * p[i];                      // g ← ±g + λθ
        m[i] = m[i] * s.beta1 + s.one_minus_beta1 * g;                   // m ← β1·m + (1−β1)·g
        v[i] = v[i] * s.beta2 + s.one_minus_beta2 * g * g;               // v ← β2·v + (1−β2)·g²
        T vv = v[i];
        if constexpr (kAmsgrad) vv = vmax[i] = std::max(vmax[i], v[i]);  // v̂max ← max(v̂max, v)
        const T denom = std::sqrt(vv) / s.bias_correction2_sqrt + s.eps; // √v/√(1−β2^t) + ε
        p[i] = p[i] + ((-s.step_size) * m[i]) / denom;                   // θ ← θ − γ·m̂/denom
    }
}

// keras and book: the step size carries both bias corrections ("epsilon hat").
template <class T, bool kAmsgrad, bool kDecay, bool kKerasDecay>
void adam_folded(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                 T* __restrict m, T* __restrict v, T* __restrict vmax, const AdamScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        if constexpr (kDecay) {
            if constexpr (kKerasDecay) {
                p[i] = p[i] - p[i] * s.decay_wd * s.decay_lr;            // θ ← θ − θλγ (keras)
            } else {
                p[i] = p[i] * s.decay_keep;                              // θ ← θ(1 − γλ)
            }
        }
        const T g = s.sign * grad[i] + s.wd * p[i];                      // g ← ±g (+ λθ, book)
        m[i] = m[i] + (g - m[i]) * s.one_minus_beta1;                    // m ← m + (g − m)(1−β1)
        v[i] = v[i] + (g * g - v[i]) * s.one_minus_beta2;                // v ← v + (g² − v)(1−β2)
        T vv = v[i];
        if constexpr (kAmsgrad) vv = vmax[i] = std::max(vmax[i], v[i]);  // v̂max ← max(v̂max, v)
        p[i] = p[i] - (m[i] * s.alpha) / (std::sqrt(vv) + s.eps);        // θ ← θ − α·m/(√v + ε)
    }
}

}  // namespace

template <class T>
void Adam<T>::step_group(std::size_t g) {
    const AdamOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* v = this->state("exp_avg_sq");
    T* vmax = o.amsgrad ? this->state("max_exp_avg_sq") : nullptr;

    const double t = double(this->groups_[g].step);
    const double b1 = o.betas[0], b2 = o.betas[1];
    const double bias_correction1 = 1.0 - std::pow(b1, t);
    const double bias_correction2 = 1.0 - std::pow(b2, t);
    const bool keras = this->convention_ == Convention::keras;
    const bool decoupled = o.decoupled_weight_decay || keras;  // Keras decays decoupled always
    const AdamScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .wd = decoupled ? T(0) : T(o.weight_decay),
        .decay_keep = T(1.0 - o.lr * o.weight_decay),
        .decay_wd = T(o.weight_decay),
        .decay_lr = T(o.lr),
        .beta1 = T(b1),
        .beta2 = T(b2),
        .one_minus_beta1 = T(1.0 - b1),
        .one_minus_beta2 = T(1.0 - b2),
        .eps = T(o.eps),
        .step_size = T(o.lr / bias_correction1),
        .bias_correction2_sqrt = T(std::sqrt(bias_correction2)),
        .alpha = T(o.lr * std::sqrt(bias_correction2) / bias_correction1),
    };
    const bool decay = decoupled && o.weight_decay != 0.0;
    const bool torch = this->convention_ == Convention::torch;
    with_flags(
        [&]<bool kTorch, bool kAmsgrad, bool kDecay, bool kKeras>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                if constexpr (kTorch) {
                    adam_torch<T, kAmsgrad, kDecay>(begin, end, p, grad, m, v, vmax, s);
                } else {
                    adam_folded<T, kAmsgrad, kDecay, kKeras>(begin, end, p, grad, m, v, vmax, s);
                }
            });
        },
        torch, o.amsgrad, decay, keras);
}

template class Adam<float>;
template class Adam<double>;

}  // namespace optlab
