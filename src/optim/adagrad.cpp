// SPDX-License-Identifier: MIT
// AdaGrad; the formulas are in adagrad.hpp and docs/optimizers.md#adagrad.
#include "optlab/optim/adagrad.hpp"

#include "optlab/optim/optimizer_impl.hpp"

#include <cmath>

namespace optlab {

AdagradOptions AdagradOptions::defaults(Convention c) {
    AdagradOptions o;
    o.convention = c;
    if (c == Convention::keras) {
        o.lr = 1e-3;
        o.initial_accumulator_value = 0.1;
        o.eps = 1e-7;
    } else if (c == Convention::book) {
        o.eps = 1e-7;  // the book's AdaGrad(lr=0.01): h += g*g; W -= lr*g/(sqrt(h) + 1e-7)
    }
    return o;
}

template <class T>
void Adagrad<T>::validate(const AdagradOptions& o) {
    check_non_negative(kName, o.lr);
    check_non_negative(kName, o.lr_decay);
    check_non_negative(kName, o.weight_decay);
    check_non_negative(kName, o.initial_accumulator_value);
    check_non_negative(kName, o.eps);
    if (o.convention == Convention::keras && o.lr_decay != 0.0) {
        throw_invalid(kName, "lr_decay", o.lr_decay, "0 under the keras convention, which has no lr_decay");
    }
}

template <class T>
void Adagrad<T>::fill_accumulators() {
    T* sum = this->state("sum");
    for (std::size_t g = 0; g < this->num_groups(); ++g) {
        const T init = T(this->options_[g].initial_accumulator_value);
        for (const auto& r : this->group_ranges(g)) {
            std::fill(sum + r.offset, sum + r.offset + r.size, init);
        }
    }
}

namespace {

template <class T>
struct AdagradScalars {
    T sign;   // −1 with maximize
    T wd;     // coupled λ (torch, book)
    T clr;    // torch: γ/(1+(t−1)·lr_decay); keras: γ
    T eps;
    T decay;  // keras: γλ, decoupled
};

// torch / book: s ← s + g²;  θ ← θ − γ_t·g/(√s + ε)
template <class T>
void adagrad_torch(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                   T* __restrict sum, const AdagradScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        const T g = s.sign * grad[i] + s.wd * p[i];          // g ← ±g + λθ
        sum[i] = sum[i] + g * g;                             // s ← s + g²
        const T std_ = std::sqrt(sum[i]) + s.eps;            // √s + ε
        p[i] = p[i] + ((-s.clr) * g) / std_;                 // θ ← θ − γ_t·g/(√s + ε)
    }
}

// keras: ε inside the root, decay decoupled.
template <class T>
void adagrad_keras(std::size_t begin, std::size_t end, T* __restrict p, const T* __restrict grad,
                   T* __restrict sum, const AdagradScalars<T>& s) {
    for (std::size_t i = begin; i < end; ++i) {
        p[i] = p[i] - p[i] * s.decay;                        // θ ← θ − γλθ
        const T g = s.sign * grad[i];
        sum[i] = sum[i] + g * g;                             // s ← s + g²
        p[i] = p[i] - (s.clr * g) / std::sqrt(sum[i] + s.eps);  // θ ← θ − γg/√(s + ε)
    }
}

}  // namespace

template <class T>
void Adagrad<T>::step_group(std::size_t g) {
    const AdagradOptions& o = this->options_[g];
    T* p = this->store_.params().data();
    const T* grad = this->store_.grads().data();
    T* sum = this->state("sum");
    const bool keras = this->convention_ == Convention::keras;
    const double step = double(this->groups_[g].step);
    const AdagradScalars<T> s{
        .sign = o.maximize ? T(-1) : T(1),
        .wd = keras ? T(0) : T(o.weight_decay),
        .clr = keras ? T(o.lr) : T(o.lr / (1.0 + (step - 1.0) * o.lr_decay)),
        .eps = T(o.eps),
        .decay = T(o.lr * o.weight_decay),
    };
    this->for_each_range(g, [&](std::size_t begin, std::size_t end) {
        if (keras) {
            adagrad_keras<T>(begin, end, p, grad, sum, s);
        } else {
            adagrad_torch<T>(begin, end, p, grad, sum, s);
        }
    });
}

template class Adagrad<float>;
template class Adagrad<double>;

}  // namespace optlab
