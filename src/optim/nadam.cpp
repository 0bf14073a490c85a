// SPDX-License-Identifier: MIT
// NAdam; the formulas are in nadam.hpp and docs/optimizers.md#nadam.
#include "optlab/optim/nadam.hpp"

#include "optlab/optim/optimizer_impl.hpp"

#include <cmath>

namespace optlab {

NadamOptions NadamOptions::defaults(Convention c) {
    NadamOptions o;
    o.convention = c;
    if (c == Convention::keras) {
        o.lr = 1e-3;
        o.eps = 1e-7;
        o.momentum_decay = 1.0;          // Keras' 0.96^t
        o.decoupled_weight_decay = true;  // Keras decays every optimizer decoupled
    }
    return o;
}

template <class T>
void Nadam<T>::validate(const NadamOptions& o) {
    check_adam_family(kName, o);
    check_non_negative(kName, o.momentum_decay);
    if (o.convention == Convention::keras) {
        if (o.momentum_decay != 1.0) {
            throw_invalid(kName, "momentum_decay", o.momentum_decay,
                          "1 under the keras convention, whose NAdam fixes 0.96^t");
        }
        if (!o.decoupled_weight_decay) {
            throw InvalidArgument(std::string(kName) + ": decoupled_weight_decay = false under the keras "
                                  "convention, which always decays decoupled (θ ← θ − θλγ)");
        }
    }
}

namespace {

template <class T>
struct NadamScalars {
    T sign, wd;                            // ±1; coupled λ
    T decay_keep;                          // 1 − γλ (decoupled, torch)
    T decay;                               // γλ (keras)
    T beta1, beta2, one_minus_beta1, one_minus_beta2, eps, bias_correction2;
    T grad_coef, m_coef;                   // torch: −γ(1−μ_t)/(1−Π_t), −γμ_{t+1}/(1−Π_t·μ_{t+1})
    T lr, u_next, one_minus_product_next;  // keras: γ, μ_{t+1}, 1−Π_t·μ_{t+1}
    T one_minus_u, one_minus_product;      // keras: 1−μ_t, 1−Π_t
};

template <class T, bool kDecay>
void nadam_torch(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                 T* __restrict m, T* __restrict v, const NadamScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        if constexpr (kDecay) p[i] = p[i] * s.decay_keep;             // θ ← θ(1 − γλ)
        const T g = s.sign * grad[i] + s.wd * p[i];                   // g ← ±g + λθ
        m[i] = m[i] * s.beta1 + s.one_minus_beta1 * g;                // m ← β1·m + (1−β1)·g
        v[i] = v[i] * s.beta2 + s.one_minus_beta2 * g * g;            // v ← β2·v + (1−β2)·g²
        const T denom = std::sqrt(v[i] / s.bias_correction2) + s.eps; // √(v/(1−β2^t)) + ε
        p[i] = p[i] + (s.grad_coef * g) / denom;                      // θ −= γ(1−μ_t)/(1−Π_t)·g/d
        p[i] = p[i] + (s.m_coef * m[i]) / denom;                      // θ −= γμ_{t+1}/(1−Π_{t+1})·m/d
    }
}

template <class T>
void nadam_keras(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                 T* __restrict m, T* __restrict v, const NadamScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        p[i] = p[i] - p[i] * s.decay;                                 // θ ← θ − γλθ
        const T g = s.sign * grad[i];
        m[i] = m[i] + (g - m[i]) * s.one_minus_beta1;                 // m ← m + (g−m)(1−β1)
        v[i] = v[i] + (g * g - v[i]) * s.one_minus_beta2;             // v ← v + (g²−v)(1−β2)
        const T m_hat = s.u_next * m[i] / s.one_minus_product_next +
                        s.one_minus_u * g / s.one_minus_product;      // m̂
        const T v_hat = v[i] / s.bias_correction2;                    // v̂ = v/(1−β2^t)
        p[i] = p[i] - (m_hat * s.lr) / (std::sqrt(v_hat) + s.eps);    // θ ← θ − m̂γ/(√v̂ + ε)
    }
}

}  // namespace

template <class T>
void Nadam<T>::step_group(std::size_t g) {
    const NadamOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* m = this->state("exp_avg");
    T* v = this->state("exp_avg_sq");

    // The momentum schedule μ_t and its running product Π_t, once per step.
    auto& scalars = this->groups_[g].scalars;
    if (!scalars.contains("mu_product")) scalars["mu_product"] = 1.0;
    const double t = double(this->groups_[g].step);
    const double b1 = o.betas[0], b2 = o.betas[1];
    const double mu = b1 * (1.0 - 0.5 * std::pow(0.96, t * o.momentum_decay));
    const double mu_next = b1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * o.momentum_decay));
    const double mu_product = scalars["mu_product"] * mu;  // Π_t
    scalars["mu_product"] = mu_product;
    const double mu_product_next = mu_product * mu_next;   // Π_t·μ_{t+1}

    const bool keras = this->convention_ == Convention::keras;
    const bool decoupled = o.decoupled_weight_decay || keras;
    const NadamScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .wd = decoupled ? T(0) : T(o.weight_decay),
        .decay_keep = T(1.0 - o.lr * o.weight_decay),
        .decay = T(o.lr * o.weight_decay),
        .beta1 = T(b1),
        .beta2 = T(b2),
        .one_minus_beta1 = T(1.0 - b1),
        .one_minus_beta2 = T(1.0 - b2),
        .eps = T(o.eps),
        .bias_correction2 = T(1.0 - std::pow(b2, t)),
        .grad_coef = T(-o.lr * (1.0 - mu) / (1.0 - mu_product)),
        .m_coef = T((-o.lr * mu_next) / (1.0 - mu_product_next)),
        .lr = T(o.lr),
        .u_next = T(mu_next),
        .one_minus_product_next = T(1.0 - mu_product_next),
        .one_minus_u = T(1.0 - mu),
        .one_minus_product = T(1.0 - mu_product),
    };
    const bool decay = decoupled && o.weight_decay != 0.0;
    with_flags(
        [&]<bool kKeras, bool kDecay>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                if constexpr (kKeras) {
                    nadam_keras<T>(begin, end, p, grad, m, v, s);
                } else {
                    nadam_torch<T, kDecay>(begin, end, p, grad, m, v, s);
                }
            });
        },
        keras, decay);
}

template class Nadam<float>;
template class Nadam<double>;

}  // namespace optlab
