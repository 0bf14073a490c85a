// SPDX-License-Identifier: MIT
// RMSprop; the formulas are in rmsprop.hpp and docs/optimizers.md#rmsprop.
#include "optlab/optim/rmsprop.hpp"

#include <cmath>

namespace optlab {

RmspropOptions RmspropOptions::defaults(Convention c) {
    RmspropOptions o;
    o.convention = c;
    if (c == Convention::keras) {
        o.lr = 1e-3;
        o.alpha = 0.9;
        o.eps = 1e-7;
    } else if (c == Convention::book) {
        o.eps = 1e-7;  // the book's RMSprop(lr=0.01, decay_rate=0.99), 1e-7 outside the root
    }
    return o;
}

template <class T>
void Rmsprop<T>::validate(const RmspropOptions& o) {
    check_non_negative(kName, "lr", o.lr);
    check_unit_open(kName, "alpha", o.alpha);
    check_non_negative(kName, "eps", o.eps);
    check_non_negative(kName, "weight_decay", o.weight_decay);
    check_non_negative(kName, "momentum", o.momentum);
}

template <class T>
void Rmsprop<T>::step_group(std::size_t g) {
    const RmspropOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* v = this->state("square_avg");
    T* gbar = o.centered ? this->state("grad_avg") : nullptr;
    T* b = o.momentum > 0.0 ? this->state("momentum_buffer") : nullptr;
    const T sign = o.maximize ? T(-1) : T(1);
    const T lr = T(o.lr), alpha = T(o.alpha), one_minus_alpha = T(1.0 - o.alpha);
    const T eps = T(o.eps), mu = T(o.momentum);
    const bool centered = o.centered, momentum = o.momentum > 0.0;

    if (this->convention_ == Convention::keras) {
        const T decay = T(o.lr * o.weight_decay);
        this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) {
                p[i] = p[i] - p[i] * decay;                          // θ ← θ − γλθ (decoupled)
                const T d = sign * grad[i];
                v[i] = alpha * v[i] + one_minus_alpha * (d * d);     // v ← ρv + (1−ρ)g²
                T denom = v[i];
                if (centered) {
                    gbar[i] = alpha * gbar[i] + one_minus_alpha * d;  // ḡ ← ρḡ + (1−ρ)g
                    denom = denom - gbar[i] * gbar[i];
                }
                const T inc = lr * d / std::sqrt(denom + eps);       // Δ = γg/√(v − ḡ² + ε)
                if (momentum) {
                    b[i] = mu * b[i] + inc;                          // m ← μm + Δ
                    p[i] = p[i] - b[i];                              // θ ← θ − m
                } else {
                    p[i] = p[i] - inc;                               // θ ← θ − Δ
                }
            }
        });
        return;
    }
    const T wd = T(o.weight_decay);
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            const T d = sign * grad[i] + wd * p[i];                  // g ← ±g + λθ
            v[i] = v[i] * alpha + one_minus_alpha * d * d;           // v ← αv + (1−α)g²
            T a;
            if (centered) {
                gbar[i] = gbar[i] * alpha + one_minus_alpha * d;     // ḡ ← αḡ + (1−α)g
                a = std::sqrt(v[i] + T(-1) * gbar[i] * gbar[i]);     // a = √(v − ḡ²)
            } else {
                a = std::sqrt(v[i]);                                 // a = √v
            }
            a = a + eps;                                             // a ← a + ε
            if (momentum) {
                b[i] = b[i] * mu + d / a;                            // b ← μb + g/a
                p[i] = p[i] + (-lr) * b[i];                          // θ ← θ − γb
            } else {
                p[i] = p[i] + ((-lr) * d) / a;                       // θ ← θ − γg/a
            }
        }
    });
}

template class Rmsprop<float>;
template class Rmsprop<double>;

}  // namespace optlab
