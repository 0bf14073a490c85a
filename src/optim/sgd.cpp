// SPDX-License-Identifier: MIT
// SGD / Momentum / NAG; the formulas are in sgd.hpp and docs/optimizers.md#sgd.
#include "optlab/optim/sgd.hpp"

#include "optlab/core/text.hpp"

#include "optlab/optim/optimizer_impl.hpp"

namespace optlab {

SgdOptions SgdOptions::defaults(Convention c) {
    SgdOptions o;
    o.convention = c;
    if (c != Convention::torch) o.lr = 0.01;  // Keras SGD() and the book's SGD(lr=0.01)
    return o;
}

template <class T>
void Sgd<T>::validate(const SgdOptions& o) {
    check_non_negative(kName, o.lr);
    check_non_negative(kName, o.momentum);
    check_unit_closed(kName, o.dampening);
    check_non_negative(kName, o.weight_decay);
    if (o.nesterov && (o.momentum <= 0.0 || o.dampening != 0.0)) {
        throw InvalidArgument(std::string(kName) +
                              ": nesterov requires momentum > 0 and dampening = 0 (got momentum " +
                              format_number(o.momentum) + ", dampening " +
                              format_number(o.dampening) + ")");
    }
    if (o.convention == Convention::keras && o.momentum > 1.0) {  // Keras: momentum in [0, 1]
        throw_invalid(kName, "momentum", o.momentum, "0 <= value <= 1 under the keras convention");
    }
    if (o.convention != Convention::torch && o.dampening != 0.0) {
        throw_invalid(kName, "dampening", o.dampening,
                      "0 under the keras and book conventions, which have no dampening");
    }
}

namespace {

template <class T>
struct SgdScalars {
    T sign;        // −1 with maximize
    T lr, mu, wd;  // γ, μ, coupled λ (0 under keras)
    T keep;        // 1 − τ (torch dampening)
    T decay;       // γλ: keras' decoupled decay
};

// torch: g ← ±g + λθ;  b ← g (first step) or μb + (1−τ)g;  g ← g + μb or b;  θ ← θ − γg.
template <class T, bool kMomentum, bool kFirst, bool kNesterov>
void sgd_torch(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
               T* __restrict b, const SgdScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        T d = s.sign * grad[i] + s.wd * p[i];                  // g ← ±g + λθ
        if constexpr (kMomentum) {
            // NOTE: PyTorch starts the buffer at the first gradient itself, undampened.
            if constexpr (kFirst) {
                b[i] = d;                                      // b ← g
            } else {
                b[i] = b[i] * s.mu + s.keep * d;               // b ← μb + (1−τ)g
            }
            if constexpr (kNesterov) {
                d = d + s.mu * b[i];                           // g ← g + μb
            } else {
                d = b[i];                                      // g ← b
            }
        }
        p[i] = p[i] + (-s.lr) * d;                             // θ ← θ − γg
    }
}

// keras and book: the velocity form; v holds −γ·(torch's buffer).
template <class T, bool kMomentum, bool kNesterov, bool kKeras, bool kBook>
void sgd_velocity(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                  T* __restrict v, const SgdScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        if constexpr (kKeras) p[i] = p[i] - p[i] * s.decay;   // θ ← θ − γλθ (decoupled)
        const T d = s.sign * grad[i] + s.wd * p[i];           // g ← ±g (+ λθ, book)
        if constexpr (!kMomentum) {
            p[i] = p[i] - s.lr * d;                           // θ ← θ − γg
        } else if constexpr (!kNesterov) {
            v[i] = s.mu * v[i] - s.lr * d;                    // v ← μv − γg
            p[i] = p[i] + v[i];                               // θ ← θ + v
        } else if constexpr (kBook) {
            // The book's corrected Nesterov (2021), in its own order:
            // W += μ²v; W −= (1+μ)γg; v ← μv − γg  (equal to θ + μv_new − γg)
            p[i] = p[i] + s.mu * s.mu * v[i];
            p[i] = p[i] - (1 + s.mu) * s.lr * d;
            v[i] = v[i] * s.mu - s.lr * d;
        } else {
            v[i] = s.mu * v[i] - s.lr * d;                    // v ← μv − γg
            p[i] = p[i] + (s.mu * v[i] - s.lr * d);           // θ ← θ + μv − γg
        }
    }
}

}  // namespace

template <class T>
void Sgd<T>::step_group(std::size_t g) {
    const SgdOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    const bool momentum = o.momentum != 0.0;
    T* b = momentum ? this->state("momentum_buffer") : nullptr;
    const bool keras = this->convention_ == Convention::keras;
    const SgdScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .lr = T(o.lr),
        .mu = T(o.momentum),
        .wd = keras ? T(0) : T(o.weight_decay),
        .keep = T(1.0 - o.dampening),
        .decay = T(o.lr * o.weight_decay),
    };
    if (this->convention_ == Convention::torch) {
        // Whether this group's buffer holds anything yet (PyTorch: momentum_buffer is None).
        double& started = this->groups_[g].scalars["momentum_buffer"];
        const bool first = momentum && started == 0.0;
        if (momentum) started = 1.0;
        with_flags(
            [&]<bool kMomentum, bool kFirst, bool kNesterov>() {
                this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                    sgd_torch<T, kMomentum, kFirst, kNesterov>(begin, end, p, grad, b, s);
                });
            },
            momentum, first, o.nesterov);
        return;
    }
    with_flags(
        [&]<bool kMomentum, bool kNesterov, bool kKeras>() {
            this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
                sgd_velocity<T, kMomentum, kNesterov, kKeras, !kKeras>(begin, end, p, grad, b, s);
            });
        },
        momentum, o.nesterov, keras);
}

template class Sgd<float>;
template class Sgd<double>;

}  // namespace optlab
