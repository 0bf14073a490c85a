// SPDX-License-Identifier: MIT
// RMSprop; the formulas are in rmsprop.hpp and docs/optimizers.md#rmsprop.
#include "optlab/optim/rmsprop.hpp"

#include "optlab/optim/optimizer_impl.hpp"

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
    check_non_negative(kName, o.lr);
    check_unit_open(kName, o.alpha);
    check_non_negative(kName, o.eps);
    check_non_negative(kName, o.weight_decay);
    check_non_negative(kName, o.momentum);
}

namespace {

template <class T>
struct RmspropScalars {
    T sign, wd;                    // ±1; coupled λ (torch, book)
    T lr, alpha, one_minus_alpha;  // γ, α, 1−α
    T eps, mu;                     // ε, momentum μ
    T decay;                       // keras: γλ, decoupled
};

// torch / book: ε added after the root.
template <class T, bool kCentered, bool kMomentum>
void rmsprop_torch(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                   T* __restrict v, T* __restrict gbar, T* __restrict b,
                   const RmspropScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i] + s.wd * p[i];              // g ← ±g + λθ
        v[i] = v[i] * s.alpha + s.one_minus_alpha * g * g;       // v ← αv + (1−α)g²
        T a;
        if constexpr (kCentered) {
            gbar[i] = gbar[i] * s.alpha + s.one_minus_alpha * g; // ḡ ← αḡ + (1−α)g
            a = std::sqrt(v[i] + T(-1) * gbar[i] * gbar[i]);     // a = √(v − ḡ²)
        } else {
            a = std::sqrt(v[i]);                                 // a = √v
        }
        a = a + s.eps;                                           // a ← a + ε
        if constexpr (kMomentum) {
            b[i] = b[i] * s.mu + g / a;                          // b ← μb + g/a
            p[i] = p[i] + (-s.lr) * b[i];                        // θ ← θ − γb
        } else {
            p[i] = p[i] + ((-s.lr) * g) / a;                     // θ ← θ − γg/a
        }
    }
}

// keras: ε inside the root; with momentum the lr sits inside the buffer.
template <class T, bool kCentered, bool kMomentum>
void rmsprop_keras(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                   T* __restrict v, T* __restrict gbar, T* __restrict b,
                   const RmspropScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        p[i] = p[i] - p[i] * s.decay;                            // θ ← θ − γλθ (decoupled)
        const T g = s.sign * grad[i];
        v[i] = s.alpha * v[i] + s.one_minus_alpha * (g * g);     // v ← ρv + (1−ρ)g²
        T denom = v[i];
        if constexpr (kCentered) {
            gbar[i] = s.alpha * gbar[i] + s.one_minus_alpha * g; // ḡ ← ρḡ + (1−ρ)g
            denom = denom - gbar[i] * gbar[i];
        }
        const T inc = s.lr * g / std::sqrt(denom + s.eps);       // Δ = γg/√(v − ḡ² + ε)
        if constexpr (kMomentum) {
            b[i] = s.mu * b[i] + inc;                            // m ← μm + Δ
            p[i] = p[i] - b[i];                                  // θ ← θ − m
        } else {
            p[i] = p[i] - inc;                                   // θ ← θ − Δ
        }
    }
}

}  // namespace

template <class T>
void Rmsprop<T>::step_group(std::size_t g) {
    const RmspropOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* v = this->state("square_avg");
    T* gbar = o.centered ? this->state("grad_avg") : nullptr;
    T* b = o.momentum > 0.0 ? this->state("momentum_buffer") : nullptr;
    const bool keras = this->convention_ == Convention::keras;
    const RmspropScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .wd = keras ? T(0) : T(o.weight_decay),
        .lr = T(o.lr),
        .alpha = T(o.alpha),
        .one_minus_alpha = T(1.0 - o.alpha),
        .eps = T(o.eps),
        .mu = T(o.momentum),
        .decay = T(o.lr * o.weight_decay),
    };
    with_flags(
        [&]<bool kKeras, bool kCentered, bool kMomentum>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                if constexpr (kKeras) {
                    rmsprop_keras<T, kCentered, kMomentum>(begin, end, p, grad, v, gbar, b, s);
                } else {
                    rmsprop_torch<T, kCentered, kMomentum>(begin, end, p, grad, v, gbar, b, s);
                }
            });
        },
        keras, o.centered, o.momentum > 0.0);
}

template class Rmsprop<float>;
template class Rmsprop<double>;

}  // namespace optlab
