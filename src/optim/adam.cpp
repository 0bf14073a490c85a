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
    check_non_negative(kName, "lr", o.lr);
    check_betas(kName, o.betas);
    check_non_negative(kName, "eps", o.eps);
    check_non_negative(kName, "weight_decay", o.weight_decay);
}

template <class T>
void Adam<T>::step_group(std::size_t g) {
    const AdamOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* v = this->state("exp_avg_sq");
    T* vmax = o.amsgrad ? this->state("max_exp_avg_sq") : nullptr;
    const bool amsgrad = o.amsgrad;

    // Per-step scalars, once per group (ggml): t, the bias corrections, the step size.
    const double t = double(this->groups_[g].step);
    const double b1 = o.betas[0], b2 = o.betas[1];
    const double bias_correction1 = 1.0 - std::pow(b1, t);
    const double bias_correction2 = 1.0 - std::pow(b2, t);
    const T sign = o.maximize ? T(-1) : T(1);
    const T beta1 = T(b1), beta2 = T(b2), one_minus_beta1 = T(1.0 - b1),
            one_minus_beta2 = T(1.0 - b2), eps = T(o.eps);
    const bool keras = this->convention_ == Convention::keras;
    const bool decoupled = o.decoupled_weight_decay || keras;
    // Keras writes its decoupled decay as θ − θλγ; PyTorch as θ(1 − γλ).
    const T decay_keep = T(1.0 - o.lr * o.weight_decay);
    const T decay_wd = T(o.weight_decay), decay_lr = T(o.lr);
    const T wd = decoupled ? T(0) : T(o.weight_decay);  // coupled L2: g ← g + λθ
    const bool apply_decay = decoupled && o.weight_decay != 0.0;

    if (this->convention_ == Convention::torch) {
        const T step_size = T(o.lr / bias_correction1);
        const T bias_correction2_sqrt = T(std::sqrt(bias_correction2));
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) {
                if (apply_decay) p[i] = p[i] * decay_keep;             // θ ← θ(1 − γλ)
                const T d = sign * grad[i] + wd * p[i];                // g ← ±g + λθ
                m[i] = m[i] * beta1 + one_minus_beta1 * d;             // m ← β1·m + (1−β1)·g
                v[i] = v[i] * beta2 + one_minus_beta2 * d * d;         // v ← β2·v + (1−β2)·g²
                T vv = v[i];
                if (amsgrad) vv = vmax[i] = std::max(vmax[i], v[i]);   // v̂max ← max(v̂max, v)
                const T denom = std::sqrt(vv) / bias_correction2_sqrt + eps;  // √v̂ + ε
                p[i] = p[i] + ((-step_size) * m[i]) / denom;           // θ ← θ − γ·m̂/(√v̂ + ε)
            }
        });
        return;
    }

    // keras and book: the step size carries both bias corrections ("epsilon hat").
    const T alpha = T(o.lr * std::sqrt(bias_correction2) / bias_correction1);
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            if (apply_decay) {
                p[i] = keras ? p[i] - p[i] * decay_wd * decay_lr      // θ ← θ − θλγ (keras)
                             : p[i] * decay_keep;                     // θ ← θ(1 − γλ)
            }
            const T d = sign * grad[i] + wd * p[i];                   // g ← ±g (+ λθ, book)
            m[i] = m[i] + (d - m[i]) * one_minus_beta1;               // m ← m + (g − m)(1−β1)
            v[i] = v[i] + (d * d - v[i]) * one_minus_beta2;           // v ← v + (g² − v)(1−β2)
            T vv = v[i];
            if (amsgrad) vv = vmax[i] = std::max(vmax[i], v[i]);      // v̂max ← max(v̂max, v)
            p[i] = p[i] - (m[i] * alpha) / (std::sqrt(vv) + eps);     // θ ← θ − α·m/(√v + ε)
        }
    });
}

template class Adam<float>;
template class Adam<double>;

}  // namespace optlab
