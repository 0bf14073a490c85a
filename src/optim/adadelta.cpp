// SPDX-License-Identifier: MIT
// AdaDelta; the formula is in adadelta.hpp and docs/optimizers.md#adadelta.
#include "optlab/optim/adadelta.hpp"

#include "optlab/optim/optimizer_impl.hpp"

#include <cmath>

namespace optlab {

AdadeltaOptions AdadeltaOptions::defaults(Convention c) {
    AdadeltaOptions o;
    o.convention = c;
    if (c == Convention::keras) {
        o.lr = 1e-3;
        o.rho = 0.95;
        o.eps = 1e-7;
    }
    return o;
}

template <class T>
void Adadelta<T>::validate(const AdadeltaOptions& o) {
    check_non_negative(kName, o.lr);
    check_unit_closed(kName, o.rho);
    check_non_negative(kName, o.eps);
    check_non_negative(kName, o.weight_decay);
}

namespace {

template <class T>
struct AdadeltaScalars {
    T sign, wd;                    // ±1; coupled λ (torch, book)
    T lr, rho, one_minus_rho, eps;
    T decay;                       // keras: γλ, decoupled
};

// torch / book, in PyTorch's order.
template <class T>
void adadelta_torch(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                    T* __restrict v, T* __restrict u, const AdadeltaScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i] + s.wd * p[i];                  // g ← ±g + λθ
        v[i] = v[i] * s.rho + s.one_minus_rho * g * g;               // v ← ρv + (1−ρ)g²
        const T std_ = std::sqrt(v[i] + s.eps);                      // √(v + ε)
        const T delta = std::sqrt(u[i] + s.eps) / std_ * g;          // δ = √(u+ε)/√(v+ε)·g
        u[i] = u[i] * s.rho + s.one_minus_rho * delta * delta;       // u ← ρu + (1−ρ)δ²
        p[i] = p[i] + (-s.lr) * delta;                               // θ ← θ − γδ
    }
}

// keras, in Keras' order.
template <class T>
void adadelta_keras(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                    T* __restrict v, T* __restrict u, const AdadeltaScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        p[i] = p[i] - p[i] * s.decay;                                // θ ← θ − γλθ
        const T g = s.sign * grad[i];
        v[i] = s.rho * v[i] + s.one_minus_rho * g * g;               // v ← ρv + (1−ρ)g²
        const T delta = std::sqrt(u[i] + s.eps) * g / std::sqrt(v[i] + s.eps);
        u[i] = s.rho * u[i] + s.one_minus_rho * delta * delta;       // u ← ρu + (1−ρ)δ²
        p[i] = p[i] - s.lr * delta;                                  // θ ← θ − γδ
    }
}

}  // namespace

template <class T>
void Adadelta<T>::step_group(std::size_t g) {
    const AdadeltaOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* v = this->state("square_avg");
    T* u = this->state("acc_delta");
    const bool keras = this->convention_ == Convention::keras;
    const AdadeltaScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .wd = keras ? T(0) : T(o.weight_decay),
        .lr = T(o.lr),
        .rho = T(o.rho),
        .one_minus_rho = T(1.0 - o.rho),
        .eps = T(o.eps),
        .decay = T(o.lr * o.weight_decay),
    };
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        if (keras) {
            adadelta_keras<T>(begin, end, p, grad, v, u, s);
        } else {
            adadelta_torch<T>(begin, end, p, grad, v, u, s);
        }
    });
}

template class Adadelta<float>;
template class Adadelta<double>;

}  // namespace optlab
