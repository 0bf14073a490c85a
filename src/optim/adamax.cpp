// SPDX-License-Identifier: MIT
// Adamax; the formulas are in adamax.hpp and docs/optimizers.md#adamax.
#include "optlab/optim/adamax.hpp"

#include "optlab/optim/optimizer_impl.hpp"

#include <algorithm>
#include <cmath>

namespace optlab {

AdamaxOptions AdamaxOptions::defaults(Convention c) {
    AdamaxOptions o;
    o.convention = c;
    if (c == Convention::keras) {
        o.lr = 1e-3;
        o.eps = 1e-7;
    }
    return o;
}

template <class T>
void Adamax<T>::validate(const AdamaxOptions& o) {
    check_adam_family(kName, o);
}

namespace {

template <class T>
struct AdamaxScalars {
    T sign, wd;                         // ±1; coupled λ (torch)
    T beta1, beta2, one_minus_beta1, eps;
    T clr;                              // torch: γ/(1−β1^t)
    T lr, bias_correction, decay;       // keras: γ, 1−β1^t, γλ
};

template <class T>
void adamax_torch(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                  T* __restrict m, T* __restrict u, const AdamaxScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i] + s.wd * p[i];                 // g ← ±g + λθ
        m[i] = m[i] * s.beta1 + s.one_minus_beta1 * g;              // m ← β1·m + (1−β1)·g
        u[i] = std::max(u[i] * s.beta2, std::abs(g) + s.eps);       // u ← max(β2·u, |g|+ε)
        p[i] = p[i] + ((-s.clr) * m[i]) / u[i];                     // θ ← θ − γ/(1−β1^t)·m/u
    }
}

template <class T>
void adamax_keras(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                  T* __restrict m, T* __restrict u, const AdamaxScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        p[i] = p[i] - p[i] * s.decay;                               // θ ← θ − γλθ
        const T g = s.sign * grad[i];
        m[i] = m[i] + (g - m[i]) * s.one_minus_beta1;               // m ← m + (g−m)(1−β1)
        u[i] = std::max(s.beta2 * u[i], std::abs(g));               // u ← max(β2·u, |g|)
        p[i] = p[i] - (s.lr * m[i]) / (s.bias_correction * (u[i] + s.eps));
    }
}

}  // namespace

template <class T>
void Adamax<T>::step_group(std::size_t g) {
    const AdamaxOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* u = this->state("exp_inf");
    const double t = double(this->groups_[g].step);
    const double bias_correction = 1.0 - std::pow(o.betas[0], t);
    const bool keras = this->convention_ == Convention::keras;
    const AdamaxScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .wd = keras ? T(0) : T(o.weight_decay),
        .beta1 = T(o.betas[0]),
        .beta2 = T(o.betas[1]),
        .one_minus_beta1 = T(1.0 - o.betas[0]),
        .eps = T(o.eps),
        .clr = T(o.lr / bias_correction),
        .lr = T(o.lr),
        .bias_correction = T(bias_correction),
        .decay = T(o.lr * o.weight_decay),
    };
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        if (keras) {
            adamax_keras<T>(begin, end, p, grad, m, u, s);
        } else {
            adamax_torch<T>(begin, end, p, grad, m, u, s);
        }
    });
}

template class Adamax<float>;
template class Adamax<double>;

}  // namespace optlab
